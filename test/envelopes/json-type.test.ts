import { test } from 'node:test'
import assert from 'node:assert/strict'
import { HookgateError } from '../../src/core/errors.js'
import type { InboundRequest } from '../../src/core/types.js'
import { jsonTypeEnvelope, type JsonTypeEvent } from '../../src/envelopes/json-type.js'

const NOW = Date.UTC(2024, 1, 20, 19, 10, 0)
const request: InboundRequest = { body: Buffer.alloc(0), header: () => undefined, headers: {}, now: () => NOW }

function open (payload: unknown, maxAge?: number): ReturnType<ReturnType<typeof jsonTypeEnvelope>['open']> {
  return jsonTypeEnvelope(maxAge === undefined ? {} : { maxAge }).open(payload, request)
}

function code (result: unknown): string | undefined {
  return result instanceof HookgateError ? result.code : undefined
}

test('reads id, type, data, created_at and keeps the whole payload', () => {
  const payload = { id: 'evt_1', type: 'order.created', created_at: 1708456200, data: { a: 1 }, extra: true }
  assert.deepEqual(open(payload), [{ id: 'evt_1', type: 'order.created', data: { a: 1 }, createdAt: 1708456200, payload }])
})

test('"created" is accepted for "created_at", and both are optional', () => {
  assert.equal((open({ id: 'e', type: 't', created: 5, data: {} }) as unknown as Array<{ createdAt: number }>)[0]?.createdAt, 5)
  assert.equal((open({ id: 'e', type: 't', data: {} }) as unknown as Array<{ createdAt: undefined }>)[0]?.createdAt, undefined)
})

test('the creation time may be an RFC 3339 date-time, read as whole seconds; other strings are refused', () => {
  const created = (value: unknown): unknown => (open({ id: 'e', type: 't', data: {}, created: value }) as unknown as Array<{ createdAt: number }>)[0]?.createdAt
  assert.equal(created('2024-02-20T19:10:00.999Z'), Date.UTC(2024, 1, 20, 19, 10, 0) / 1000)
  assert.equal(created('2024-02-20T20:10:00+01:00'), Date.UTC(2024, 1, 20, 19, 10, 0) / 1000)
  for (const value of ['1708456200', '2024-02-30T00:00:00Z', 'yesterday', '']) assert.equal(code(open({ id: 'e', type: 't', data: {}, created: value })), 'HOOKGATE_ENVELOPE_INVALID', value)
  assert.equal(code(open({ id: 'e', type: 't', data: {}, created: '2024-02-20T18:00:00Z' }, 300)), 'HOOKGATE_TIMESTAMP_OUT_OF_TOLERANCE', 'maxAge applies to it')
})

test('data may name several places, the first present winning; \'body\' is the whole body', () => {
  const envelope = jsonTypeEnvelope({ data: [{ path: 'data' }, 'body'] })
  const snapshot = { id: 'e', type: 't', data: { a: 1 } }
  const thin = { id: 'e', type: 't', related: { b: 2 } }
  assert.deepEqual((envelope.open(snapshot, request) as readonly JsonTypeEvent[])[0]?.data, { a: 1 })
  assert.deepEqual((envelope.open(thin, request) as readonly JsonTypeEvent[])[0]?.data, thin)
  assert.equal(code(envelope.open({ ...snapshot, data: null }, request)), 'HOOKGATE_ENVELOPE_INVALID', 'a data that is present but not an object is not skipped')
  for (const data of [[], [{ path: '' }], [42], { path: 1 }]) {
    assert.throws(() => jsonTypeEnvelope({ data: data as never }), { name: 'TypeError', message: /"data/ }, JSON.stringify(data))
  }
})

test('a missing or mistyped required field is ENVELOPE_INVALID', () => {
  const cases: unknown[] = [
    null, [], 'x', 1,
    { type: 't', data: {} },
    { id: '', type: 't', data: {} },
    { id: 1, type: 't', data: {} },
    { id: 'e', data: {} },
    { id: 'e', type: ['t'], data: {} },
    { id: 'e', type: 't' },
    { id: 'e', type: 't', data: null },
    { id: 'e', type: 't', data: [1] },
    { id: 'e', type: 't', data: 'x' },
    { id: 'e', type: 't', data: {}, created_at: '1708456200' },
    { id: 'e', type: 't', data: {}, created_at: 1.5 },
    { id: 'x'.repeat(257), type: 't', data: {} },
    { id: 'e', type: 'x'.repeat(257), data: {} }
  ]
  for (const payload of cases) {
    const result = open(payload)
    assert.equal(code(result), 'HOOKGATE_ENVELOPE_INVALID', JSON.stringify(payload))
    assert.equal((result as HookgateError).statusCode, 400)
  }
})

test('the event id is reported once it is known', () => {
  assert.equal((open({ id: 'evt_9', type: 't' }) as HookgateError).eventId, 'evt_9')
})

test('maxAge refuses events created too long ago or too far ahead, and accepts those without a time', () => {
  const now = NOW / 1000
  assert.ok(Array.isArray(open({ id: 'e', type: 't', data: {}, created_at: now - 299 }, 300)))
  assert.ok(Array.isArray(open({ id: 'e', type: 't', data: {}, created_at: now + 299 }, 300)))
  assert.ok(Array.isArray(open({ id: 'e', type: 't', data: {} }, 300)))
  assert.equal(code(open({ id: 'e', type: 't', data: {}, created_at: now - 301 }, 300)), 'HOOKGATE_TIMESTAMP_OUT_OF_TOLERANCE')
  assert.equal(code(open({ id: 'e', type: 't', data: {}, created_at: now + 301 }, 300)), 'HOOKGATE_TIMESTAMP_OUT_OF_TOLERANCE')
  assert.ok(Array.isArray(open({ id: 'e', type: 't', data: {}, created_at: 1 })), 'no bound without maxAge')
  const nulled = open({ id: 'e', type: 't', data: {}, created_at: null, created: now - 10 }, 300)
  assert.equal((nulled as readonly JsonTypeEvent[])[0]?.createdAt, now - 10, 'a null created_at is absent: the next place is read')
  const alone = open({ id: 'e', type: 't', data: {}, created_at: null }, 300)
  assert.ok(Array.isArray(alone), 'a lone null created_at is accepted')
  assert.equal((alone as readonly JsonTypeEvent[])[0]?.createdAt, undefined)
})

test('maxAge must be a positive number', () => {
  for (const maxAge of [0, -1, Number.NaN, Infinity, '300']) {
    assert.throws(() => jsonTypeEnvelope({ maxAge: maxAge as number }), { name: 'TypeError', message: /"maxAge"/ })
  }
})
