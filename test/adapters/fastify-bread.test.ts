import { test, type TestContext } from 'node:test'
import assert from 'node:assert/strict'
import type { AddressInfo } from 'node:net'
import Fastify, { type FastifyInstance } from 'fastify'
import hookgate, { type EndpointOptions } from '../../src/index.js'
import { bread, type BreadEvent } from '../../src/providers/index.js'
import { breadRequest, signBread } from '../../src/testing/index.js'
import type { JobContext } from '../../src/core/queue.js'
import { memoryQueue } from '../../src/queues/memory.js'
import { recordingEnqueues } from '../queues/engines.js'
import { until } from '../wait.js'
import { loadFixture } from '../fixtures/load.js'
import { BASIC_AUTH, KID, NOW, SECRET, TIMESTAMP } from '../fixtures/bread/keys.js'

const SIGNING = { kid: KID, secret: SECRET, basicAuth: BASIC_AUTH, timestamp: TIMESTAMP }
const DATA = { identity: { tenantID: 'tenant-1' }, amount: 7 }

async function breadApp (t: TestContext, options: EndpointOptions<BreadEvent> = {}, modes?: Array<'binary' | 'structured' | 'batch'>): Promise<{ app: FastifyInstance, seen: BreadEvent[] }> {
  const app = Fastify()
  t.after(() => app.close())
  await app.register(hookgate, { now: () => NOW })
  const seen: BreadEvent[] = []
  app.webhooks('/webhooks/bread', bread({ keys: { [KID]: SECRET }, basicAuth: BASIC_AUTH, ...(modes === undefined ? {} : { modes }) }), options)
    .on('integration_test_event', async (event, request) => {
      assert.equal(request.webhook, event)
      seen.push(event)
    })
    .on({ source: 'breadpayments.webhooks.*', type: 'payment.*' }, async (event) => {
      if ((event.data as { fail?: boolean }).fail === true) throw new Error('ledger unavailable')
      seen.push(event)
    })
  return { app, seen }
}

test('the brief\'s request through Fastify → 200, the handler sees the CloudEvent', async (t) => {
  const { app, seen } = await breadApp(t)
  const { body, headers } = loadFixture('bread', 'integration-test-event')
  const res = await app.inject({ method: 'POST', url: '/webhooks/bread', headers, payload: body })
  assert.equal(res.statusCode, 200)
  assert.equal(seen[0]?.id, headers['ce-id'])
  assert.equal(seen[0]?.mode, 'binary')
})

test('refusals over Fastify: 401 with WWW-Authenticate for Basic, 401 for JWS, 400 for CloudEvents and schema', async (t) => {
  const { app, seen } = await breadApp(t)
  const noAuth = await app.inject(breadRequest(DATA, { ...SIGNING, basicAuth: undefined as never, url: '/webhooks/bread' }))
  assert.equal(noAuth.statusCode, 401)
  assert.equal(noAuth.json().code, 'HOOKGATE_CREDENTIALS_MISSING')
  assert.equal(noAuth.headers['www-authenticate'], 'Basic realm="bread-webhooks", charset="UTF-8"')

  const wrongKey = await app.inject(breadRequest(DATA, { ...SIGNING, secret: 'not-it', url: '/webhooks/bread' }))
  assert.equal(wrongKey.statusCode, 401)
  assert.equal(wrongKey.json().code, 'HOOKGATE_SIGNATURE_INVALID')
  assert.equal(wrongKey.headers['www-authenticate'], undefined)

  const headers = signBread(DATA, SIGNING)
  const noSpecversion = await app.inject({ method: 'POST', url: '/webhooks/bread', headers: { ...headers, 'ce-specversion': '0.3' }, payload: JSON.stringify(DATA) })
  assert.equal(noSpecversion.statusCode, 400)
  assert.equal(noSpecversion.json().code, 'HOOKGATE_ENVELOPE_INVALID')

  const noTenant = await app.inject(breadRequest({ amount: 1 }, { ...SIGNING, url: '/webhooks/bread' }))
  assert.equal(noTenant.statusCode, 400)
  assert.deepEqual(noTenant.json().errors, [{ path: '/identity', message: "must have required property 'identity'" }])

  const structured = await app.inject({ method: 'POST', url: '/webhooks/bread', headers: { ...headers, 'content-type': 'application/cloudevents+json' }, payload: JSON.stringify(DATA) })
  assert.equal(structured.statusCode, 415, 'the Bread preset accepts binary mode only by default')
  assert.equal(seen.length, 0)
})

test('a handler failure → 500; a scoped wildcard handler gets payment events', async (t) => {
  const { app, seen } = await breadApp(t)
  const ok = await app.inject(breadRequest(DATA, { ...SIGNING, ceType: 'payment.settled', url: '/webhooks/bread' }))
  assert.equal(ok.statusCode, 200)
  assert.equal(seen[0]?.type, 'payment.settled')
  const failed = await app.inject(breadRequest({ ...DATA, fail: true }, { ...SIGNING, ceType: 'payment.settled', url: '/webhooks/bread' }))
  assert.equal(failed.statusCode, 500)
  assert.equal(failed.json().code, 'HOOKGATE_HANDLER_FAILED')
})

test('batch mode: one signature over the array, events dispatched in order, 2xx only if all succeed', async (t) => {
  const { app, seen } = await breadApp(t, {}, ['binary', 'structured', 'batch'])
  const event = (id: string, data: Record<string, unknown>) => ({ specversion: '1.0', id, source: 'breadpayments.webhooks.webhook', type: 'payment.settled', data })
  const send = async (batch: unknown[]) => {
    const payload = JSON.stringify(batch)
    const headers = { ...signBread(payload, SIGNING), 'content-type': 'application/cloudevents-batch+json' }
    return await app.inject({ method: 'POST', url: '/webhooks/bread', headers, payload })
  }
  const ok = await send([event('b1', DATA), event('b2', DATA), event('b3', DATA)])
  assert.equal(ok.statusCode, 200)
  assert.deepEqual(ok.json(), { ok: true, handled: 3 })
  assert.deepEqual(seen.map((e) => [e.id, e.mode]), [['b1', 'batch'], ['b2', 'batch'], ['b3', 'batch']])
  seen.length = 0
  const invalid = await send([event('c1', DATA), event('c2', { amount: 1 })])
  assert.equal(invalid.statusCode, 400, 'every event is validated before any is dispatched')
  assert.equal(seen.length, 0)
  const failing = await send([event('d1', DATA), event('d2', { ...DATA, fail: true }), event('d3', DATA)])
  assert.equal(failing.statusCode, 500)
  assert.deepEqual(seen.map((e) => e.id), ['d1'], 'dispatch stops at the failure; the sender retries the batch')
})

test('structured mode, when enabled', async (t) => {
  const { app, seen } = await breadApp(t, {}, ['binary', 'structured'])
  const payload = JSON.stringify({ specversion: '1.0', id: 's1', source: 'breadpayments.webhooks.webhook', type: 'integration_test_event', data: DATA })
  const headers = { ...signBread(payload, SIGNING), 'content-type': 'application/cloudevents+json; charset=utf-8' }
  const res = await app.inject({ method: 'POST', url: '/webhooks/bread', headers, payload })
  assert.equal(res.statusCode, 200)
  assert.equal(seen[0]?.mode, 'structured')
})

test('CloudEvents webhook validation handshake: off by default, then 200 for a configured origin only', async (t) => {
  const off = await breadApp(t)
  const none = await off.app.inject({ method: 'OPTIONS', url: '/webhooks/bread', headers: { 'webhook-request-origin': 'breadpayments.com' } })
  assert.equal(none.statusCode, 404)
  assert.equal(none.headers['webhook-allowed-origin'], undefined)

  const { app } = await breadApp(t, { handshake: { origins: ['breadpayments.com'], rate: 120 } })
  const ok = await app.inject({ method: 'OPTIONS', url: '/webhooks/bread', headers: { 'webhook-request-origin': 'BreadPayments.com' } })
  assert.equal(ok.statusCode, 200)
  assert.equal(ok.headers['webhook-allowed-origin'], 'BreadPayments.com')
  assert.equal(ok.headers['webhook-allowed-rate'], '120')
  assert.match(String(ok.headers.allow), /POST/)
  const other = await app.inject({ method: 'OPTIONS', url: '/webhooks/bread', headers: { 'webhook-request-origin': 'evil.example' } })
  assert.equal(other.statusCode, 403)
  assert.equal(other.headers['webhook-allowed-origin'], undefined)
  const missing = await app.inject({ method: 'OPTIONS', url: '/webhooks/bread' })
  assert.equal(missing.statusCode, 400)
  // The POST's header checks do not apply to the handshake: a body of any type does not change it.
  const withBody = await app.inject({ method: 'OPTIONS', url: '/webhooks/bread', headers: { 'webhook-request-origin': 'breadpayments.com', 'content-type': 'text/plain' }, payload: 'hello' })
  assert.equal(withBody.statusCode, 200)

  // §4.2.2: the allowed rate answers a requested one even when none is configured ("*": no limit).
  const { app: unlimited } = await breadApp(t, { handshake: { origins: ['breadpayments.com'] } })
  const asked = await unlimited.inject({ method: 'OPTIONS', url: '/webhooks/bread', headers: { 'webhook-request-origin': 'breadpayments.com', 'webhook-request-rate': '120' } })
  assert.equal(asked.statusCode, 200)
  assert.equal(asked.headers['webhook-allowed-rate'], '*')
})

test('handshake options are validated at declaration', async (t) => {
  const app = Fastify()
  t.after(() => app.close())
  await app.register(hookgate)
  const provider = bread({ keys: { [KID]: SECRET }, basicAuth: BASIC_AUTH })
  assert.throws(() => app.webhooks('/a', provider, { handshake: { origins: [] } }), { name: 'TypeError', message: /"handshake.origins"/ })
  assert.throws(() => app.webhooks('/b', provider, { handshake: { origins: ['Upper.Case'] } }), { name: 'TypeError', message: /lower-case/ })
  assert.throws(() => app.webhooks('/c', provider, { handshake: { origins: '*', rate: 0 } }), { name: 'TypeError', message: /"handshake.rate"/ })
})

test('over a real socket: a genuine Bread delivery → 200, the same with a stale clock → 401', async (t) => {
  for (const [now, status] of [[NOW, 200], [NOW + 600_000, 401]] as const) {
    const app = Fastify()
    t.after(() => app.close())
    await app.register(hookgate, { now: () => now })
    app.webhooks('/bread', bread({ keys: { [KID]: SECRET }, basicAuth: BASIC_AUTH })).on('*', () => {})
    await app.listen({ host: '127.0.0.1', port: 0 })
    const { port } = app.server.address() as AddressInfo
    const { body, headers } = loadFixture('bread', 'integration-test-event')
    const res = await fetch(`http://127.0.0.1:${port}/bread`, { method: 'POST', headers, body })
    assert.equal(res.status, status)
  }
})

test('queue mode: the stored CloudEvent keeps only the allow-listed headers, never Authorization or cookies; a batch carrying one event twice stores it once', async (t) => {
  const app = Fastify()
  t.after(() => app.close())
  await app.register(hookgate, { now: () => NOW })
  const { engine, stored } = recordingEnqueues(memoryQueue())
  const seen: Array<{ event: BreadEvent, job: JobContext }> = []
  app.webhooks('/webhooks/bread', bread({ keys: { [KID]: SECRET }, basicAuth: BASIC_AUTH, modes: ['binary', 'batch'] }), { queue: { engine, headers: ['user-agent'] } })
    .on('*', async (event, job) => { seen.push({ event, job }) })
  const request = breadRequest(DATA, { ...SIGNING, url: '/webhooks/bread' })
  const res = await app.inject({ ...request, headers: { ...request.headers, cookie: 'session=secret-cookie', 'user-agent': 'Bread/1' } })
  assert.equal(res.statusCode, 202)
  await until(() => seen.length === 1, 'the run')
  assert.deepEqual(seen[0]?.event.headers, { 'user-agent': 'Bread/1' }, 'the event\'s headers are the stored ones')
  assert.deepEqual(seen[0]?.job.headers, { 'user-agent': 'Bread/1' })
  assert.equal(stored.length, 1)
  assert.doesNotMatch(stored[0] ?? '', /authorization|Basic |secret-cookie|x-bread-signature|ce-id/i)

  const event = { specversion: '1.0', id: 'twice', source: 'breadpayments.webhooks.webhook', type: 'payment.settled', data: DATA }
  const payload = JSON.stringify([event, event])
  const twice = await app.inject({ method: 'POST', url: '/webhooks/bread', headers: { ...signBread(payload, SIGNING), 'content-type': 'application/cloudevents-batch+json' }, payload })
  assert.equal(twice.statusCode, 202)
  assert.deepEqual(twice.json(), { ok: true, queued: 1, duplicates: 1 })
  assert.equal(stored.length, 2, 'one more job, not two')
})
