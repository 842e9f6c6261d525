import { test, type TestContext } from 'node:test'
import assert from 'node:assert/strict'
import type { ChildProcess } from 'node:child_process'
import { Redis } from 'ioredis'
import { signBackchannel } from '../../src/testing/index.js'
import { REDIS_URL } from '../stores/redis-helpers.js'
import { bullmqPrefix } from './engines.js'
import { deliverTo, startFixture } from '../child-process.js'
import { until } from '../wait.js'

const SECRET = 'queue-secret'
const SCRIPT = new URL('./fixtures/queue-process.ts', import.meta.url)

async function start (t: TestContext, prefix: string, role: 'receiver' | 'worker'): Promise<{ child: ChildProcess, port: number }> {
  return await startFixture(t, SCRIPT, { REDIS_URL, HOOKGATE_PREFIX: prefix, HOOKGATE_ROLE: role, HOOKGATE_SECRET: SECRET })
}

async function deliver (port: number, id: string, type = 'order.created'): Promise<number> {
  return await deliverTo(port, (body) => signBackchannel(body, SECRET), id, type)
}

function counters (t: TestContext): Redis {
  const redis = new Redis(REDIS_URL, { maxRetriesPerRequest: 1 })
  t.after(async () => { await redis.quit() })
  return redis
}

function killed (child: ChildProcess): Promise<void> {
  return new Promise((resolve) => { child.once('exit', () => { resolve() }); child.kill('SIGKILL') })
}

test('kill -9 of the receiver right after its 2xx: the event was stored before the answer, and a worker runs it', { timeout: 60_000 }, async (t) => {
  const prefix = bullmqPrefix(t)
  const redis = counters(t)
  const receiver = await start(t, prefix, 'receiver')
  assert.equal(await deliver(receiver.port, 'evt_crash'), 202)
  await killed(receiver.child)
  await start(t, prefix, 'worker')
  await until(async () => await redis.get(`${prefix}:done:evt_crash`) === '1', 'the run', 15_000)
})

test('kill -9 of a worker mid-handler: the job runs again on another worker once its lock expires, and completes once', { timeout: 60_000 }, async (t) => {
  const prefix = bullmqPrefix(t)
  const redis = counters(t)
  const receiver = await start(t, prefix, 'receiver')
  const first = await start(t, prefix, 'worker')
  assert.equal(await deliver(receiver.port, 'evt_worker_dies', 'order.slow'), 202)
  await until(async () => await redis.get(`${prefix}:started:evt_worker_dies`) === String(first.child.pid), 'the first worker to start it', 15_000)
  await killed(first.child)
  const second = await start(t, prefix, 'worker')
  await until(async () => await redis.get(`${prefix}:done:evt_worker_dies`) === '1', 'the second worker\'s run', 30_000)
  assert.equal(await redis.get(`${prefix}:started:evt_worker_dies`), String(second.child.pid))
  await new Promise((resolve) => setTimeout(resolve, 500))
  assert.equal(await redis.get(`${prefix}:done:evt_worker_dies`), '1')
})

test('the same event delivered 3 times at once to two receiver processes: one job, one completed run', { timeout: 60_000 }, async (t) => {
  const prefix = bullmqPrefix(t)
  const redis = counters(t)
  const [a, b] = await Promise.all([start(t, prefix, 'receiver'), start(t, prefix, 'receiver')])
  await start(t, prefix, 'worker')
  const statuses = await Promise.all([a, b, a].map(async ({ port }) => await deliver(port, 'evt_thrice')))
  assert.deepEqual(statuses, [202, 202, 202])
  await until(async () => await redis.get(`${prefix}:done:evt_thrice`) === '1', 'the run', 15_000)
  await new Promise((resolve) => setTimeout(resolve, 500))
  assert.equal(await redis.get(`${prefix}:done:evt_thrice`), '1')
  assert.deepEqual(await redis.keys(`${prefix}:webhooks:backchannel*`), [`${prefix}:webhooks:backchannel%3Aevt_thrice`])
})
