import { test } from 'node:test'
import assert from 'node:assert/strict'
import { createReceiver } from '../../src/core/receiver.js'
import { backchannel, BACKCHANNEL_EVENT_TYPES, type BackchannelOptions } from '../../src/providers/backchannel.js'
import { signBackchannel } from '../../src/testing/backchannel.js'
import { loadFixture } from '../fixtures/load.js'
import { SECRET } from '../fixtures/backchannel/secret.js'

test('the five documented event types are exported', () => {
  assert.deepEqual([...BACKCHANNEL_EVENT_TYPES], ['order.created', 'order.paid', 'order.shipped', 'inventory.updated', 'inventory.reallocated'])
  assert.ok(Object.isFrozen(BACKCHANNEL_EVENT_TYPES))
})

test('a recorded delivery with multi-byte UTF-8 (accents, emoji) verifies over its exact bytes', async () => {
  const { body, headers } = loadFixture('backchannel', 'order-created')
  assert.ok(body.toString('utf8').includes('🎉'))
  const seen: unknown[] = []
  const receiver = createReceiver(backchannel({ secret: SECRET })).on('order.created', (event) => { seen.push(event.data) })
  const outcome = await receiver.receive(body, headers)
  assert.equal(outcome.status, 200)
  assert.deepEqual(seen, [JSON.parse(body.toString('utf8')).data])
})

test('the same delivery with one byte of the emoji changed is refused', async () => {
  const { body, headers } = loadFixture('backchannel', 'order-created')
  const tampered = Buffer.from(body)
  const at = tampered.indexOf(Buffer.from('🎉'))
  tampered[at + 3] = (tampered[at + 3] ?? 0) ^ 1
  const outcome = await createReceiver(backchannel({ secret: SECRET })).receive(tampered, headers)
  assert.equal(outcome.status, 401)
})

test('a pretty-printed body signed over its compact serialisation is accepted (Backchannel sample receiver)', async () => {
  const { body, headers } = loadFixture('backchannel', 'order-paid-pretty')
  assert.ok(body.includes('\n  '), 'the fixture is pretty-printed')
  const seen: Array<{ id: string, createdAt: number | undefined }> = []
  const receiver = createReceiver(backchannel({ secret: SECRET })).on('order.paid', (event) => { seen.push({ id: event.id, createdAt: event.createdAt }) })
  assert.equal((await receiver.receive(body, headers)).status, 200)
  assert.deepEqual(seen, [{ id: 'evt_1NqbZ3', createdAt: 1708456260 }], '"created" is read as the creation time')
})

test('a body whose keys JSON.parse reorders (keys in digits), signed over its compact serialisation, is accepted, compact or pretty-printed', async () => {
  const seen: unknown[] = []
  const receiver = createReceiver(backchannel({ secret: SECRET }), { idempotency: false }).on('order.paid', (event) => { seen.push(event.data) })
  for (const text of ['{"id":"e","type":"order.paid","data":{"v":{"b":1,"1":2}}}', '{\n  "id": "e",\n  "type": "order.paid",\n  "data": { "v": { "b": 1, "1": 2 } }\n}']) {
    const body = Buffer.from(text)
    const signedOver = Buffer.from(JSON.stringify(JSON.parse(text)))
    assert.notDeepEqual(signedOver, body)
    assert.equal((await receiver.receive(body, signBackchannel(signedOver, SECRET))).status, 200, text)
  }
  assert.deepEqual(seen, [{ v: { 1: 2, b: 1 } }, { v: { 1: 2, b: 1 } }])
})

test('the compact fallback does not accept a signature over different content', async () => {
  const { body, headers } = loadFixture('backchannel', 'order-paid-pretty')
  const changed = Buffer.from(body.toString('utf8').replace('4200', '4201'))
  assert.equal((await createReceiver(backchannel({ secret: SECRET })).receive(changed, headers)).status, 401)
})

test('secret rotation: "secrets" accepts any listed secret', async () => {
  const body = '{"id":"e","type":"order.shipped","data":{}}'
  const receiver = createReceiver(backchannel({ secrets: ['new-secret', 'old-secret'] }))
  assert.equal((await receiver.receive(Buffer.from(body), signBackchannel(body, 'old-secret'))).status, 200)
  assert.equal((await receiver.receive(Buffer.from(body), signBackchannel(body, 'new-secret'))).status, 200)
  assert.equal((await receiver.receive(Buffer.from(body), signBackchannel(body, 'retired'))).status, 401)
})

test('the secret may be a function, so it can rotate without a restart', async () => {
  let secret = 'first'
  const receiver = createReceiver(backchannel({ secret: async () => secret }))
  const body = '{"id":"e","type":"order.shipped","data":{}}'
  assert.equal((await receiver.receive(Buffer.from(body), signBackchannel(body, 'first'))).status, 200)
  secret = 'second'
  assert.equal((await receiver.receive(Buffer.from(body), signBackchannel(body, 'first'))).status, 401)
  assert.equal((await receiver.receive(Buffer.from(body), signBackchannel(body, 'second'))).status, 200)
})

test('missing, empty or doubled secrets throw at creation with a clear message', () => {
  const cases: Array<[unknown, RegExp]> = [
    [{}, /"secret" is required/],
    [{ secret: '' }, /"secret" must be a non-empty string/],
    [{ secret: 42 }, /"secret" must be a non-empty secret/],
    [{ secrets: ['ok', ''] }, /"secrets\[1\]" must be a non-empty string/],
    [{ secret: 'a', secrets: ['b'] }, /not both/],
    [{ secrets: [] }, /non-empty/],
    [undefined, /needs \{ secret \}/]
  ]
  for (const [options, message] of cases) {
    assert.throws(() => backchannel(options as BackchannelOptions), { name: 'TypeError', message })
  }
})

test('through the compact fallback the handler gets what was signed, not values re-serialising would lose', async () => {
  const signed = '{"id":"evt_9","type":"order.paid","data":{"refund":null,"fee":0}}'
  const seen: unknown[] = []
  const receiver = createReceiver(backchannel({ secret: SECRET })).on('order.paid', (event) => { seen.push(event.data) })
  // Parses and re-serialises to the signed bytes, but its own value is { refund: Infinity, fee: -0 }.
  const body = Buffer.from('{"id":"evt_9","type":"order.paid","data":{"refund":1e999,"fee":-0}}')
  assert.equal((await receiver.receive(body, signBackchannel(signed, SECRET))).status, 200)
  assert.equal(seen.length, 1)
  assert.deepEqual(seen[0], { refund: null, fee: 0 })
  assert.ok(Object.is((seen[0] as { fee: number }).fee, 0), 'fee is +0, as signed')
})
