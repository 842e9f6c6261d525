import { test } from 'node:test'
import assert from 'node:assert/strict'
import { ERROR_CATALOGUE, HookgateError, refusal, type HookgateErrorCode } from '../../src/core/errors.js'

const expected: Record<HookgateErrorCode, [number, string]> = {
  HOOKGATE_SIGNATURE_MISSING: [401, 'signature is missing'],
  HOOKGATE_SIGNATURE_INVALID: [401, 'signature does not match the request body'],
  HOOKGATE_TIMESTAMP_OUT_OF_TOLERANCE: [401, 'event timestamp is outside the accepted window'],
  HOOKGATE_CREDENTIALS_MISSING: [401, 'credentials are missing'],
  HOOKGATE_CREDENTIALS_INVALID: [401, 'credentials are not valid'],
  HOOKGATE_BODY_TOO_LARGE: [413, 'request body is larger than the limit'],
  HOOKGATE_BODY_UNREADABLE: [400, 'request body could not be read'],
  HOOKGATE_HEADER_REPEATED: [400, 'a header that must appear once is repeated'],
  HOOKGATE_BODY_TIMEOUT: [408, 'the request body did not arrive in time'],
  HOOKGATE_UNSUPPORTED_MEDIA_TYPE: [415, 'content type must be JSON'],
  HOOKGATE_BODY_NOT_JSON: [400, 'body is not valid JSON'],
  HOOKGATE_ENVELOPE_INVALID: [400, 'event envelope is incomplete or malformed'],
  HOOKGATE_PAYLOAD_INVALID: [400, 'event payload does not match its schema'],
  HOOKGATE_SCHEMA_FAILED: [500, 'the event schema failed while validating'],
  HOOKGATE_EVENT_UNKNOWN: [422, 'no handler accepts this event type'],
  HOOKGATE_DELIVERY_IN_PROGRESS: [409, 'this event is being handled by another delivery'],
  HOOKGATE_HANDLER_FAILED: [500, 'the event handler failed'],
  HOOKGATE_HANDLER_TIMEOUT: [500, 'the event handler did not finish in time'],
  HOOKGATE_REPLY_INVALID: [500, 'the event handler returned a reply the sender cannot read'],
  HOOKGATE_SECRETS_UNAVAILABLE: [503, 'verification secrets are unavailable'],
  HOOKGATE_STORE_UNAVAILABLE: [503, 'the idempotency store is unavailable'],
  HOOKGATE_QUEUE_UNAVAILABLE: [503, 'the event could not be queued'],
  HOOKGATE_UNSUPPORTED_ENCODING: [415, 'content encoding is not supported: send the body uncompressed, as signed'],
  HOOKGATE_SHUTTING_DOWN: [503, 'the receiver is shutting down'],
  HOOKGATE_CONNECTION_CLOSING: [503, 'the connection is closing after an earlier refusal'],
  HOOKGATE_BODY_ALREADY_PARSED: [500, 'the request body was read before hookgate could verify it'],
  HOOKGATE_INTERNAL: [500, 'internal error']
}

test('the catalogue holds exactly the pinned codes', () => {
  assert.deepEqual(Object.keys(ERROR_CATALOGUE).sort(), Object.keys(expected).sort())
})

for (const [code, [status, message]] of Object.entries(expected) as Array<[HookgateErrorCode, [number, string]]>) {
  test(`${code} → ${status} "${message}", shaped like @fastify/error`, () => {
    const cause = new Error('inner')
    const error = new HookgateError(code, { reason: 'why', eventId: 'evt_1', cause })
    assert.ok(error instanceof Error)
    assert.ok(error instanceof HookgateError)
    assert.equal(error.name, 'HookgateError')
    assert.equal(error.code, code)
    assert.equal(error.statusCode, status)
    assert.equal(error.message, message)
    assert.equal(error.reason, 'why')
    assert.equal(error.eventId, 'evt_1')
    assert.equal(error.cause, cause)
  })
}

test('refusal() builds the same error without capturing a stack trace, and restores the limit', () => {
  const before = Error.stackTraceLimit
  const error = refusal('HOOKGATE_SIGNATURE_INVALID', { reason: 'x' })
  assert.equal(Error.stackTraceLimit, before)
  assert.ok(error instanceof HookgateError)
  assert.equal(error.statusCode, 401)
  assert.equal(error.stack?.split('\n').length, 1, 'only the "name: message" line')
  assert.ok((new HookgateError('HOOKGATE_INTERNAL').stack?.split('\n').length ?? 0) > 1, 'thrown errors keep their stack')
})

test('no message in the catalogue can carry request data', () => {
  for (const { message } of Object.values(ERROR_CATALOGUE)) {
    assert.doesNotMatch(message, /\$\{|%s/)
  }
})
