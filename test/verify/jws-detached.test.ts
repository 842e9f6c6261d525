import { test, type TestContext } from 'node:test'
import assert from 'node:assert/strict'
import { createHmac, createSecretKey, generateKeyPairSync } from 'node:crypto'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { CompactSign, FlattenedSign, exportJWK, generateKeyPair, type CryptoKey } from 'jose'
import { HookgateError } from '../../src/core/errors.js'
import type { InboundRequest, VerifyResult } from '../../src/core/types.js'
import { detachedJwsVerifier, type DetachedJwsOptions } from '../../src/verify/jws-detached.js'

const NOW = Date.parse('2023-04-27T17:41:51.799Z')
const TIMESTAMP = '2023-04-27T17:41:51.799047Z'
const SECRET = 'bread-test-secret-0123456789abcdef'
const KID = 'bd9f4c7e-5a0b-4f3e-9d1a-2c8e7f6b5a4d'
const BODY = Buffer.from('{"identity":{"tenantID":"tenant-1"},"message":"hello"}')
const SIGN_OPTIONS = { crit: { Timestamp: true } }
const TIMESTAMP_OPTIONS = { header: 'timestamp', parameter: 'Timestamp', tolerance: 300 }

const b64url = (value: unknown): string => Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString('base64url')

function headerFor (overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return { alg: 'HS256', typ: 'JOSE', kid: KID, crit: ['Timestamp'], Timestamp: TIMESTAMP, ...overrides }
}

/** A detached JWS made by hand with node:crypto (independent of jose and of hookgate's signer). */
function hs (header: Record<string, unknown>, body: Buffer = BODY, secret: string = SECRET, bits = 256): string {
  const protectedPart = b64url(header)
  const signature = createHmac(`sha${bits}`, secret).update(`${protectedPart}.${body.toString('base64url')}`).digest('base64url')
  return `${protectedPart}..${signature}`
}

function request (headers: Record<string, string>, body: Buffer = BODY, now = NOW): InboundRequest {
  return { body, header: (name) => headers[name], headers, now: () => now }
}

async function verify (jws: string | undefined, options: { [K in keyof DetachedJwsOptions]?: unknown } = {}, extra: Record<string, string> = {}, body?: Buffer, now?: number): Promise<VerifyResult> {
  const verifier = detachedJwsVerifier({ header: 'x-jws-signature', keys: { [KID]: SECRET }, timestamp: TIMESTAMP_OPTIONS, ...options } as DetachedJwsOptions)
  const headers: Record<string, string> = { timestamp: TIMESTAMP, ...extra }
  if (jws !== undefined) headers['x-jws-signature'] = jws
  return await verifier.verify(request(headers, body, now))
}

function assertRefused (result: VerifyResult, code = 'HOOKGATE_SIGNATURE_INVALID', reason?: RegExp): void {
  assert.ok(result instanceof HookgateError, 'refused')
  assert.equal(result.code, code)
  assert.equal(result.statusCode, 401)
  if (reason !== undefined) assert.match(result.reason ?? '', reason)
}

test('a detached HS256 JWS over the base64url body, made with node:crypto, passes', async () => {
  assert.equal(await verify(hs(headerFor())), undefined)
})

test('cross-check: a JWS made by jose CompactSign, payload removed, passes', async () => {
  const compact = await new CompactSign(BODY).setProtectedHeader(headerFor() as { alg: string }).sign(new TextEncoder().encode(SECRET), SIGN_OPTIONS)
  const [h, , s] = compact.split('.')
  assert.equal(await verify(`${h}..${s}`), undefined)
})

test('cross-check: RFC 7797 unencoded payload made by jose FlattenedSign (b64: false) passes', async () => {
  const flattened = await new FlattenedSign(BODY)
    .setProtectedHeader({ ...headerFor(), b64: false, crit: ['b64', 'Timestamp'] } as unknown as { alg: string })
    .sign(new TextEncoder().encode(SECRET), SIGN_OPTIONS)
  assert.equal(await verify(`${flattened.protected}..${flattened.signature}`), undefined)
  const tampered = Buffer.from(BODY)
  tampered[5] = (tampered[5] ?? 0) ^ 1
  assertRefused(await verify(`${flattened.protected}..${flattened.signature}`, {}, {}, tampered))
})

test('the signature covers the body: one changed byte is refused', async () => {
  const tampered = Buffer.from(BODY)
  tampered[10] = (tampered[10] ?? 0) ^ 1
  assertRefused(await verify(hs(headerFor()), {}, {}, tampered))
})

test('the signature covers the header: a changed protected header is refused', async () => {
  const [, , signature] = hs(headerFor()).split('.')
  assertRefused(await verify(`${b64url(headerFor({ typ: 'JWT' }))}..${signature}`))
})

test('missing header → SIGNATURE_MISSING', async () => {
  assertRefused(await verify(undefined), 'HOOKGATE_SIGNATURE_MISSING')
  assertRefused(await verify(''), 'HOOKGATE_SIGNATURE_MISSING')
})

test('attack: alg "none" (with or without a signature) is refused', async () => {
  assertRefused(await verify(`${b64url(headerFor({ alg: 'none' }))}..`), undefined, /not base64url|not allowed/)
  assertRefused(await verify(`${b64url(headerFor({ alg: 'none' }))}..${b64url('x')}`), undefined, /not allowed/)
  assertRefused(await verify(`${b64url(headerFor({ alg: 'None' }))}..${b64url('x')}`), undefined, /not allowed/)
})

test('attack: alg swapped to HS512, RS256 or ES256 is refused by the allow-list', async () => {
  assertRefused(await verify(hs(headerFor({ alg: 'HS512' }), BODY, SECRET, 512)), undefined, /not allowed/)
  for (const alg of ['RS256', 'ES256', 'PS256', 'EdDSA']) {
    const [, , signature] = hs(headerFor()).split('.')
    assertRefused(await verify(`${b64url(headerFor({ alg }))}..${signature}`), undefined, /not allowed/)
  }
})

test('attack: an HMAC made with the public key as secret is refused when the key is asymmetric', async () => {
  const { publicKey, privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' })
  const pem = publicKey.export({ type: 'spki', format: 'pem' }).toString()
  const options = { keys: { [KID]: publicKey }, algorithms: ['ES256', 'HS256'] as const }
  // The classic confusion: sign HS256 with the public key's bytes as the HMAC secret.
  assertRefused(await verify(hs(headerFor(), BODY, pem), { ...options, algorithms: [...options.algorithms] }))
  // The genuine ES256 signature with the private key passes.
  const compact = await new CompactSign(BODY).setProtectedHeader(headerFor({ alg: 'ES256' }) as { alg: string }).sign(privateKey, SIGN_OPTIONS)
  const [h, , s] = compact.split('.')
  assert.equal(await verify(`${h}..${s}`, { ...options, algorithms: [...options.algorithms] }), undefined)
})

test('an asymmetric algorithm is refused against an HMAC key even when allowed', async () => {
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' })
  const compact = await new CompactSign(BODY).setProtectedHeader(headerFor({ alg: 'ES256' }) as { alg: string }).sign(privateKey, SIGN_OPTIONS)
  const [h, , s] = compact.split('.')
  assertRefused(await verify(`${h}..${s}`, { algorithms: ['HS256', 'ES256'] }))
})

test('attack: crit naming an unknown parameter, or not naming Timestamp, is refused', async () => {
  assertRefused(await verify(hs(headerFor({ crit: ['Timestamp', 'exp'], exp: 1 }))), undefined, /does not understand/)
  assertRefused(await verify(hs(headerFor({ crit: undefined }))), undefined, /crit does not list Timestamp/)
  assertRefused(await verify(hs(headerFor({ crit: [] }))), undefined, /crit is malformed/)
  assertRefused(await verify(hs(headerFor({ crit: 'Timestamp' }))), undefined, /crit is malformed/)
})

test('attack: Timestamp header absent, malformed, mismatched, stale or from the future is refused', async () => {
  const jws = hs(headerFor())
  assertRefused(await detachedJwsVerifier({ header: 'x-jws-signature', keys: { [KID]: SECRET }, timestamp: TIMESTAMP_OPTIONS }).verify(request({ 'x-jws-signature': jws })), undefined, /no timestamp header/)
  assertRefused(await verify(jws, {}, { timestamp: '2023-04-27T17:41:52.000000Z' }), undefined, /differs/)
  assertRefused(await verify(hs(headerFor({ Timestamp: 'yesterday' })), {}, { timestamp: 'yesterday' }), undefined, /RFC 3339/)
  assertRefused(await verify(hs(headerFor({ Timestamp: 1682617311 })), {}, { timestamp: '1682617311' }), undefined, /no Timestamp/)
  assertRefused(await verify(hs(headerFor({ Timestamp: undefined }))), undefined, /no Timestamp/)
  assertRefused(await verify(jws, {}, {}, undefined, NOW + 301_000), 'HOOKGATE_TIMESTAMP_OUT_OF_TOLERANCE', /old/)
  assertRefused(await verify(jws, {}, {}, undefined, NOW - 301_000), 'HOOKGATE_TIMESTAMP_OUT_OF_TOLERANCE', /ahead/)
  assert.equal(await verify(jws, {}, {}, undefined, NOW + 299_000), undefined)
  assert.equal(await verify(jws, {}, {}, undefined, NOW - 299_000), undefined)
})

test('the tolerance is configurable', async () => {
  const jws = hs(headerFor())
  assertRefused(await verify(jws, { timestamp: { ...TIMESTAMP_OPTIONS, tolerance: 10 } }, {}, undefined, NOW + 11_000), 'HOOKGATE_TIMESTAMP_OUT_OF_TOLERANCE')
  assert.equal(await verify(jws, { timestamp: { ...TIMESTAMP_OPTIONS, tolerance: 3600 } }, {}, undefined, NOW + 3_000_000), undefined)
})

test('attack: hostile kid values find no key', async () => {
  for (const kid of ['__proto__', 'constructor', 'toString', 'hasOwnProperty', '../x', 'x'.repeat(10_000), '', 5]) {
    const result = await verify(hs(headerFor({ kid })))
    assertRefused(result)
  }
  assertRefused(await verify(hs(headerFor({ kid: undefined }))), undefined, /unknown kid/)
})

test('attack: malformed compact serialisations are refused before any crypto', async () => {
  const [h, , s] = hs(headerFor()).split('.') as [string, string, string]
  const cases: Array<[string, RegExp]> = [
    [`${h}.${b64url(BODY.toString())}.${s}`, /carries a payload/],
    [`${h}..${s}.extra`, /not a compact JWS/],
    [`${h}.${s}`, /not a compact JWS/],
    [`${h}..${s}=`, /not base64url/],
    [`${h}..${s.slice(0, -2)}+/`, /not base64url/],
    [`${h} ..${s}`, /not base64url/],
    [`${b64url('not json')}..${s}`, /not a JSON object/],
    [`${b64url('[1]')}..${s}`, /not a JSON object/],
    [`${h}..${s}, ${h}..${s}`, /several values|not a compact/],
    ['x'.repeat(9000), /too long/]
  ]
  for (const [value, reason] of cases) assertRefused(await verify(value), undefined, reason)
})

test('a signature has one accepted spelling: the unused bits of its last base64url character must be zero', async () => {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'
  for (const bits of [256, 384, 512]) {
    const jws = hs(headerFor({ alg: `HS${bits}` }), BODY, SECRET, bits)
    assert.equal(await verify(jws, { algorithms: [`HS${bits}`] }), undefined, `HS${bits} as signed`)
    const signature = jws.split('.')[2] as string
    const unused = signature.length % 4 === 2 ? 15 : signature.length % 4 === 3 ? 3 : 0
    const last = alphabet.indexOf(signature.at(-1) as string)
    // Every other character with the same used bits decodes to the same bytes.
    const respellings = [...alphabet].filter((_c, value) => value !== last && (value & ~unused) === (last & ~unused))
    assert.equal(respellings.length, unused, `HS${bits}: ${signature.length} characters`)
    for (const c of respellings) {
      assert.deepEqual(Buffer.from(`${signature.slice(0, -1)}${c}`, 'base64url'), Buffer.from(signature, 'base64url'), 'the decoder ignores the unused bits')
      assertRefused(await verify(`${jws.slice(0, -1)}${c}`, { algorithms: [`HS${bits}`] }), undefined, /not canonical/)
    }
  }
})

test('key rotation: several kids live at once; a removed one no longer verifies', async () => {
  const keys = { [KID]: SECRET, 'kid-2': 'second-secret' }
  assert.equal(await verify(hs(headerFor({ kid: 'kid-2' }), BODY, 'second-secret'), { keys }), undefined)
  assert.equal(await verify(hs(headerFor()), { keys }), undefined)
  assertRefused(await verify(hs(headerFor({ kid: 'kid-2' }), BODY, 'second-secret')), undefined, /unknown kid/)
  assertRefused(await verify(hs(headerFor({ kid: 'kid-2' }), BODY, SECRET), { keys }), undefined, /SIGNATURE_VERIFICATION_FAILED/)
})

test('keys may be bytes, KeyObjects or JWKs', async () => {
  assert.equal(await verify(hs(headerFor()), { keys: { [KID]: Buffer.from(SECRET) } }), undefined)
  assert.equal(await verify(hs(headerFor()), { keys: { [KID]: createSecretKey(Buffer.from(SECRET)) } }), undefined)
  assert.equal(await verify(hs(headerFor()), { keys: { [KID]: { kty: 'oct', k: b64url(SECRET) } } }), undefined)
})

test('keys from a local JWK Set, chosen by kid', async () => {
  const { publicKey, privateKey } = await generateKeyPair('ES256')
  const jwks = { keys: [{ ...await exportJWK(publicKey), kid: 'ec-1', alg: 'ES256' }, { kty: 'oct', k: b64url(SECRET), kid: KID, alg: 'HS256' }] }
  const compact = await new CompactSign(BODY).setProtectedHeader(headerFor({ alg: 'ES256', kid: 'ec-1' }) as { alg: string }).sign(privateKey, SIGN_OPTIONS)
  const [h, , s] = compact.split('.')
  const options = { keys: undefined, jwks, algorithms: ['ES256', 'HS256'] as Array<'ES256' | 'HS256'> }
  assert.equal(await verify(`${h}..${s}`, options), undefined)
  assertRefused(await verify(hs(headerFor({ kid: 'nope' })), options))
})

test('keys from an async resolver, which sees the protected header', async () => {
  const seen: unknown[] = []
  const getKey = async (header: { kid?: string }): Promise<string | undefined> => { seen.push(header.kid); return header.kid === KID ? SECRET : undefined }
  assert.equal(await verify(hs(headerFor()), { keys: undefined, getKey }), undefined)
  assertRefused(await verify(hs(headerFor({ kid: 'other' })), { keys: undefined, getKey }), undefined, /unknown kid/)
  assert.deepEqual(seen, [KID, 'other'])
  const failing = async (): Promise<string> => { throw new Error('vault down') }
  const down = await verify(hs(headerFor()), { keys: undefined, getKey: failing })
  assert.ok(down instanceof HookgateError)
  assert.equal(down.code, 'HOOKGATE_SECRETS_UNAVAILABLE')
  assert.equal(down.statusCode, 503)
})

async function jwksServer (t: TestContext, jwks: unknown): Promise<{ url: string, fetches: () => number }> {
  let fetches = 0
  const server = createServer((_req, res) => { fetches++; res.setHeader('content-type', 'application/json'); res.end(JSON.stringify(jwks)) })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  t.after(() => server.close())
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/jwks.json`, fetches: () => fetches }
}

test('a remote JWK Set is fetched once; forged signatures and bad timestamps never cause a fetch; an unknown kid refetches at most once per cooldown', async (t) => {
  const { publicKey, privateKey } = await generateKeyPair('ES256')
  const { privateKey: forger } = await generateKeyPair('ES256')
  const jwks = { keys: [{ ...await exportJWK(publicKey), kid: KID, alg: 'ES256' }] }
  const { url, fetches } = await jwksServer(t, jwks)
  const verifier = detachedJwsVerifier({ header: 'x-jws-signature', algorithms: ['ES256'], jwksUrl: url, jwksOptions: { cooldown: 60 }, timestamp: TIMESTAMP_OPTIONS })
  const es = async (header: Record<string, unknown>, key = privateKey): Promise<string> => {
    const [h, , s] = (await new CompactSign(BODY).setProtectedHeader({ ...header, alg: 'ES256' } as { alg: string }).sign(key, SIGN_OPTIONS)).split('.')
    return `${h}..${s}`
  }
  const run = async (jws: string, headers: Record<string, string> = {}): Promise<VerifyResult> =>
    await verifier.verify(request({ 'x-jws-signature': jws, timestamp: TIMESTAMP, ...headers }))
  assertRefused(await run(await es(headerFor()), { timestamp: '2020-01-01T00:00:00Z' }))
  assertRefused(await run(`${b64url(headerFor({ alg: 'none' }))}..${b64url('x')}`))
  assertRefused(await run(hs(headerFor())), undefined, /not allowed/)
  assert.equal(fetches(), 0, 'refused before any key lookup')
  assert.equal(await run(await es(headerFor())), undefined)
  assert.equal(fetches(), 1)
  for (let i = 0; i < 20; i++) assertRefused(await run(await es(headerFor(), forger)))
  assert.equal(fetches(), 1, 'a failed signature never triggers a fetch')
  for (let i = 0; i < 20; i++) assertRefused(await run(await es(headerFor({ kid: `unknown-${i}` }), forger)))
  assert.ok(fetches() <= 2, `unknown kids caused ${fetches() - 1} refetches within the cooldown`)
})

test('an unreachable remote JWK Set answers 503, so the sender retries', async () => {
  const { privateKey } = await generateKeyPair('ES256')
  const [h, , s] = (await new CompactSign(BODY).setProtectedHeader(headerFor({ alg: 'ES256' }) as { alg: string }).sign(privateKey, SIGN_OPTIONS)).split('.')
  const verifier = detachedJwsVerifier({ header: 'x-jws-signature', algorithms: ['ES256'], jwksUrl: 'http://127.0.0.1:1/jwks.json', jwksOptions: { timeout: 500 }, timestamp: TIMESTAMP_OPTIONS })
  const result = await verifier.verify(request({ 'x-jws-signature': `${h}..${s}`, timestamp: TIMESTAMP }))
  assert.ok(result instanceof HookgateError)
  assert.equal(result.code, 'HOOKGATE_SECRETS_UNAVAILABLE')
  assert.equal(result.statusCode, 503)
})

test('without a timestamp requirement, crit may only name b64', async () => {
  const plain = { header: 'x-jws-signature', keys: { [KID]: SECRET } }
  const verifier = detachedJwsVerifier(plain)
  const jws = hs({ alg: 'HS256', kid: KID })
  assert.equal(await verifier.verify(request({ 'x-jws-signature': jws })), undefined)
  assertRefused(await verifier.verify(request({ 'x-jws-signature': hs(headerFor()) })), undefined, /does not understand/)
})

test('bad options throw at creation, naming the option', () => {
  const base = { header: 'x-jws-signature', keys: { [KID]: SECRET } }
  const cases: Array<[Record<string, unknown>, RegExp]> = [
    [{ algorithms: ['none'] }, /must not include "none"/],
    [{ algorithms: ['HS256', 'NONE'] }, /must not include "none"/],
    [{ algorithms: ['HS1'] }, /unknown algorithm "HS1"/],
    [{ algorithms: [] }, /non-empty list/],
    [{ header: '' }, /"jws.header"/],
    [{ keys: {} }, /at least one key/],
    [{ keys: { a: '' } }, /"jws.keys.a"/],
    [{ keys: undefined }, /exactly one of/],
    [{ jwks: { keys: [] } }, /exactly one of .* got keys, jwks/],
    [{ keys: undefined, jwks: {} }, /JWK Set/],
    [{ keys: undefined, jwksUrl: 'not a url' }, /absolute URL/],
    [{ timestamp: { header: '' } }, /"jws.timestamp.header"/],
    [{ timestamp: { header: 'timestamp', tolerance: 0 } }, /"jws.timestamp.tolerance"/],
    [{ timestamp: { header: 'timestamp', parameter: 'b64' } }, /"jws.timestamp.parameter"/]
  ]
  for (const [override, message] of cases) {
    assert.throws(() => detachedJwsVerifier({ ...base, ...override } as DetachedJwsOptions), { name: 'TypeError', message }, JSON.stringify(override))
  }
})

test('attack: a public key in PEM or DER given as an HMAC secret is refused at startup', () => {
  const { publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' })
  const pem = publicKey.export({ type: 'spki', format: 'pem' }).toString()
  const der = publicKey.export({ type: 'spki', format: 'der' })
  for (const key of [pem, Buffer.from(pem), der, `\n${pem}`]) {
    assert.throws(() => detachedJwsVerifier({ header: 'x-jws-signature', keys: { k: key }, algorithms: ['HS256', 'ES256'] }), { name: 'TypeError', message: /PEM or DER key, not an HMAC secret/ })
  }
  assert.doesNotThrow(() => detachedJwsVerifier({ header: 'x-jws-signature', keys: { k: publicKey }, algorithms: ['ES256'] }))
})

test('a JWK that cannot serve the header\'s alg is a 401, not a crash', async () => {
  const { publicKey } = await generateKeyPair('ES256')
  const jwk = await exportJWK(publicKey) // no "alg" of its own: the import with HS256 is what fails
  const result = await verify(hs(headerFor()), { keys: { [KID]: jwk }, algorithms: ['HS256', 'ES256'] })
  assertRefused(result, undefined, /cannot be used with HS256/)
})

test('a JWK pinned to another alg, to encryption or without "verify" is refused for keys and getKey, as jose refuses it', async () => {
  const oct = { kty: 'oct', k: b64url(SECRET) }
  const { publicKey, privateKey } = await generateKeyPair('PS256')
  const rsa = await exportJWK(publicKey)
  const compact = await new CompactSign(BODY).setProtectedHeader(headerFor({ alg: 'PS256' }) as { alg: string }).sign(privateKey, SIGN_OPTIONS)
  const [h, , s] = compact.split('.')
  const ps256 = `${h}..${s}`
  const algorithms = ['HS256', 'PS256']
  const cases: Array<[string, Record<string, unknown>, RegExp]> = [
    [hs(headerFor()), { ...oct, alg: 'HS512' }, /for HS512, not HS256/],
    [hs(headerFor()), { ...oct, use: 'enc' }, /for "enc"/],
    [hs(headerFor()), { ...oct, key_ops: ['sign'] }, /does not allow "verify"/],
    [ps256, { ...rsa, alg: 'RS256' }, /for RS256, not PS256/]
  ]
  for (const [jws, jwk, reason] of cases) {
    assertRefused(await verify(jws, { keys: { [KID]: jwk }, algorithms }), undefined, reason)
    assertRefused(await verify(jws, { keys: undefined, getKey: () => jwk, algorithms }), undefined, reason)
  }
  // The same JWKs without the restriction, or with a matching one, verify.
  assert.equal(await verify(hs(headerFor()), { keys: { [KID]: { ...oct, alg: 'HS256', use: 'sig', key_ops: ['verify'] } }, algorithms }), undefined)
  assert.equal(await verify(ps256, { keys: { [KID]: { ...rsa, alg: 'PS256' } }, algorithms }), undefined)
})

test('getKey: a JWK returned under the same kid after a rotation replaces the old one (no stale cache)', async () => {
  let current: Record<string, unknown> = { kty: 'oct', k: b64url(SECRET) }
  const getKey = (): Record<string, unknown> => current
  const options = { keys: undefined, getKey }
  assert.equal(await verify(hs(headerFor()), options), undefined)
  current = { kty: 'oct', k: b64url('rotated-secret') }
  assert.equal(await verify(hs(headerFor(), BODY, 'rotated-secret'), options), undefined, 'the new key verifies')
  assertRefused(await verify(hs(headerFor()), options), undefined, /SIGNATURE_VERIFICATION_FAILED/)
})

test('a remote JWK Set is refetched for an unknown kid once the cooldown has passed (the sender rotated its key)', async (t) => {
  const first = await generateKeyPair('ES256')
  const second = await generateKeyPair('ES256')
  const jwks: { keys: unknown[] } = { keys: [{ ...await exportJWK(first.publicKey), kid: 'k1', alg: 'ES256' }] }
  const { url, fetches } = await jwksServer(t, jwks)
  const verifier = detachedJwsVerifier({ header: 'x-jws-signature', algorithms: ['ES256'], jwksUrl: url, jwksOptions: { cooldown: 0.2, maxAge: 600 }, timestamp: TIMESTAMP_OPTIONS })
  const signed = async (kid: string, key: CryptoKey): Promise<string> => {
    const [h, , s] = (await new CompactSign(BODY).setProtectedHeader(headerFor({ alg: 'ES256', kid }) as { alg: string }).sign(key, SIGN_OPTIONS)).split('.')
    return `${h}..${s}`
  }
  const run = async (jws: string): Promise<VerifyResult> => await verifier.verify(request({ 'x-jws-signature': jws, timestamp: TIMESTAMP }))
  assert.equal(await run(await signed('k1', first.privateKey)), undefined)
  jwks.keys.push({ ...await exportJWK(second.publicKey), kid: 'k2', alg: 'ES256' })
  await new Promise((resolve) => setTimeout(resolve, 250))
  assert.equal(await run(await signed('k2', second.privateKey)), undefined, 'the new kid is found after one refetch')
  assert.equal(fetches(), 2)
})
