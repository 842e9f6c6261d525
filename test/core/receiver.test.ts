import { test } from 'node:test'
import assert from 'node:assert/strict'
import { createHmac } from 'node:crypto'
import { createReceiver, type ReceiverOptions } from '../../src/core/receiver.js'
import { Ajv } from 'ajv'
import { createAjv } from '../../src/core/schemas.js'
import type { HookgateError } from '../../src/core/errors.js'
import type { Logger, Provider, WebhookEvent } from '../../src/core/types.js'
import { backchannel, type BackchannelEvent } from '../../src/providers/backchannel.js'
import { signBackchannel } from '../../src/testing/backchannel.js'

const SECRET = 'receiver-test-secret'
const EVENT = { id: 'evt_1', type: 'order.created', created_at: 1708456200, data: { order_id: 'o1', amount: 10 } }
const BODY = Buffer.from(JSON.stringify(EVENT))

function setup (options: ReceiverOptions<BackchannelEvent, string> = {}) {
  const calls: Array<{ id: string, type: string, context: string, data: unknown }> = []
  const receiver = createReceiver(backchannel({ secret: SECRET }), options)
    .on('order.created', { schema: { type: 'object', required: ['amount'], properties: { amount: { type: 'integer' } } } }, (event, context) => {
      calls.push({ id: event.id, type: event.type, context, data: event.data })
    })
  return { receiver, calls }
}

function recordingLogger (): Logger & { lines: Array<[string, Record<string, unknown>, string | undefined]> } {
  const lines: Array<[string, Record<string, unknown>, string | undefined]> = []
  const at = (level: string) => (obj: object, msg?: string) => { lines.push([level, obj as Record<string, unknown>, msg]) }
  return { lines, debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') }
}

test('receive(rawBody, headers) verifies, parses, validates and dispatches a genuine event once', async () => {
  const { receiver, calls } = setup()
  const outcome = await receiver.receive(BODY, signBackchannel(BODY, SECRET), { context: 'ctx' })
  assert.equal(outcome.status, 200)
  assert.deepEqual(outcome.body, { ok: true, handled: 1 })
  assert.equal(outcome.error, undefined)
  assert.deepEqual(calls, [{ id: 'evt_1', type: 'order.created', context: 'ctx', data: EVENT.data }])
  assert.equal(outcome.events[0]?.createdAt, 1708456200)
})

test('the body may be any Uint8Array view, and headers a WHATWG Headers object', async () => {
  const { receiver, calls } = setup()
  const padded = new Uint8Array(BODY.length + 8)
  padded.set(BODY, 4)
  const view = padded.subarray(4, 4 + BODY.length)
  const headers = new Headers(signBackchannel(BODY, SECRET))
  assert.equal((await receiver.receive(view, headers)).status, 200)
  assert.equal(calls.length, 1)
})

test('header names are found whatever their case in a plain object', async () => {
  const { receiver } = setup()
  const headers = { 'Content-Type': 'application/json', 'X-BC-Signature': signBackchannel(BODY, SECRET)['x-bc-signature'] }
  assert.equal((await receiver.receive(BODY, headers)).status, 200)
})

test('each refusal path answers its status and code, and no handler runs', async (t) => {
  const signed = signBackchannel(BODY, SECRET)
  const notJson = Buffer.from('{"id": "evt_1",')
  const incomplete = Buffer.from('{"id":"evt_1","data":{}}')
  const badData = Buffer.from(JSON.stringify({ ...EVENT, data: { amount: 'ten' } }))
  const cases: Array<[string, Buffer, Record<string, string>, number, string]> = [
    ['no signature', BODY, { 'content-type': 'application/json' }, 401, 'HOOKGATE_SIGNATURE_MISSING'],
    ['wrong secret', BODY, signBackchannel(BODY, 'other'), 401, 'HOOKGATE_SIGNATURE_INVALID'],
    ['signature of another body', Buffer.from(JSON.stringify({ ...EVENT, id: 'evt_2' })), signed, 401, 'HOOKGATE_SIGNATURE_INVALID'],
    ['not JSON content type', BODY, { ...signed, 'content-type': 'text/plain' }, 415, 'HOOKGATE_UNSUPPORTED_MEDIA_TYPE'],
    ['no content type', BODY, { 'x-bc-signature': signed['x-bc-signature'] }, 415, 'HOOKGATE_UNSUPPORTED_MEDIA_TYPE'],
    ['form content type', BODY, { ...signed, 'content-type': 'application/x-www-form-urlencoded' }, 415, 'HOOKGATE_UNSUPPORTED_MEDIA_TYPE'],
    ['genuine but not JSON', notJson, signBackchannel(notJson, SECRET), 400, 'HOOKGATE_BODY_NOT_JSON'],
    ['genuine but envelope incomplete', incomplete, signBackchannel(incomplete, SECRET), 400, 'HOOKGATE_ENVELOPE_INVALID'],
    ['genuine but fails its schema', badData, signBackchannel(badData, SECRET), 400, 'HOOKGATE_PAYLOAD_INVALID']
  ]
  for (const [name, body, headers, status, code] of cases) {
    await t.test(name, async () => {
      const { receiver, calls } = setup()
      const outcome = await receiver.receive(body, headers)
      assert.equal(outcome.status, status)
      assert.equal((outcome.body as { code: string }).code, code)
      assert.equal(outcome.error?.code, code)
      assert.equal(calls.length, 0)
    })
  }
})

test('the Content-Type a receiver accepted once does not vouch for a different one on the next request', async () => {
  const { receiver, calls } = setup({ idempotency: false })
  const signed = signBackchannel(BODY, SECRET)
  const statuses: number[] = []
  for (const contentType of ['application/json', 'text/plain', 'Application/JSON; charset=utf-8', 'application/json; charset=latin1', 'application/json']) {
    statuses.push((await receiver.receive(BODY, { ...signed, 'content-type': contentType })).status)
  }
  assert.deepEqual(statuses, [200, 415, 200, 415, 200])
  assert.equal(calls.length, 3)
})

test('a header present under another case, with a same-length header before it, is still found; an absent one is absent', async () => {
  const { receiver } = setup()
  const signature = signBackchannel(BODY, SECRET)['x-bc-signature']
  // 'X-Request-Ids' has the signature header's length but another name; 'CONTENT-ENCODING' is compressed.
  assert.equal((await receiver.receive(BODY, { 'Content-Type': 'application/json', 'X-Request-Ids': 'a', 'X-BC-SIGNATURE': signature })).status, 200)
  assert.equal((await receiver.receive(BODY, { 'Content-Type': 'application/json', 'CONTENT-ENCODING': 'gzip', 'X-BC-Signature': signature })).status, 415)
})
test('a body over the limit is refused before anything else', async () => {
  const { receiver, calls } = setup({ bodyLimit: BODY.length - 1 })
  const outcome = await receiver.receive(BODY, signBackchannel(BODY, SECRET))
  assert.equal(outcome.status, 413)
  assert.equal(outcome.error?.code, 'HOOKGATE_BODY_TOO_LARGE')
  assert.equal(calls.length, 0)
  assert.equal((await setup({ bodyLimit: BODY.length }).receiver.receive(BODY, signBackchannel(BODY, SECRET))).status, 200)
})

test('a schema failure lists its errors in the reply', async () => {
  const { receiver } = setup()
  const body = Buffer.from(JSON.stringify({ ...EVENT, data: { amount: 1.5 } }))
  const outcome = await receiver.receive(body, signBackchannel(body, SECRET))
  assert.deepEqual(outcome.body, {
    code: 'HOOKGATE_PAYLOAD_INVALID',
    message: 'event payload does not match its schema',
    errors: [{ path: '/amount', message: 'must be integer' }]
  })
})

test('a genuine event with no handler is acknowledged and logged at info, or refused with 422 when configured', async () => {
  const body = Buffer.from(JSON.stringify({ ...EVENT, type: 'inventory.updated' }))
  const log = recordingLogger()
  const ack = await setup().receiver.receive(body, signBackchannel(body, SECRET), { log })
  assert.equal(ack.status, 200)
  assert.deepEqual(ack.body, { ok: true, handled: 0, ignored: 1 })
  assert.deepEqual(log.lines, [['info', { eventId: 'evt_1', type: 'inventory.updated', endpoint: 'backchannel', provider: 'backchannel' }, 'webhook acknowledged: no handler for its type']])

  const refused = await setup({ unknownEvents: 'refuse' }).receiver.receive(body, signBackchannel(body, SECRET))
  assert.equal(refused.status, 422)
  assert.equal(refused.error?.code, 'HOOKGATE_EVENT_UNKNOWN')
})

test('log levels by class: a forgery at warn, a delivery of a running event (409) and a duplicate at info, each with endpoint, provider and event id, never the body', async () => {
  const log = recordingLogger()
  let release: () => void = () => {}
  const receiver = createReceiver(backchannel({ secret: SECRET }), { endpoint: '/wh' }).on('order.*', async () => { await new Promise<void>((resolve) => { release = resolve }) })
  const first = receiver.receive(BODY, signBackchannel(BODY, SECRET), { log })
  await new Promise((resolve) => setImmediate(resolve))
  assert.equal((await receiver.receive(BODY, signBackchannel(BODY, SECRET), { log })).status, 409)
  release()
  assert.equal((await first).status, 200)
  assert.equal((await receiver.receive(BODY, signBackchannel(BODY, SECRET), { log })).status, 200)
  assert.equal((await receiver.receive(BODY, signBackchannel(BODY, 'wrong'), { log })).status, 401)
  const where = { endpoint: '/wh', provider: 'backchannel' }
  assert.deepEqual(log.lines.map(([level, fields, msg]) => [level, msg, fields.code, fields.eventId, fields.endpoint, fields.provider]), [
    ['info', 'webhook refused', 'HOOKGATE_DELIVERY_IN_PROGRESS', 'evt_1', where.endpoint, where.provider],
    ['info', 'webhook duplicate: already handled', undefined, 'evt_1', where.endpoint, where.provider],
    ['warn', 'webhook refused', 'HOOKGATE_SIGNATURE_INVALID', undefined, where.endpoint, where.provider]
  ])
  assert.ok(log.lines.every(([, fields]) => !JSON.stringify(fields).includes('order_id')), 'no body in a log line')
})

test('a handler that throws or rejects answers 500, logs the error and is not retried by hookgate', async () => {
  for (const failing of [() => { throw new Error('db down') }, async () => { throw new Error('db down') }]) {
    let runs = 0
    const log = recordingLogger()
    const receiver = createReceiver(backchannel({ secret: SECRET })).on('order.*', () => { runs++; return failing() })
    const outcome = await receiver.receive(BODY, signBackchannel(BODY, SECRET), { log })
    assert.equal(outcome.status, 500)
    assert.deepEqual(outcome.body, { code: 'HOOKGATE_HANDLER_FAILED', message: 'the event handler failed' })
    assert.equal(runs, 1)
    assert.equal(log.lines.length, 1)
    const [level, fields] = log.lines[0] ?? []
    assert.equal(level, 'error')
    assert.equal(fields?.code, 'HOOKGATE_HANDLER_FAILED')
    assert.equal(fields?.eventId, 'evt_1')
    assert.equal((fields?.err as Error).message, 'db down')
    assert.equal(JSON.stringify(outcome.body).includes('db down'), false, 'the reply does not leak the error')
  }
})

test('refusals are logged at warn with code, reason and event id, and never the secret or expected signature', async () => {
  const log = recordingLogger()
  const { receiver } = setup()
  const outcome = await receiver.receive(BODY, signBackchannel(BODY, 'wrong'), { log })
  const expected = createHmac('sha256', SECRET).update(BODY).digest('hex')
  assert.equal(log.lines[0]?.[0], 'warn')
  assert.equal(log.lines[0]?.[1].code, 'HOOKGATE_SIGNATURE_INVALID')
  for (const text of [JSON.stringify(outcome.body), JSON.stringify(log.lines)]) {
    assert.equal(text.includes(SECRET), false)
    assert.equal(text.includes(expected), false)
  }
  const badData = Buffer.from(JSON.stringify({ ...EVENT, data: {} }))
  await receiver.receive(badData, signBackchannel(badData, SECRET), { log })
  assert.equal(log.lines[1]?.[1].eventId, 'evt_1')
})

test('onEvent and onRejected see every outcome with the context; a hook that throws changes nothing', async () => {
  const seen: string[] = []
  const { receiver } = setup({
    onEvent: (event, context) => { seen.push(`event ${event.id} ${context}`); throw new Error('metrics broke') },
    onRejected: (error: HookgateError, context) => { seen.push(`rejected ${error.code} ${context}`) }
  })
  const ok = await receiver.receive(BODY, signBackchannel(BODY, SECRET), { context: 'c1' })
  const bad = await receiver.receive(BODY, signBackchannel(BODY, 'x'), { context: 'c2' })
  assert.equal(ok.status, 200)
  assert.equal(bad.status, 401)
  assert.deepEqual(seen, ['event evt_1 c1', 'rejected HOOKGATE_SIGNATURE_INVALID c2'])
})

test('an async onEvent or onRejected hook that rejects is logged, and is no unhandled rejection (which would end the process)', async () => {
  const unhandled: unknown[] = []
  const record = (reason: unknown): void => { unhandled.push(reason) }
  process.on('unhandledRejection', record)
  try {
    const { receiver } = setup({
      onEvent: async () => { throw new Error('metrics backend down') },
      onRejected: async () => { throw new Error('metrics backend down') }
    })
    const log = recordingLogger()
    assert.equal((await receiver.receive(BODY, signBackchannel(BODY, SECRET), { log })).status, 200)
    assert.equal((await receiver.receive(BODY, signBackchannel(BODY, 'x'), { log })).status, 401)
    // Node reports an unhandled rejection after the microtask queue drains: give it a macrotask.
    await new Promise((resolve) => setImmediate(resolve))
    assert.deepEqual(unhandled, [])
    const failures = log.lines.filter(([level, , msg]) => level === 'error' && msg === 'a hookgate hook (onEvent, onRejected or onJob) failed')
    assert.equal(failures.length, 2)
    assert.match(String((failures[0]?.[1].err as Error).message), /metrics backend down/)
  } finally {
    process.off('unhandledRejection', record)
  }
})

test('a logger that throws while reporting a failed hook changes nothing either', async () => {
  const throwing: Logger = { debug () {}, info () {}, warn () { throw new Error('log sink down') }, error () { throw new Error('log sink down') } }
  const { receiver } = setup({ onEvent: () => { throw new Error('metrics broke') } })
  assert.equal((await receiver.receive(BODY, signBackchannel(BODY, SECRET), { log: throwing })).status, 200)
})

test('the clock is injectable, and backchannel({ maxAge }) refuses old events with 401', async () => {
  const receiver = createReceiver(backchannel({ secret: SECRET, maxAge: 300 }), { now: () => (EVENT.created_at + 301) * 1000 })
  const outcome = await receiver.receive(BODY, signBackchannel(BODY, SECRET))
  assert.equal(outcome.status, 401)
  assert.equal(outcome.error?.code, 'HOOKGATE_TIMESTAMP_OUT_OF_TOLERANCE')
  const fresh = createReceiver(backchannel({ secret: SECRET, maxAge: 300 }), { now: () => (EVENT.created_at + 299) * 1000 })
  assert.equal((await fresh.receive(BODY, signBackchannel(BODY, SECRET))).status, 200)
})

test('the most specific handler runs, and only it', async () => {
  const ran: string[] = []
  const receiver = createReceiver(backchannel({ secret: SECRET }))
    .on('*', () => { ran.push('*') })
    .on('order.*', () => { ran.push('order.*') })
    .on('order.created', () => { ran.push('order.created') })
  for (const type of ['order.created', 'order.paid', 'inventory.updated']) {
    const body = Buffer.from(JSON.stringify({ ...EVENT, id: `evt_${type}`, type }))
    assert.equal((await receiver.receive(body, signBackchannel(body, SECRET))).status, 200)
  }
  assert.deepEqual(ran, ['order.created', 'order.*', '*'])
})

test('a verifier that throws synchronously is not caught silently: it rejects receive()', async () => {
  const provider: Provider<WebhookEvent> = {
    name: 'broken',
    verifiers: [{ name: 'boom', verify: () => { throw new Error('bug') } }],
    envelope: { accepts: () => true, open: () => [] }
  }
  await assert.rejects(createReceiver(provider).receive(BODY, { 'content-type': 'application/json' }), /bug/)
})

test('bad receiver options and handler declarations throw at startup', () => {
  const provider = backchannel({ secret: SECRET })
  assert.throws(() => createReceiver(provider, { bodyLimit: 0 }), { name: 'TypeError', message: /"bodyLimit"/ })
  assert.throws(() => createReceiver(provider, { bodyLimit: 1.5 }), { name: 'TypeError', message: /"bodyLimit"/ })
  assert.throws(() => createReceiver(provider, { unknownEvents: 'drop' as 'refuse' }), { name: 'TypeError', message: /"unknownEvents"/ })
  assert.throws(() => createReceiver(provider, { now: 5 as unknown as () => number }), { name: 'TypeError', message: /"now"/ })
  assert.throws(() => createReceiver({} as Provider), { name: 'TypeError', message: /"provider"/ })
  assert.throws(() => createReceiver({ ...provider, verifiers: [] }), { name: 'TypeError', message: /declares no verifier/ })
  const receiver = createReceiver(provider).on('order.created', () => {})
  assert.throws(() => receiver.on('order.created', () => {}), { name: 'TypeError', message: /already registered/ })
  assert.throws(() => receiver.on('order.paid', { schema: { type: 'bogus' } }, () => {}), { name: 'TypeError', message: /schema for event "order.paid"/ })
  assert.throws(() => receiver.on('order.shipped', {} as () => void), { name: 'TypeError', message: /must be a function/ })
})

test('a genuine body carrying __proto__ or constructor.prototype is refused with 400 and pollutes nothing', async () => {
  const { receiver, calls } = setup()
  for (const text of [
    '{"id":"evt_p","type":"order.created","data":{"amount":1},"__proto__":{"polluted":true}}',
    '{"id":"evt_p","type":"order.created","data":{"amount":1,"constructor":{"prototype":{"polluted":true}}}}'
  ]) {
    const body = Buffer.from(text)
    const outcome = await receiver.receive(body, signBackchannel(body, SECRET))
    assert.equal(outcome.status, 400)
    assert.equal(outcome.error?.code, 'HOOKGATE_BODY_NOT_JSON')
  }
  assert.equal(calls.length, 0)
  assert.equal(({} as Record<string, unknown>).polluted, undefined)
})

test('schemas compile with the ajv instance given, so its formats and keywords apply', async () => {
  const ajv = createAjv()
  ajv.addFormat('order-id', /^ord_[0-9]+$/)
  const receiver = createReceiver(backchannel({ secret: SECRET }), { ajv })
    .on('order.created', { schema: { type: 'object', properties: { order_id: { type: 'string', format: 'order-id' } } } }, () => {})
  assert.equal((await receiver.receive(BODY, signBackchannel(BODY, SECRET))).status, 400, '"o1" is not an order-id')
  const good = Buffer.from(JSON.stringify({ ...EVENT, data: { order_id: 'ord_12' } }))
  assert.equal((await receiver.receive(good, signBackchannel(good, SECRET))).status, 200)
})

test('verify before parse: a forged body that is not JSON, or is poisoned, gets 401, never 400', async () => {
  const { receiver } = setup()
  for (const text of ['not json at all', '{"id":', '{"__proto__":{"polluted":true},"id":"e","type":"order.created","data":{}}', '[' + '['.repeat(5000)]) {
    const body = Buffer.from(text)
    const outcome = await receiver.receive(body, signBackchannel(body, 'forger'))
    assert.equal(outcome.status, 401, text.slice(0, 20))
    assert.equal(outcome.error?.code, 'HOOKGATE_SIGNATURE_INVALID')
  }
})

test('an endpoint declared with its events validates each listed type against its schema, whatever the handler', async () => {
  const ran: string[] = []
  const receiver = createReceiver(backchannel({ secret: SECRET }), {
    events: { 'order.created': { type: 'object', required: ['amount'], properties: { amount: { type: 'integer' } } } }
  }).on('*', (event) => { ran.push(event.id) })
  const bad = Buffer.from(JSON.stringify({ ...EVENT, id: 'evt_bad', data: { amount: 'x' } }))
  const outcome = await receiver.receive(bad, signBackchannel(bad, SECRET))
  assert.equal(outcome.status, 400)
  assert.deepEqual((outcome.body as { errors: unknown }).errors, [{ path: '/amount', message: 'must be integer' }])
  const other = Buffer.from(JSON.stringify({ ...EVENT, id: 'evt_other', type: 'order.paid', data: { amount: 'x' } }))
  assert.deepEqual((await receiver.receive(other, signBackchannel(other, SECRET))).body, { ok: true, handled: 0, ignored: 1 }, 'types not listed are not checked, nor handled')
  assert.deepEqual(ran, [])
  assert.throws(() => createReceiver(backchannel({ secret: SECRET }), { events: { 'order.*': {} } }), { name: 'TypeError', message: /"events" keys are event types/ })
  assert.throws(() => createReceiver(backchannel({ secret: SECRET }), { events: { x: { type: 'nope' } } }), { name: 'TypeError', message: /schema for event "x"/ })
})

test('withContext() is the same receiver, and handlers get the context given to receive()', async () => {
  const receiver = createReceiver(backchannel({ secret: SECRET }))
  const typed = receiver.withContext<{ requestId: string }>()
  assert.equal(typed, receiver)
  const seen: string[] = []
  typed.on('order.paid', (_event, context) => { seen.push(context.requestId) })
  const body = JSON.stringify({ id: 'evt_ctx', type: 'order.paid', data: {} })
  assert.equal((await typed.receive(Buffer.from(body), signBackchannel(body, SECRET), { context: { requestId: 'r-1' } })).status, 200)
  assert.deepEqual(seen, ['r-1'])
})

test('an ajv that would change the signed data (coercion, defaults, property removal) is refused at creation', () => {
  assert.throws(() => createReceiver(backchannel({ secret: SECRET }), { ajv: new Ajv({ useDefaults: true }) }), { name: 'TypeError', message: /"ajv": ajv's useDefaults would change the signed payload/ })
})

test('the provider\'s, the events map\'s and the handler\'s schemas report at most 20 problems in all', async () => {
  const thirty = { type: 'object', required: Array.from({ length: 30 }, (_, i) => `p${i}`) }
  const receiver = createReceiver(backchannel({ secret: SECRET }), { ajv: createAjv({ allErrors: true }), events: { 'order.paid': thirty } })
    .on('order.paid', { schema: { type: 'object', required: Array.from({ length: 30 }, (_, i) => `q${i}`) } }, () => {})
  const body = JSON.stringify({ id: 'evt_many', type: 'order.paid', data: {} })
  const outcome = await receiver.receive(Buffer.from(body), signBackchannel(body, SECRET))
  assert.equal(outcome.status, 400)
  assert.equal(outcome.error?.errors?.length, 20)
})

test('with an events map, an undeclared type reaches neither * nor a namespace handler (typed as the declared events): acknowledged, or 422 with unknownEvents: refuse', async () => {
  const orderCreated = { type: 'object', properties: { order_id: { type: 'string' } } } as const
  for (const unknownEvents of ['acknowledge', 'refuse'] as const) {
    const seen: string[] = []
    const receiver = createReceiver(backchannel({ secret: 'events-secret' }), { events: { 'order.created': orderCreated }, unknownEvents })
      .on('*', (event) => { seen.push(event.type) })
    const declared = JSON.stringify({ id: 'evt_1', type: 'order.created', data: { order_id: 'o' } })
    assert.equal((await receiver.receive(Buffer.from(declared), signBackchannel(declared, 'events-secret'))).status, 200)
    const undeclared = JSON.stringify({ id: 'evt_2', type: 'order.refunded', data: { anything: 1 } })
    const outcome = await receiver.receive(Buffer.from(undeclared), signBackchannel(undeclared, 'events-secret'))
    assert.equal(outcome.status, unknownEvents === 'refuse' ? 422 : 200)
    if (unknownEvents === 'acknowledge') assert.deepEqual(outcome.body, { ok: true, handled: 0, ignored: 1 })
    assert.deepEqual(seen, ['order.created'])
  }
})
