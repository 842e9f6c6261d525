import { test } from 'node:test'
import assert from 'node:assert/strict'
import { HookgateError } from '../../src/core/errors.js'
import type { InboundRequest } from '../../src/core/types.js'
import { jsonTypeEnvelope } from '../../src/envelopes/json-type.js'

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
})

test('maxAge must be a positive number', () => {
  for (const maxAge of [0, -1, Number.NaN, Infinity, '300']) {
    assert.throws(() => jsonTypeEnvelope({ maxAge: maxAge as number }), { name: 'TypeError', message: /"maxAge"/ })
  }
})
