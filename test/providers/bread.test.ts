import { test } from 'node:test'
import assert from 'node:assert/strict'
import { CloudEvent as SdkCloudEvent, HTTP } from 'cloudevents'
import { CompactSign } from 'jose'
import { createReceiver, type ReceiverOptions } from '../../src/core/receiver.js'
import { bread, BREAD_SOURCE, type BreadEvent, type BreadOptions } from '../../src/providers/bread.js'
import { signBread } from '../../src/testing/bread.js'
import { loadFixture } from '../fixtures/load.js'
import { BASIC_AUTH, KID, NOW, SECRET, TIMESTAMP } from '../fixtures/bread/keys.js'

const OPTIONS: BreadOptions = { keys: { [KID]: SECRET }, basicAuth: BASIC_AUTH }

function receiver (options: ReceiverOptions<BreadEvent, undefined> = {}, breadOptions: BreadOptions = OPTIONS) {
  const seen: BreadEvent[] = []
  const r = createReceiver(bread(breadOptions), { now: () => NOW, ...options }).on('*', (event) => { seen.push(event) })
  return { receiver: r, seen }
}

const b64url = (value: unknown): string => Buffer.from(JSON.stringify(value)).toString('base64url')

test('the example request of the brief (113-byte body, every header) is accepted', async () => {
  const { body, headers } = loadFixture('bread', 'integration-test-event')
  assert.equal(body.length, 113)
  assert.deepEqual(JSON.parse(Buffer.from(headers['x-jws-signature']?.split('.')[0] ?? '', 'base64url').toString()),
    { alg: 'HS256', typ: 'JOSE', kid: KID, crit: ['Timestamp'], Timestamp: TIMESTAMP })
  const { receiver: r, seen } = receiver()
  const outcome = await r.receive(body, headers)
  assert.equal(outcome.status, 200, outcome.error?.reason)
  assert.equal(seen.length, 1)
  assert.equal(seen[0]?.id, headers['ce-id'])
  assert.equal(seen[0]?.source, 'breadpayments.webhooks.webhook')
  assert.equal(seen[0]?.type, 'integration_test_event')
  assert.equal(seen[0]?.time, headers['ce-time'])
  assert.deepEqual(seen[0]?.data, JSON.parse(body.toString()))
})

test('every single-field change of the brief\'s request is refused with 401 and no handler runs', async (t) => {
  const { body, headers } = loadFixture('bread', 'integration-test-event')
  const [protectedPart = '', , signature = ''] = (headers['x-jws-signature'] ?? '').split('.')
  const jwsHeader = JSON.parse(Buffer.from(protectedPart, 'base64url').toString()) as Record<string, unknown>
  const flipped = Buffer.from(body)
  flipped[60] = (flipped[60] ?? 0) ^ 0x01
  const otherSig = `${signature.slice(0, 10)}${signature[10] === 'A' ? 'B' : 'A'}${signature.slice(11)}`
  const cases: Array<[string, Buffer, Record<string, string>, string]> = [
    ['a body byte', flipped, headers, 'HOOKGATE_SIGNATURE_INVALID'],
    ['the kid', body, { ...headers, 'x-jws-signature': `${b64url({ ...jwsHeader, kid: 'bd9f0000-0000-0000-0000-000000000000' })}..${signature}` }, 'HOOKGATE_SIGNATURE_INVALID'],
    ['the Timestamp header', body, { ...headers, timestamp: '2023-04-27T17:41:51.799048Z' }, 'HOOKGATE_SIGNATURE_INVALID'],
    ['the JWS header (typ)', body, { ...headers, 'x-jws-signature': `${b64url({ ...jwsHeader, typ: 'JWT' })}..${signature}` }, 'HOOKGATE_SIGNATURE_INVALID'],
    ['the signed Timestamp (with the header to match)', body, { ...headers, timestamp: '2023-04-27T17:41:52.000000Z', 'x-jws-signature': `${b64url({ ...jwsHeader, Timestamp: '2023-04-27T17:41:52.000000Z' })}..${signature}` }, 'HOOKGATE_SIGNATURE_INVALID'],
    ['the alg', body, { ...headers, 'x-jws-signature': `${b64url({ ...jwsHeader, alg: 'HS512' })}..${signature}` }, 'HOOKGATE_SIGNATURE_INVALID'],
    ['the alg to none', body, { ...headers, 'x-jws-signature': `${b64url({ ...jwsHeader, alg: 'none' })}..${signature}` }, 'HOOKGATE_SIGNATURE_INVALID'],
    ['the signature', body, { ...headers, 'x-jws-signature': `${protectedPart}..${otherSig}` }, 'HOOKGATE_SIGNATURE_INVALID'],
    ['the Basic password', body, { ...headers, authorization: `Basic ${Buffer.from(`${BASIC_AUTH.username}:${BASIC_AUTH.password}x`).toString('base64')}` }, 'HOOKGATE_CREDENTIALS_INVALID'],
    ['the Basic user', body, { ...headers, authorization: `Basic ${Buffer.from(`x${BASIC_AUTH.username}:${BASIC_AUTH.password}`).toString('base64')}` }, 'HOOKGATE_CREDENTIALS_INVALID'],
    ['no Authorization', body, Object.fromEntries(Object.entries(headers).filter(([k]) => k !== 'authorization')), 'HOOKGATE_CREDENTIALS_MISSING'],
    ['no X-Jws-Signature', body, Object.fromEntries(Object.entries(headers).filter(([k]) => k !== 'x-jws-signature')), 'HOOKGATE_SIGNATURE_MISSING']
  ]
  for (const [name, mutatedBody, mutatedHeaders, code] of cases) {
    await t.test(name, async () => {
      const { receiver: r, seen } = receiver()
      const outcome = await r.receive(mutatedBody, mutatedHeaders)
      assert.equal(outcome.status, 401)
      assert.equal(outcome.error?.code, code)
      assert.equal(seen.length, 0)
    })
  }
})

test('the same request outside the tolerance is refused, either way; the tolerance is configurable', async () => {
  const { body, headers } = loadFixture('bread', 'integration-test-event')
  const sent = Date.parse(TIMESTAMP)
  for (const now of [sent + 301_000, sent - 301_000]) {
    const outcome = await receiver({ now: () => now }).receiver.receive(body, headers)
    assert.equal(outcome.status, 401)
    assert.equal(outcome.error?.code, 'HOOKGATE_TIMESTAMP_OUT_OF_TOLERANCE')
  }
  const lenient = receiver({ now: () => sent + 3_000_000 }, { ...OPTIONS, tolerance: 3600 })
  assert.equal((await lenient.receiver.receive(body, headers)).status, 200)
})

test('a refusal from Basic auth carries WWW-Authenticate: Basic', async () => {
  const { body, headers } = loadFixture('bread', 'integration-test-event')
  const outcome = await receiver().receiver.receive(body, { ...headers, authorization: 'Basic eDp5' })
  assert.deepEqual(outcome.headers, { 'www-authenticate': 'Basic realm="bread-webhooks", charset="UTF-8"' })
})

test('every event must carry identity.tenantID, merged with the handler\'s own schema', async () => {
  const schema = { type: 'object', required: ['amount'], properties: { amount: { type: 'integer' } } }
  const r = createReceiver(bread(OPTIONS), { now: () => NOW }).on('payment.settled', { schema }, () => {})
  const send = async (data: unknown, ceType = 'payment.settled') => {
    const headers = signBread(JSON.stringify(data), { kid: KID, secret: SECRET, basicAuth: BASIC_AUTH, timestamp: TIMESTAMP, ceType })
    return await r.receive(Buffer.from(JSON.stringify(data)), headers)
  }
  assert.equal((await send({ identity: { tenantID: 't1' }, amount: 5 })).status, 200)
  assert.deepEqual((await send({ amount: 5 })).body, {
    code: 'HOOKGATE_PAYLOAD_INVALID',
    message: 'event payload does not match its schema',
    errors: [{ path: '/identity', message: "must have required property 'identity'" }]
  })
  assert.deepEqual((await send({ identity: {} })).body, {
    code: 'HOOKGATE_PAYLOAD_INVALID',
    message: 'event payload does not match its schema',
    errors: [{ path: '/identity/tenantID', message: "must have required property 'tenantID'" }, { path: '/amount', message: "must have required property 'amount'" }]
  })
  assert.equal((await send({ amount: 1 }, 'unhandled.type')).status, 400, 'the base schema applies even with no handler')
})

test('routing by ce-source + ce-type: scoped handlers first, exact before wildcard, then type-only', async () => {
  const ran: string[] = []
  const r = createReceiver(bread(OPTIONS), { now: () => NOW })
    .on({ source: BREAD_SOURCE, type: 'payment.settled' }, () => { ran.push('exact source + exact type') })
    .on({ source: 'breadpayments.webhooks.*', type: 'payment.*' }, () => { ran.push('source namespace + type namespace') })
    .on({ source: 'breadpayments.*', type: '*' }, () => { ran.push('outer source namespace, any type') })
    .on('payment.refunded', () => { ran.push('type only') })
    .on('*', () => { ran.push('catch-all') })
  const deliver = async (ceSource: string, ceType: string): Promise<void> => {
    const data = JSON.stringify({ identity: { tenantID: 't' } })
    const outcome = await r.receive(Buffer.from(data), signBread(data, { kid: KID, secret: SECRET, basicAuth: BASIC_AUTH, timestamp: TIMESTAMP, ceSource, ceType }))
    assert.equal(outcome.status, 200)
  }
  await deliver(BREAD_SOURCE, 'payment.settled')
  await deliver(BREAD_SOURCE, 'payment.refunded')
  await deliver('breadpayments.webhooks.other', 'payment.failed')
  await deliver('breadpayments.batch', 'report.ready')
  await deliver('elsewhere', 'payment.refunded')
  await deliver('elsewhere', 'x')
  assert.deepEqual(ran, [
    'exact source + exact type',
    'source namespace + type namespace',
    'source namespace + type namespace',
    'outer source namespace, any type',
    'type only',
    'catch-all'
  ])
})

test('cross-check: CloudEvents headers from the official SDK (HTTP.binary) and a JWS from jose CompactSign are accepted', async () => {
  const sdkEvent = new SdkCloudEvent({ id: 'c0ffee00-0000-4000-8000-000000000001', source: BREAD_SOURCE, type: 'integration_test_event', time: TIMESTAMP, data: { identity: { tenantID: 'tenant-9' } } })
  const message = HTTP.binary(sdkEvent)
  const body = Buffer.from(message.body as string)
  const compact = await new CompactSign(body)
    .setProtectedHeader({ alg: 'HS256', typ: 'JOSE', kid: KID, crit: ['Timestamp'], Timestamp: TIMESTAMP })
    .sign(new TextEncoder().encode(SECRET), { crit: { Timestamp: true } })
  const [h, , s] = compact.split('.')
  const headers = {
    ...message.headers as Record<string, string>,
    timestamp: TIMESTAMP,
    authorization: `Basic ${Buffer.from(`${BASIC_AUTH.username}:${BASIC_AUTH.password}`).toString('base64')}`,
    'x-jws-signature': `${h}..${s}`
  }
  const { receiver: r, seen } = receiver()
  const outcome = await r.receive(body, headers)
  assert.equal(outcome.status, 200, outcome.error?.reason)
  assert.equal(seen[0]?.id, sdkEvent.id)
})

test('signBread() agrees with jose: same protected header and key give the same signature', async () => {
  const { body, headers } = loadFixture('bread', 'integration-test-event')
  const ours = signBread(body, { kid: KID, secret: SECRET, timestamp: TIMESTAMP })['x-jws-signature']
  const compact = await new CompactSign(body)
    .setProtectedHeader({ alg: 'HS256', typ: 'JOSE', kid: KID, crit: ['Timestamp'], Timestamp: TIMESTAMP })
    .sign(new TextEncoder().encode(SECRET), { crit: { Timestamp: true } })
  const [h, , s] = compact.split('.')
  assert.equal(ours, `${h}..${s}`)
  assert.equal(headers['x-jws-signature'], `${h}..${s}`)
})

test('bad options throw at creation, naming bread()\'s own options (not the verifier\'s "jws.…")', () => {
  assert.throws(() => bread({ keys: { [KID]: SECRET } } as unknown as BreadOptions), { name: 'TypeError', message: /"basicAuth" is required/ })
  assert.throws(() => bread({ basicAuth: BASIC_AUTH } as BreadOptions), { name: 'TypeError', message: /^bread\(\) needs exactly one of "keys"/ })
  assert.throws(() => bread({ ...OPTIONS, keys: {} }), { name: 'TypeError', message: /^"keys" must hold at least one key/ })
  assert.throws(() => bread({ ...OPTIONS, keys: { [KID]: '' } }), { name: 'TypeError', message: new RegExp(`^"keys\\.${KID}" must not be empty`) })
  assert.throws(() => bread({ ...OPTIONS, algorithms: ['none' as 'HS256'] }), { name: 'TypeError', message: /^"algorithms" must not include "none"/ })
  for (const tolerance of [-5, 0, Number.NaN]) assert.throws(() => bread({ ...OPTIONS, tolerance }), { name: 'TypeError', message: /^"tolerance" must be a positive number of seconds/ })
  assert.throws(() => bread({ ...OPTIONS, basicAuth: { username: 'u', password: '' } }), { name: 'TypeError', message: /password/ })
  // The credentials as the user wrote them: "basicAuth", not the verifier's "basicAuth.credentials".
  assert.throws(() => bread({ ...OPTIONS, basicAuth: [] }), { name: 'TypeError', message: /^"basicAuth" must not be empty/ })
  assert.throws(() => bread({ ...OPTIONS, tolerence: 5 } as BreadOptions), { name: 'TypeError', message: /^bread\(\): unknown option "tolerence"/ })
  assert.throws(() => bread({ ...OPTIONS, basicAuth: [{ username: '', password: 'p' }] }), { name: 'TypeError', message: /^"basicAuth\[0\]\.username"/ })
})
