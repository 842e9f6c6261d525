import { randomUUID } from 'node:crypto'
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import express from 'express'
import Fastify from 'fastify'
import { Redis } from 'ioredis'
import hookgate from '../../src/index.js'
import { webhooks as expressWebhooks } from '../../src/adapters/express.js'
import { webhooks as nodeWebhooks } from '../../src/adapters/node.js'
import { silentLogger } from '../../src/core/log.js'
import type { JobContext } from '../../src/core/queue.js'
import { createReceiver } from '../../src/core/receiver.js'
import type { Provider, WebhookEvent } from '../../src/core/types.js'
import { backchannel } from '../../src/providers/index.js'
import { bullmqQueue, jobIdOf } from '../../src/queues/bullmq.js'
import { memoryQueue } from '../../src/queues/memory.js'
import { signBackchannel } from '../../src/testing/index.js'
import { until } from '../wait.js'
import { REDIS_URL } from '../stores/redis-helpers.js'
import { recordingEnqueues } from './engines.js'

const SECRET = 'queue-adapter-secret'

async function post (port: number, id: string): Promise<Response> {
  const body = JSON.stringify({ id, type: 'order.paid', data: {} })
  return await fetch(`http://127.0.0.1:${port}/hook`, { method: 'POST', headers: signBackchannel(body, SECRET), body })
}

for (const adapter of ['node:http', 'express'] as const) {
  test(`${adapter}: queue mode answers 202 over a real socket, and the endpoint's worker runs the handler with a JobContext`, async (t) => {
    const runs: JobContext[] = []
    const options = { path: '/hook', log: silentLogger, queue: { engine: memoryQueue() } }
    const handler = (_event: unknown, job: JobContext): void => { runs.push(job) }
    let endpoint: { close: () => Promise<void> }
    let server
    if (adapter === 'express') {
      const middleware = expressWebhooks(backchannel({ secret: SECRET }), options).on('*', handler)
      endpoint = middleware
      server = createServer(express().use(middleware))
    } else {
      const listener = nodeWebhooks(backchannel({ secret: SECRET }), options).on('*', handler)
      endpoint = listener
      server = createServer(listener)
    }
    await new Promise<void>((resolve) => { server.listen(0, '127.0.0.1', resolve) })
    t.after(async () => { await endpoint.close(); await new Promise((resolve) => server.close(resolve)) })
    const res = await post((server.address() as AddressInfo).port, 'evt_node')
    assert.equal(res.status, 202)
    assert.deepEqual(await res.json(), { ok: true, queued: 1 })
    await until(() => runs.length === 1, 'the run', 5000)
    assert.equal(runs[0]?.endpoint, '/hook')
    assert.equal(runs[0]?.signal.aborted, false)
  })
}

test('an engine that cannot store the event (Redis unreachable) answers 503 with Retry-After, and nothing is acknowledged', async (t) => {
  const app = Fastify()
  t.after(() => app.close())
  await app.register(hookgate)
  let runs = 0
  const engine = bullmqQueue({ url: 'redis://127.0.0.1:1', name: 'unreachable' })
  // The connection's errors reach the log through hookgate only: BullMQ 6 prints those nobody listens to.
  const printed = t.mock.method(console, 'error', () => {})
  app.webhooks('/hook', backchannel({ secret: SECRET }), { queue: { engine, enqueueTimeout: 500, workers: false } }).on('*', () => { runs++ })
  await app.listen({ host: '127.0.0.1', port: 0 })
  const res = await post((app.server.address() as AddressInfo).port, 'evt_lost')
  assert.equal(res.status, 503)
  assert.equal(res.headers.get('retry-after'), '5')
  assert.equal((await res.json() as { code: string }).code, 'HOOKGATE_QUEUE_UNAVAILABLE')
  assert.equal(runs, 0)
  assert.deepEqual(printed.mock.calls.map((call) => String(call.arguments[0])), [])
})

test('a bullmq engine refused by Redis before its first connection fails each call at once, with Redis\'s answer', { timeout: 20_000 }, async (t) => {
  const url = new URL(REDIS_URL)
  url.username = 'nobody'
  url.password = 'not-the-password'
  const engine = bullmqQueue({ url: url.href, name: 'refused' })
  t.after(() => engine.close())
  const started = Date.now()
  const record = { v: 1, key: 'backchannel:evt_refused', delivery: 'd', endpoint: '/hook', provider: 'backchannel', receivedAt: started, headers: {}, event: { id: 'evt_refused', type: 'order.paid', data: {} } }
  // Each call waits at most for the next attempt to connect (ioredis tries again within seconds).
  await assert.rejects(engine.enqueue(record as never), /WRONGPASS/)
  await assert.rejects(engine.deadLetters(), /WRONGPASS/)
  await assert.rejects(engine.replay(), /WRONGPASS/)
  assert.ok(Date.now() - started < 10_000)
})

test('a bullmq engine given an ioredis client as its connection stores and runs its jobs through that client', async (t) => {
  // Database 5, where no default connection would reach: a job stored anywhere else never runs.
  const redis = new Redis(REDIS_URL, { db: 5, maxRetriesPerRequest: null })
  const prefix = `hookgate-test-${randomUUID()}`
  t.after(async () => {
    const keys = await redis.keys(`${prefix}:*`)
    if (keys.length > 0) await redis.del(...keys)
    await redis.quit()
  })
  const app = Fastify()
  t.after(() => app.close())
  await app.register(hookgate)
  const runs: string[] = []
  const engine = bullmqQueue({ connection: redis, name: 'webhooks', prefix })
  app.webhooks('/hook', backchannel({ secret: SECRET }), { queue: { engine, workers: { concurrency: 1 } } }).on('*', (event) => { runs.push(event.id) })
  await app.listen({ host: '127.0.0.1', port: 0 })
  assert.equal((await post((app.server.address() as AddressInfo).port, 'evt_on_db5')).status, 202)
  await until(() => runs.length === 1, 'the job to run')
  assert.deepEqual(runs, ['evt_on_db5'])
  assert.equal(await redis.exists(`${prefix}:webhooks:${jobIdOf('backchannel:evt_on_db5')}`), 1)
  // Another client (node-redis, which BullMQ 6 also takes) is refused at startup.
  const otherClient = { connect: async () => {}, disconnect: async () => {}, duplicate: () => otherClient }
  assert.throws(() => bullmqQueue({ connection: otherClient as never, name: 'webhooks' }), /must be an ioredis client/)
})

test('queue options are checked at startup: credentials are never stored, the plugin takes no queue, a worker needs a queue', async () => {
  const app = Fastify()
  await app.register(hookgate)
  assert.throws(() => app.webhooks('/a', backchannel({ secret: SECRET }), { queue: { engine: memoryQueue(), headers: ['Authorization'] } }), /must not list "authorization"/)
  assert.throws(() => app.webhooks('/b', backchannel({ secret: SECRET }), { queue: { engine: {} as never } }), /"queue.engine" must be a queue engine/)
  assert.throws(() => app.webhooks('/t', backchannel({ secret: SECRET }), { queue: { engine: memoryQueue(), enqueueTimeout: 2 ** 31 } }), /"queue.enqueueTimeout" must be a positive integer number of milliseconds up to 2147483647/)
  await app.close()
  await assert.rejects(async () => { await Fastify().register(hookgate, { queue: { engine: memoryQueue() } } as never) }, /"queue.engine" must be a function of the endpoint's path/)
  const noDefault = Fastify()
  await noDefault.register(hookgate)
  assert.throws(() => noDefault.webhooks('/c', backchannel({ secret: SECRET }), { queue: true }), /"queue: true" takes the plugin's queue/)
  await noDefault.close()
  const { startWorker } = await import('../../src/core/worker.js')
  const { createReceiver } = await import('../../src/core/receiver.js')
  assert.throws(() => startWorker(createReceiver(backchannel({ secret: SECRET }))), /has no "queue" option/)
})

test('the plugin\'s queue: each endpoint with queue: true gets its own engine, made from its path, and the shared options', async (t) => {
  const app = Fastify()
  t.after(() => app.close())
  const made: string[] = []
  const ran: string[] = []
  await app.register(hookgate, { queue: { engine: (path) => { made.push(path); return memoryQueue({ name: path }) }, onJob: (record) => { if (record.step === 'succeeded') ran.push(record.jobId) } } })
  app.webhooks('/orders', backchannel({ secret: SECRET }), { queue: true }).on('*', () => {})
  app.webhooks('/stock', backchannel({ secret: SECRET }), { queue: true, idempotency: { namespace: 'stock' } }).on('*', () => {})
  app.webhooks('/inline', backchannel({ secret: SECRET })).on('*', () => {})
  await app.listen({ host: '127.0.0.1', port: 0 })
  assert.deepEqual(made, ['/orders', '/stock'])
  const port = (app.server.address() as AddressInfo).port
  for (const path of ['/orders', '/stock', '/inline']) {
    const body = JSON.stringify({ id: 'evt_1', type: 'order.paid', data: {} })
    const res = await fetch(`http://127.0.0.1:${port}${path}`, { method: 'POST', headers: signBackchannel(body, SECRET), body })
    assert.equal(res.status, path === '/inline' ? 200 : 202, path)
  }
  await until(() => ran.length === 2, 'both queued runs', 5000)
  assert.deepEqual(ran.sort(), ['backchannel:evt_1', 'stock:evt_1'])
})

test('a stored event keeps its own "headers" field; a field that is the request\'s headers keeps only the stored ones', async () => {
  const provider: Provider<WebhookEvent & { headers: object, request: object }> = {
    name: 'mail',
    verifiers: [{ name: 'none', verify: () => undefined }],
    envelope: { accepts: () => true, open: (_payload, request) => [{ id: 'm1', type: 'inbound', data: {}, headers: { subject: 'Invoice 42' }, request: request.headers }] }
  }
  const { engine, stored } = recordingEnqueues(memoryQueue())
  const receiver = createReceiver(provider, { queue: { engine, workers: false } }).on('*', () => {})
  const outcome = await receiver.receive(Buffer.from('{}'), { 'content-type': 'application/json', authorization: 'Bearer secret-token', 'user-agent': 'Mailer/1' })
  assert.equal(outcome.status, 202)
  const event = (JSON.parse(stored[0] ?? '{}') as { event: Record<string, unknown> }).event
  assert.deepEqual(event.headers, { subject: 'Invoice 42' })
  assert.deepEqual(event.request, { 'content-type': 'application/json', 'user-agent': 'Mailer/1' })
  assert.doesNotMatch(stored[0] ?? '', /secret-token/)
})
