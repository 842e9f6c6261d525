import { test, type TestContext } from 'node:test'
import assert from 'node:assert/strict'
import type { ChildProcess } from 'node:child_process'
import { randomUUID } from 'node:crypto'
import { Redis } from 'ioredis'
import { signBackchannel } from '../../src/testing/index.js'
import { REDIS_URL, redisClient } from './redis-helpers.js'
import { deliverTo, startFixture } from '../child-process.js'

const SECRET = 'scale-secret'
const SCRIPT = new URL('./fixtures/receiver-process.ts', import.meta.url)

interface Instance { readonly port: number, readonly child: ChildProcess }

async function startInstance (t: TestContext, prefix: string, lease = 5000): Promise<Instance> {
  return await startFixture(t, SCRIPT, { REDIS_URL, HOOKGATE_PREFIX: prefix, HOOKGATE_LEASE: String(lease), HOOKGATE_SECRET: SECRET })
}

async function deliver (port: number, id: string, type = 'order.created'): Promise<number> {
  return await deliverTo(port, (body) => signBackchannel(body, SECRET), id, type)
}

async function cleanup (t: TestContext, prefix: string): Promise<void> {
  const redis = new Redis(REDIS_URL, { maxRetriesPerRequest: 1 })
  t.after(async () => {
    const keys = await redis.keys(`${prefix}*`)
    if (keys.length > 0) await redis.del(...keys)
    await redis.quit()
  })
}

test('two receiver processes sharing Redis: 400 concurrent deliveries of 20 events, each handler runs exactly once', { timeout: 60_000 }, async (t) => {
  const prefix = `hookgate-scale:${randomUUID()}:`
  await cleanup(t, prefix)
  const [a, b] = await Promise.all([startInstance(t, prefix), startInstance(t, prefix)])
  const ids = Array.from({ length: 20 }, (_, i) => `evt_scale_${i}`)
  const deliveries = Array.from({ length: 400 }, (_, i) => ({ id: ids[i % ids.length] as string, port: i % 2 === 0 ? a.port : b.port }))
  const statuses = await Promise.all(deliveries.map(async ({ id, port }) => await deliver(port, id)))
  const counts = new Map<number, number>()
  for (const status of statuses) counts.set(status, (counts.get(status) ?? 0) + 1)
  assert.deepEqual([...counts.keys()].filter((s) => s !== 200 && s !== 409), [], `only 200 and 409: ${JSON.stringify([...counts])}`)

  // The sender retries every 409 until it gets a 2xx.
  const pending = deliveries.filter((_, i) => statuses[i] === 409)
  for (let round = 0; pending.length > 0 && round < 50; round++) {
    await new Promise((resolve) => setTimeout(resolve, 50))
    const retried = await Promise.all(pending.map(async ({ id, port }) => await deliver(port, id)))
    for (let i = retried.length - 1; i >= 0; i--) {
      assert.ok(retried[i] === 200 || retried[i] === 409, `retry answered ${retried[i]}`)
      if (retried[i] === 200) pending.splice(i, 1)
    }
  }
  assert.equal(pending.length, 0, 'every delivery was eventually acknowledged')

  const redis = redisClient(t)
  const runs = await Promise.all(ids.map(async (id) => Number(await redis.get(`${prefix}count:${id}`))))
  assert.deepEqual(runs, ids.map(() => 1), 'each handler ran exactly once across both processes')
})

test('a process killed mid-handler: its claim expires after the lease and a retry on the other process runs the handler', { timeout: 60_000 }, async (t) => {
  const prefix = `hookgate-scale:${randomUUID()}:`
  await cleanup(t, prefix)
  const lease = 1500
  const [doomed, survivor] = await Promise.all([startInstance(t, prefix, lease), startInstance(t, prefix, lease)])
  const redis = redisClient(t)
  const inFlight = deliver(doomed.port, 'evt_orphan', 'hang.forever').catch(() => 0)
  for (let i = 0; i < 100 && await redis.get(`${prefix}started:evt_orphan`) === null; i++) {
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
  assert.equal(await redis.get(`${prefix}started:evt_orphan`), String(doomed.child.pid), 'the handler started in the doomed process')
  doomed.child.kill('SIGKILL')
  assert.equal(await inFlight, 0, 'the sender saw the connection die')

  assert.equal(await deliver(survivor.port, 'evt_orphan', 'hang.forever'), 409, 'the dead claim still holds')
  await redis.del(`${prefix}started:evt_orphan`)
  await new Promise((resolve) => setTimeout(resolve, lease + 200))
  // After the lease the retry claims the event and runs the handler (which hangs again, so do not await the reply).
  const retried = deliver(survivor.port, 'evt_orphan', 'hang.forever').catch(() => 0)
  for (let i = 0; i < 100 && await redis.get(`${prefix}started:evt_orphan`) === null; i++) {
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
  assert.equal(await redis.get(`${prefix}started:evt_orphan`), String(survivor.child.pid), 'the handler ran again, in the survivor')
  survivor.child.kill('SIGKILL')
  await retried
})
