import { test } from 'node:test'
import assert from 'node:assert/strict'
import { createReceiver } from '../../src/core/receiver.js'
import { bread } from '../../src/providers/bread.js'
import { breadRequest, signBread, type SignBreadOptions } from '../../src/testing/index.js'

const KID = 'test-kid'
const SECRET = 'bread-signer-check'
const BASIC = { username: 'bread', password: 'hunter2' }
const DATA = { identity: { tenantID: 'tenant-1' }, note: 'x' }

test('signBread() percent-encodes ce-* values as the HTTP binding requires, so they round-trip through the receiver', async () => {
  const options = { kid: KID, secret: SECRET, basicAuth: BASIC, ceType: 'discount.a%41b', ceSource: 'bread payments/ü', ceId: 'id "1"' }
  const headers = signBread(DATA, options)
  assert.equal(headers['ce-type'], 'discount.a%2541b')
  assert.equal(headers['ce-source'], 'bread%20payments/%C3%BC')
  assert.equal(headers['ce-id'], 'id%20%221%22')
  const seen: Array<[string, string, string]> = []
  const receiver = createReceiver(bread({ keys: { [KID]: SECRET }, basicAuth: BASIC }), { idempotency: false })
    .on('*', (event) => { seen.push([event.type, event.source, event.id]) })
  const request = breadRequest(DATA, options)
  const outcome = await receiver.receive(request.payload, request.headers)
  assert.equal(outcome.status, 200, JSON.stringify(outcome.body))
  assert.deepEqual(seen, [['discount.a%41b', 'bread payments/ü', 'id "1"']])
})

test('signBread() refuses bad options with a TypeError naming the option', () => {
  const good: SignBreadOptions = { kid: KID, secret: SECRET }
  const cases: Array<[unknown, RegExp]> = [
    [undefined, /"options" must be an object/],
    [{ secret: SECRET }, /"kid" must be a non-empty string/],
    [{ kid: KID }, /"secret" must be a non-empty string or byte array/],
    [{ ...good, secret: '' }, /"secret"/],
    [{ ...good, timestamp: 'yesterday' }, /"timestamp" must be an RFC 3339 date-time/],
    [{ ...good, timestamp: new Date(Number.NaN) }, /"timestamp"/],
    [{ ...good, algorithm: 'RS256' }, /"algorithm" must be HS256, HS384 or HS512/],
    [{ ...good, ceType: '' }, /"ceType" must be a non-empty string/],
    [{ ...good, basicAuth: { username: 'u' } }, /"basicAuth" must be \{ username, password \}/]
  ]
  for (const [options, message] of cases) {
    assert.throws(() => signBread(DATA, options as SignBreadOptions), { name: 'TypeError', message }, JSON.stringify(options))
  }
})
