// Attack-catalogue entries not already pinned next to the code they attack (see docs/security.md for
// the full map from each attack to its test).
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { createReceiver } from '../../src/core/receiver.js'
import { backchannel, bread } from '../../src/providers/index.js'
import { signBackchannel, signBread } from '../../src/testing/index.js'
import { BASIC_AUTH, KID, NOW, SECRET as BREAD_SECRET, TIMESTAMP } from '../fixtures/bread/keys.js'

const SECRET = 'attack-secret'

test('bodies: genuinely signed, deeply nested JSON does not crash the receiver (answered, never thrown)', async () => {
  const receiver = createReceiver(backchannel({ secret: SECRET })).on('*', () => {})
  for (const depth of [1_000, 100_000]) {
    const nested = `{"id":"evt_deep","type":"order.paid","data":{"x":${'['.repeat(depth)}${']'.repeat(depth)}}}`
    const body = Buffer.from(nested)
    const outcome = await receiver.receive(body, signBackchannel(body, SECRET))
    assert.ok(outcome.status === 200 || outcome.status === 400, `depth ${depth} → ${outcome.status}`)
  }
  const poisoned = Buffer.from(`{"id":"evt_deep2","type":"order.paid","data":{"x":${'['.repeat(50_000)}{"__proto__":{"p":1}}${']'.repeat(50_000)}}}`)
  const outcome = await receiver.receive(poisoned, signBackchannel(poisoned, SECRET))
  assert.equal(outcome.status, 400)
  assert.equal(({} as Record<string, unknown>).p, undefined)
})

test('headers: CR/LF, NUL and non-ASCII in a signature header are refused as malformed, not thrown', async () => {
  const receiver = createReceiver(backchannel({ secret: SECRET })).on('*', () => {})
  const body = Buffer.from('{"id":"evt_h","type":"order.paid","data":{}}')
  const good = signBackchannel(body, SECRET)['x-bc-signature']
  for (const value of [`${good}\r\n`, `${good.slice(0, -2)}\r\n`, `${good.slice(0, -1)}\u0000`, `${good.slice(0, -1)}é`, `${good.slice(0, -2)}🎉`, 'sha256=\u00ff'.repeat(10)]) {
    const outcome = await receiver.receive(body, { 'content-type': 'application/json', 'x-bc-signature': value })
    assert.equal(outcome.status, 401, JSON.stringify(value))
  }
})

test('headers: CR/LF and non-ASCII in the JWS, Timestamp and Authorization headers are refused', async () => {
  const receiver = createReceiver(bread({ keys: { [KID]: BREAD_SECRET }, basicAuth: BASIC_AUTH }), { now: () => NOW }).on('*', () => {})
  const body = JSON.stringify({ identity: { tenantID: 't' } })
  const headers = signBread(body, { kid: KID, secret: BREAD_SECRET, basicAuth: BASIC_AUTH, timestamp: TIMESTAMP })
  for (const [name, suffix] of [['x-jws-signature', '\r\n'], ['x-jws-signature', 'é'], ['timestamp', '\r\n'], ['timestamp', 'é'], ['authorization', '\r\nX: y'], ['authorization', 'é']] as const) {
    const outcome = await receiver.receive(Buffer.from(body), { ...headers, [name]: `${headers[name] as string}${suffix}` })
    assert.equal(outcome.status, 401, `${name} + ${JSON.stringify(suffix)}`)
  }
})

test('replay: the same signed Bread request inside the tolerance is answered as a duplicate; outside it, refused', async () => {
  let runs = 0
  const body = JSON.stringify({ identity: { tenantID: 't' } })
  const headers = signBread(body, { kid: KID, secret: BREAD_SECRET, basicAuth: BASIC_AUTH, timestamp: TIMESTAMP, ceId: 'replayed-id' })
  let now = NOW
  const receiver = createReceiver(bread({ keys: { [KID]: BREAD_SECRET }, basicAuth: BASIC_AUTH }), { now: () => now }).on('*', () => { runs++ })
  assert.equal((await receiver.receive(Buffer.from(body), headers)).status, 200)
  now = NOW + 200_000
  const replayed = await receiver.receive(Buffer.from(body), headers)
  assert.equal(replayed.status, 200)
  assert.deepEqual(replayed.body, { ok: true, handled: 0, duplicates: 1 })
  now = NOW + 400_000
  const late = await receiver.receive(Buffer.from(body), headers)
  assert.equal(late.status, 401)
  assert.equal(late.error?.code, 'HOOKGATE_TIMESTAMP_OUT_OF_TOLERANCE')
  assert.equal(runs, 1)
})

test('replay: a captured Backchannel request (no signed timestamp) is answered as a duplicate for as long as the id is remembered', async () => {
  let runs = 0
  const receiver = createReceiver(backchannel({ secret: SECRET })).on('*', () => { runs++ })
  const body = Buffer.from('{"id":"evt_captured","type":"order.paid","data":{}}')
  const headers = signBackchannel(body, SECRET)
  for (let i = 0; i < 5; i++) assert.equal((await receiver.receive(body, headers)).status, 200)
  assert.equal(runs, 1)
})

test('replay: Bread ce-* headers swapped on a captured request stay bounded by the target event\'s schema', async () => {
  const orderSchema = { type: 'object', required: ['order_id'], properties: { order_id: { type: 'string' } } }
  let refunds = 0
  const receiver = createReceiver(bread({ keys: { [KID]: BREAD_SECRET }, basicAuth: BASIC_AUTH }), { now: () => NOW })
    .on('payment.refunded', { schema: orderSchema }, () => { refunds++ })
    .on('*', () => {})
  const body = JSON.stringify({ identity: { tenantID: 't' }, note: 'an integration test event' })
  const headers = signBread(body, { kid: KID, secret: BREAD_SECRET, basicAuth: BASIC_AUTH, timestamp: TIMESTAMP, ceType: 'integration_test_event', ceId: 'orig' })
  // An attacker holding the Basic credentials re-labels the signed body as another event type.
  const relabelled = await receiver.receive(Buffer.from(body), { ...headers, 'ce-type': 'payment.refunded', 'ce-id': 'new-id' })
  assert.equal(relabelled.status, 400, 'the body does not satisfy the refund schema')
  assert.equal(refunds, 0)
})
