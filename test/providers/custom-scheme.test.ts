// The worked example of docs/custom-scheme.md, verbatim in spirit: a sender described in a few lines.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { createHmac } from 'node:crypto'
import { createReceiver } from '../../src/core/receiver.js'
import { hmacPreset, type SecretOptions } from '../../src/providers/index.js'

function paddle (options: SecretOptions & { tolerance?: number }) {
  return hmacPreset('paddle', options, {
    header: 'paddle-signature',
    format: { kind: 'pairs', key: 'h1', timestampKey: 'ts', separator: ';' },
    signedContent: '{timestamp}:{body}',
    timestamp: { unit: 's', tolerance: options.tolerance ?? 300 }
  }, { id: { path: 'event_id' }, type: { path: 'event_type' }, data: { path: 'data' }, createdAt: [] }, { options: ['tolerance'] })
}

test('a custom preset that lists its options refuses others, naming itself; one that does not list them is not checked', () => {
  assert.doesNotThrow(() => paddle({ secret: 's', tolerance: 60 }))
  assert.throws(() => paddle({ secret: 's', tolerence: 60 } as never), { name: 'TypeError', message: /^paddle\(\): unknown option "tolerence" \(it takes "secret", "secrets", "tolerance"\)/ })
  const scheme = { header: 'x-sig', format: { kind: 'single' } } as const
  const envelope = { id: { path: 'id' }, type: { path: 'type' }, data: { path: 'data' }, createdAt: [] }
  assert.throws(() => hmacPreset('acme', { secret: 's', extra: 1 } as never, scheme, envelope, { call: 'acme.webhooks()', options: [] }), { message: /^acme\.webhooks\(\): unknown option "extra"/ })
  assert.doesNotThrow(() => hmacPreset('acme', { secret: 's', extra: 1 } as never, scheme, envelope))
})

test('the Paddle preset from docs/custom-scheme.md verifies a signed delivery and refuses tampered and stale ones', async () => {
  const secret = 'pdl_ntfset_01gkpjp8bkm3tm53kdgkx6sms7_6h3qd3uFSi9YCD3OLYAShQI90XTI5vEI'
  const body = JSON.stringify({ event_id: 'evt_01h', event_type: 'transaction.completed', occurred_at: '2024-01-01T00:00:00Z', data: { id: 'txn_1' } })
  const ts = 1700000000
  const h1 = createHmac('sha256', secret).update(`${ts}:${body}`).digest('hex')
  const seen: string[] = []
  const receiver = createReceiver(paddle({ secret }), { now: () => ts * 1000 }).on('transaction.*', (event) => { seen.push(`${event.id} ${event.type}`) })
  const headers = { 'content-type': 'application/json', 'paddle-signature': `ts=${ts};h1=${'0'.repeat(64)};h1=${h1}` }
  assert.equal((await receiver.receive(Buffer.from(body), headers)).status, 200)
  assert.deepEqual(seen, ['evt_01h transaction.completed'])
  assert.equal((await receiver.receive(Buffer.from(body.replace('txn_1', 'txn_2')), headers)).status, 401)
  const stale = createReceiver(paddle({ secret }), { now: () => (ts + 301) * 1000 }).on('*', () => {})
  assert.equal((await stale.receive(Buffer.from(body), headers)).status, 401)
})

test('a scheme that signs the URL (Square-style: base64 HMAC of URL + body) through every adapter', async (t) => {
  const { ADAPTERS } = await import('../contract/harness.js')
  const secret = 'square-signature-key'
  const square = hmacPreset('square', { secret }, {
    header: 'x-square-hmacsha256-signature',
    format: { kind: 'single' },
    encoding: 'base64',
    signedContent: '{url}{body}'
  }, { id: { path: 'event_id' }, type: { path: 'type' }, data: { path: 'data' }, createdAt: [] })
  const body = JSON.stringify({ event_id: 'sq_1', type: 'payment.updated', data: { id: 'p1' } })
  for (const adapter of ADAPTERS) {
    const seen: string[] = []
    const harness = await adapter.start(square, {}, (endpoint) => { endpoint.on('*', (event) => { seen.push(event.id) }) })
    t.after(() => harness.close())
    const url = harness.url
    const signature = createHmac('sha256', secret).update(url + body).digest('base64')
    assert.equal((await harness.send({ headers: { 'content-type': 'application/json', 'x-square-hmacsha256-signature': signature }, body })).status, 200, adapter.name)
    const otherUrl = createHmac('sha256', secret).update(`http://evil.example/hook${body}`).digest('base64')
    assert.equal((await harness.send({ headers: { 'content-type': 'application/json', 'x-square-hmacsha256-signature': otherUrl }, body })).status, 401)
    assert.deepEqual(seen, ['sq_1'])
  }
})

test('a URL given as a function is built only for a scheme that signs it, and at most once', async () => {
  const body = JSON.stringify({ event_id: 'sq_2', type: 'payment.updated', data: { id: 'p2' } })
  const url = 'https://hooks.example/square'
  let built = 0
  const lazyUrl = (): string => { built++; return url }
  const envelope = { id: { path: 'event_id' }, type: { path: 'type' }, data: { path: 'data' }, createdAt: [] }
  const square = createReceiver(hmacPreset('square', { secret: 's' }, { header: 'x-sig', format: { kind: 'single' }, encoding: 'base64', signedContent: '{url}{body}' }, envelope)).on('*', () => {})
  const signed = createHmac('sha256', 's').update(url + body).digest('base64')
  assert.equal((await square.receive(Buffer.from(body), { 'content-type': 'application/json', 'x-sig': signed }, { url: lazyUrl })).status, 200)
  assert.equal(built, 1)

  const bodyOnly = createReceiver(hmacPreset('plain', { secret: 's' }, { header: 'x-sig', format: { kind: 'single' }, encoding: 'base64' }, envelope)).on('*', () => {})
  const overBody = createHmac('sha256', 's').update(body).digest('base64')
  assert.equal((await bodyOnly.receive(Buffer.from(body), { 'content-type': 'application/json', 'x-sig': overBody }, { url: lazyUrl })).status, 200)
  assert.equal(built, 1, 'a scheme that does not sign the URL never builds it')
})
