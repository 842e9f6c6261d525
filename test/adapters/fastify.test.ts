import { test, type TestContext } from 'node:test'
import assert from 'node:assert/strict'
import { createHmac } from 'node:crypto'
import Fastify, { type FastifyInstance, type FastifyRequest } from 'fastify'
import hookgate, { createAjv, type HookgateError, type Provider, type WebhookEvent } from '../../src/index.js'
import { backchannel, type BackchannelEvent } from '../../src/providers/index.js'
import { backchannelRequest, signBackchannel } from '../../src/testing/index.js'

const SECRET = 'fastify-adapter-secret'
const URL_PATH = '/webhooks/backchannel'
const EVENT = { id: 'evt_1', type: 'order.created', created_at: 1708456200, data: { order_id: 'o1', amount: 10 } }
const orderCreated = { type: 'object', required: ['amount'], properties: { amount: { type: 'integer' } } }

interface Harness {
  app: FastifyInstance
  calls: Array<{ event: BackchannelEvent, webhook: WebhookEvent | null }>
  logs: Array<Record<string, unknown>>
}

async function harness (t: TestContext, configure?: (app: FastifyInstance) => void): Promise<Harness> {
  const logs: Array<Record<string, unknown>> = []
  const app = Fastify({ logger: { level: 'info', stream: { write: (line: string) => { logs.push(JSON.parse(line) as Record<string, unknown>) } } } })
  t.after(() => app.close())
  await app.register(hookgate)
  const calls: Harness['calls'] = []
  app.webhooks(URL_PATH, backchannel({ secret: SECRET }))
    .on('order.created', { schema: orderCreated }, async (event, request) => { calls.push({ event, webhook: request.webhook }) })
    .on('inventory.*', async (event, request) => { calls.push({ event, webhook: request.webhook }) })
  configure?.(app)
  await app.ready()
  return { app, calls, logs }
}

function refusals (logs: Harness['logs']): Array<Record<string, unknown>> {
  return logs.filter((line) => line.msg === 'webhook refused' || line.msg === 'webhook failed')
}

test('a genuine delivery → 200, the handler runs once with the event, and request.webhook holds it', async (t) => {
  const { app, calls } = await harness(t)
  const res = await app.inject(backchannelRequest(EVENT, SECRET, { url: URL_PATH }))
  assert.equal(res.statusCode, 200)
  assert.deepEqual(res.json(), { ok: true, handled: 1 })
  assert.equal(calls.length, 1)
  assert.equal(calls[0]?.event.id, 'evt_1')
  assert.deepEqual(calls[0]?.event.data, EVENT.data)
  assert.equal(calls[0]?.webhook, calls[0]?.event)
})

test('namespace wildcards dispatch through the plugin', async (t) => {
  const { app, calls } = await harness(t)
  const res = await app.inject(backchannelRequest({ ...EVENT, type: 'inventory.reallocated' }, SECRET, { url: URL_PATH }))
  assert.equal(res.statusCode, 200)
  assert.equal(calls[0]?.event.type, 'inventory.reallocated')
})

test('every refusal in the HTTP contract: status, code, no handler, logged with its code', async (t) => {
  const notJson = '{"id":"evt_1",'
  const incomplete = '{"id":"evt_1","type":"order.created"}'
  const badData = JSON.stringify({ ...EVENT, data: { amount: 'ten' } })
  const signed = signBackchannel(EVENT, SECRET)
  const cases: Array<[string, { headers: Record<string, string>, payload: string | Buffer }, number, string]> = [
    ['signature missing', { headers: { 'content-type': 'application/json' }, payload: JSON.stringify(EVENT) }, 401, 'HOOKGATE_SIGNATURE_MISSING'],
    ['signature wrong', { headers: signBackchannel(EVENT, 'not-the-secret'), payload: JSON.stringify(EVENT) }, 401, 'HOOKGATE_SIGNATURE_INVALID'],
    ['signature for another body', { headers: signed, payload: JSON.stringify({ ...EVENT, data: { amount: 11 } }) }, 401, 'HOOKGATE_SIGNATURE_INVALID'],
    ['content type not JSON', { headers: { ...signed, 'content-type': 'text/plain' }, payload: JSON.stringify(EVENT) }, 415, 'HOOKGATE_UNSUPPORTED_MEDIA_TYPE'],
    ['no content type', { headers: { 'x-bc-signature': signed['x-bc-signature'] }, payload: JSON.stringify(EVENT) }, 415, 'HOOKGATE_UNSUPPORTED_MEDIA_TYPE'],
    ['genuine but not JSON', { headers: signBackchannel(notJson, SECRET), payload: notJson }, 400, 'HOOKGATE_BODY_NOT_JSON'],
    ['genuine but envelope incomplete', { headers: signBackchannel(incomplete, SECRET), payload: incomplete }, 400, 'HOOKGATE_ENVELOPE_INVALID'],
    ['genuine but fails its schema', { headers: signBackchannel(badData, SECRET), payload: badData }, 400, 'HOOKGATE_PAYLOAD_INVALID'],
    ['body over the limit', { headers: signed, payload: Buffer.alloc(1024 * 1024 + 1, 0x20) }, 413, 'HOOKGATE_BODY_TOO_LARGE']
  ]
  for (const [name, request, status, code] of cases) {
    await t.test(name, async (t) => {
      const { app, calls, logs } = await harness(t)
      const res = await app.inject({ method: 'POST', url: URL_PATH, ...request })
      assert.equal(res.statusCode, status)
      assert.equal(res.json().code, code)
      assert.equal(typeof res.json().message, 'string')
      assert.equal(calls.length, 0)
      const logged = refusals(logs)
      assert.equal(logged.length, 1)
      assert.equal(logged[0]?.code, code)
      assert.equal(logged[0]?.level, 40)
    })
  }
})

test('a schema failure answers 400 with the list of errors; the log names the event id', async (t) => {
  const { app, logs } = await harness(t)
  const res = await app.inject(backchannelRequest({ ...EVENT, data: {} }, SECRET, { url: URL_PATH }))
  assert.equal(res.statusCode, 400)
  assert.deepEqual(res.json().errors, [{ path: '/amount', message: "must have required property 'amount'" }])
  assert.equal(refusals(logs)[0]?.eventId, 'evt_1')
})

test('a handler that throws → 500, the error logged with the event id, nothing leaked', async (t) => {
  const { app, logs } = await harness(t, (app) => {
    app.webhooks('/failing', backchannel({ secret: SECRET })).on('*', async () => { throw new Error('database unavailable') })
  })
  const res = await app.inject(backchannelRequest(EVENT, SECRET, { url: '/failing' }))
  assert.equal(res.statusCode, 500)
  assert.deepEqual(res.json(), { code: 'HOOKGATE_HANDLER_FAILED', message: 'the event handler failed' })
  const [logged] = refusals(logs)
  assert.equal(logged?.level, 50)
  assert.equal(logged?.eventId, 'evt_1')
  assert.match(JSON.stringify(logged?.err), /database unavailable/)
})

test('no handler for a genuine event → 200 acknowledged and logged; 422 when the endpoint refuses unknown types', async (t) => {
  const { app, logs } = await harness(t, (app) => {
    app.webhooks('/strict', backchannel({ secret: SECRET }), { unknownEvents: 'refuse' }).on('order.created', () => {})
  })
  const shipped = { ...EVENT, type: 'order.shipped' }
  const ack = await app.inject(backchannelRequest(shipped, SECRET, { url: URL_PATH }))
  assert.equal(ack.statusCode, 200)
  assert.deepEqual(ack.json(), { ok: true, handled: 0, ignored: 1 })
  assert.ok(logs.some((l) => l.level === 30 && l.msg === 'webhook acknowledged: no handler for its type' && l.type === 'order.shipped'))
  const strict = await app.inject(backchannelRequest(shipped, SECRET, { url: '/strict' }))
  assert.equal(strict.statusCode, 422)
  assert.equal(strict.json().code, 'HOOKGATE_EVENT_UNKNOWN')
})

test('replies and logs never contain the secret or the expected signature', async (t) => {
  const { app, logs } = await harness(t)
  const body = JSON.stringify(EVENT)
  const expected = createHmac('sha256', SECRET).update(body).digest('hex')
  const res = await app.inject({ method: 'POST', url: URL_PATH, headers: signBackchannel(body, 'guess'), payload: body })
  assert.equal(res.statusCode, 401)
  for (const text of [res.body, JSON.stringify(logs)]) {
    assert.equal(text.includes(SECRET), false)
    assert.equal(text.includes(expected), false)
  }
})

test('the body limit holds for every content type, before the body is read', async (t) => {
  const { app } = await harness(t)
  const big = Buffer.alloc(1024 * 1024 + 1, 0x20)
  for (const contentType of ['application/json', 'application/json; charset=utf-8', 'application/cloudevents+json', 'text/plain', 'application/octet-stream', 'multipart/form-data; boundary=x', undefined]) {
    const headers: Record<string, string> = { 'x-bc-signature': 'sha256=00' }
    if (contentType !== undefined) headers['content-type'] = contentType
    const res = await app.inject({ method: 'POST', url: URL_PATH, headers, payload: big })
    assert.equal(res.statusCode, 413, String(contentType))
    assert.equal(res.json().code, 'HOOKGATE_BODY_TOO_LARGE')
  }
})

test('the body limit is configurable per endpoint and as a plugin default', async (t) => {
  const app = Fastify()
  t.after(() => app.close())
  await app.register(hookgate, { bodyLimit: 300 })
  app.webhooks('/small', backchannel({ secret: SECRET })).on('*', () => {})
  app.webhooks('/tiny', backchannel({ secret: SECRET }), { bodyLimit: 100 }).on('*', () => {})
  const body = JSON.stringify({ ...EVENT, data: { pad: 'x'.repeat(150) } })
  assert.ok(body.length > 100 && body.length < 300)
  assert.equal((await app.inject(backchannelRequest(body, SECRET, { url: '/small' }))).statusCode, 200)
  assert.equal((await app.inject(backchannelRequest(body, SECRET, { url: '/tiny' }))).statusCode, 413)
  const large = JSON.stringify({ ...EVENT, data: { pad: 'x'.repeat(300) } })
  assert.equal((await app.inject(backchannelRequest(large, SECRET, { url: '/small' }))).statusCode, 413)
})

test('a multi-byte UTF-8 body travels as bytes and verifies', async (t) => {
  const { app, calls } = await harness(t)
  const event = { ...EVENT, data: { amount: 1, note: 'Zoë paid 5 € 🎉🚀 — 日本語' } }
  const res = await app.inject(backchannelRequest(event, SECRET, { url: URL_PATH }))
  assert.equal(res.statusCode, 200)
  assert.deepEqual(calls[0]?.event.data, event.data)
})

test('the host app keeps Fastify JSON parsing on its other routes, before and after the endpoint', async (t) => {
  const { app } = await harness(t, (app) => {
    app.post('/api/orders', async (request) => ({ parsed: request.body, webhook: request.webhook }))
  })
  const res = await app.inject({ method: 'POST', url: '/api/orders', payload: { a: 1, s: 'é' } })
  assert.equal(res.statusCode, 200)
  assert.deepEqual(res.json(), { parsed: { a: 1, s: 'é' }, webhook: null })
  const text = await app.inject({ method: 'POST', url: '/api/orders', headers: { 'content-type': 'text/plain' }, payload: 'hello' })
  assert.deepEqual(text.json(), { parsed: 'hello', webhook: null })
  const bad = await app.inject({ method: 'POST', url: '/api/orders', headers: { 'content-type': 'application/json' }, payload: '{' })
  assert.equal(bad.statusCode, 400, "Fastify's own JSON errors still apply there")
})

test('several endpoints with different secrets in one app, each with its own handlers', async (t) => {
  const app = Fastify()
  t.after(() => app.close())
  await app.register(hookgate)
  const seen: string[] = []
  app.webhooks('/a', backchannel({ secret: 'secret-a' })).on('*', (e) => { seen.push(`a:${e.id}`) })
  app.webhooks('/b', backchannel({ secret: 'secret-b' })).on('*', (e) => { seen.push(`b:${e.id}`) })
  assert.equal((await app.inject(backchannelRequest(EVENT, 'secret-a', { url: '/a' }))).statusCode, 200)
  assert.equal((await app.inject(backchannelRequest(EVENT, 'secret-b', { url: '/b' }))).statusCode, 200)
  assert.equal((await app.inject(backchannelRequest(EVENT, 'secret-a', { url: '/b' }))).statusCode, 401)
  assert.deepEqual(seen, ['a:evt_1', 'b:evt_1'])
})

test('endpoints declared inside a prefixed plugin live under its prefix', async (t) => {
  const app = Fastify()
  t.after(() => app.close())
  await app.register(hookgate)
  await app.register(async (scope) => {
    scope.webhooks('/backchannel', backchannel({ secret: SECRET })).on('*', () => {})
  }, { prefix: '/hooks' })
  assert.equal((await app.inject(backchannelRequest(EVENT, SECRET, { url: '/hooks/backchannel' }))).statusCode, 200)
  assert.equal((await app.inject(backchannelRequest(EVENT, SECRET, { url: '/backchannel' }))).statusCode, 404)
})

test('onEvent and onRejected (plugin or endpoint) receive the Fastify request', async (t) => {
  const seen: string[] = []
  const app = Fastify()
  t.after(() => app.close())
  await app.register(hookgate, {
    onEvent: (event, request: FastifyRequest) => { seen.push(`ok ${event.id} ${request.url}`) },
    onRejected: (error: HookgateError, request: FastifyRequest) => { seen.push(`no ${error.code} ${request.url}`) }
  })
  app.webhooks('/a', backchannel({ secret: SECRET })).on('*', () => {})
  app.webhooks('/b', backchannel({ secret: SECRET }), { onRejected: (error) => { seen.push(`b ${error.statusCode}`) } }).on('*', () => {})
  await app.inject(backchannelRequest(EVENT, SECRET, { url: '/a' }))
  await app.inject(backchannelRequest(EVENT, 'x', { url: '/a' }))
  await app.inject({ method: 'POST', url: '/a', headers: { 'content-type': 'application/json' }, payload: Buffer.alloc(2 * 1024 * 1024) })
  await app.inject(backchannelRequest(EVENT, 'x', { url: '/b' }))
  assert.deepEqual(seen, ['ok evt_1 /a', 'no HOOKGATE_SIGNATURE_INVALID /a', 'no HOOKGATE_BODY_TOO_LARGE /a', 'b 401'])
})

test('configuration mistakes fail at registration, with a clear message', async (t) => {
  const app = Fastify()
  await assert.rejects(async () => { await app.register(hookgate, { bodyLimit: -1 }) }, { name: 'TypeError', message: /"bodyLimit"/ })

  const ok = Fastify()
  t.after(() => ok.close())
  await ok.register(hookgate)
  assert.throws(() => ok.webhooks('/x', backchannel({ secret: '' })), { name: 'TypeError', message: /"secret" must be a non-empty string/ })
  assert.throws(() => ok.webhooks('no-slash', backchannel({ secret: SECRET })), { name: 'TypeError', message: /"path"/ })
  const endpoint = ok.webhooks('/y', backchannel({ secret: SECRET })).on('order.created', () => {})
  assert.throws(() => endpoint.on('order.created', () => {}), { name: 'TypeError', message: /already registered/ })
  assert.throws(() => endpoint.on('order.paid', { schema: { type: 'object', required: 'id' } }, () => {}), { name: 'TypeError', message: /schema for event "order.paid" is invalid/ })
})

test('the plugin declares itself to Fastify, and request.webhook is null on other routes', async (t) => {
  const app = Fastify()
  t.after(() => app.close())
  await app.register(hookgate)
  app.get('/', async (request) => ({ webhook: request.webhook }))
  assert.ok(app.hasPlugin('hookgate'))
  assert.equal(typeof app.webhooks, 'function')
  assert.deepEqual((await app.inject('/')).json(), { webhook: null })
})

test('one ajv per app: every endpoint compiles its schemas with the plugin\'s instance', async (t) => {
  const ajv = createAjv()
  ajv.addFormat('sku', /^SKU-[0-9]+$/)
  const app = Fastify()
  t.after(() => app.close())
  await app.register(hookgate, { ajv })
  const schema = { type: 'object', required: ['sku'], properties: { sku: { type: 'string', format: 'sku' } } }
  app.webhooks('/one', backchannel({ secret: SECRET })).on('inventory.updated', { schema }, () => {})
  app.webhooks('/two', backchannel({ secret: SECRET })).on('inventory.updated', { schema }, () => {})
  for (const url of ['/one', '/two']) {
    const ok = await app.inject(backchannelRequest({ ...EVENT, type: 'inventory.updated', data: { sku: 'SKU-1' } }, SECRET, { url }))
    const bad = await app.inject(backchannelRequest({ ...EVENT, type: 'inventory.updated', data: { sku: 'x' } }, SECRET, { url }))
    assert.equal(ok.statusCode, 200)
    assert.deepEqual(bad.json().errors, [{ path: '/sku', message: 'must match format "sku"' }])
  }
})

test('a body shorter than its Content-Length → 400 HOOKGATE_BODY_UNREADABLE, no handler', async (t) => {
  const { app, calls, logs } = await harness(t)
  const signed = signBackchannel(EVENT, SECRET)
  const res = await app.inject({ method: 'POST', url: URL_PATH, headers: { ...signed, 'content-length': '10000' }, payload: JSON.stringify(EVENT) })
  assert.equal(res.statusCode, 400)
  assert.equal(res.json().code, 'HOOKGATE_BODY_UNREADABLE')
  assert.equal(calls.length, 0)
  assert.equal(refusals(logs)[0]?.code, 'HOOKGATE_BODY_UNREADABLE')
})

test('a handler that does not finish within handlerTimeout → 500 HOOKGATE_HANDLER_TIMEOUT', async (t) => {
  const app = Fastify()
  t.after(() => app.close())
  await app.register(hookgate, { handlerTimeout: 50 })
  app.webhooks('/slow', backchannel({ secret: SECRET })).on('*', async () => await new Promise((resolve) => setTimeout(resolve, 300)))
  app.webhooks('/patient', backchannel({ secret: SECRET }), { handlerTimeout: 5000 }).on('*', async () => await new Promise((resolve) => setTimeout(resolve, 100)))
  const slow = await app.inject(backchannelRequest(EVENT, SECRET, { url: '/slow' }))
  assert.equal(slow.statusCode, 500)
  assert.deepEqual(slow.json(), { code: 'HOOKGATE_HANDLER_TIMEOUT', message: 'the event handler did not finish in time' })
  assert.equal((await app.inject(backchannelRequest(EVENT, SECRET, { url: '/patient' }))).statusCode, 200)
})

test('a handlerTimeout beyond what a Node timer holds (2^31-1 ms) throws at registration: it would fire after 1 ms', async (t) => {
  const app = Fastify()
  t.after(() => app.close())
  await app.register(hookgate)
  assert.throws(() => app.webhooks('/long', backchannel({ secret: SECRET }), { handlerTimeout: 2 ** 31 }), { name: 'TypeError', message: /"handlerTimeout" must be .* up to 2147483647/ })
  assert.doesNotThrow(() => app.webhooks('/longest', backchannel({ secret: SECRET }), { handlerTimeout: 2 ** 31 - 1 }))
  assert.doesNotThrow(() => app.webhooks('/forever', backchannel({ secret: SECRET }), { handlerTimeout: Infinity }))
})

test('a failing secrets function → 503 over HTTP, so the sender retries', async (t) => {
  const app = Fastify()
  t.after(() => app.close())
  await app.register(hookgate)
  app.webhooks('/vault', backchannel({ secret: async () => { throw new Error('vault sealed') } })).on('*', () => {})
  const res = await app.inject(backchannelRequest(EVENT, SECRET, { url: '/vault' }))
  assert.equal(res.statusCode, 503)
  assert.deepEqual(res.json(), { code: 'HOOKGATE_SECRETS_UNAVAILABLE', message: 'verification secrets are unavailable' })
})

test('an unexpected error inside the pipeline → 500 HOOKGATE_INTERNAL with a generic message, logged', async (t) => {
  const logs: Array<Record<string, unknown>> = []
  const app = Fastify({ logger: { level: 'warn', stream: { write: (line: string) => { logs.push(JSON.parse(line) as Record<string, unknown>) } } } })
  t.after(() => app.close())
  await app.register(hookgate)
  const broken: Provider = {
    name: 'broken',
    verifiers: [{ name: 'bug', verify: () => { throw new Error('a bug with a secret inside') } }],
    envelope: { accepts: () => true, open: () => [] }
  }
  app.webhooks('/broken', broken).on('*', () => {})
  const res = await app.inject({ method: 'POST', url: '/broken', headers: { 'content-type': 'application/json' }, payload: '{}' })
  assert.equal(res.statusCode, 500)
  assert.deepEqual(res.json(), { code: 'HOOKGATE_INTERNAL', message: 'internal error' })
  assert.ok(logs.some((l) => l.code === 'HOOKGATE_INTERNAL' && l.level === 50))
})

test('without a hookgate bodyLimit, the app\'s own bodyLimit applies to webhook routes', async (t) => {
  const app = Fastify({ bodyLimit: 200 })
  t.after(() => app.close())
  await app.register(hookgate)
  app.webhooks('/h', backchannel({ secret: SECRET })).on('*', () => {})
  const big = { ...EVENT, data: { pad: 'x'.repeat(300) } }
  assert.equal((await app.inject(backchannelRequest(big, SECRET, { url: '/h' }))).statusCode, 413)
  assert.equal((await app.inject(backchannelRequest(EVENT, SECRET, { url: '/h' }))).statusCode, 200)
})

test('declaring the same endpoint path twice makes ready() reject instead of crashing the process', async (t) => {
  const app = Fastify()
  t.after(() => app.close())
  await app.register(hookgate)
  app.webhooks('/same', backchannel({ secret: SECRET }))
  app.webhooks('/same', backchannel({ secret: SECRET }))
  await assert.rejects(async () => { await app.ready() }, /already declared|FST_ERR_DUPLICATED_ROUTE/)
})

test('a refusal\'s log line names the endpoint\'s path and the provider, beside the request id', async (t) => {
  const { app, logs } = await harness(t)
  await app.inject({ method: 'POST', url: URL_PATH, headers: { 'content-type': 'application/json' }, payload: '{}' })
  const [line] = refusals(logs)
  assert.equal(line?.endpoint, URL_PATH)
  assert.equal(line?.provider, 'backchannel')
  assert.equal(line?.code, 'HOOKGATE_SIGNATURE_MISSING')
  assert.equal(typeof line?.reqId, 'string')
})
