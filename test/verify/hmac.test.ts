import { test } from 'node:test'
import assert from 'node:assert/strict'
import fc from 'fast-check'
import crypto, { createHmac, type BinaryToTextEncoding } from 'node:crypto'
import { syncBuiltinESMExports } from 'node:module'
import { HookgateError } from '../../src/core/errors.js'
import type { InboundRequest, VerifyResult } from '../../src/core/types.js'
import { hmacVerifier, type HmacOptions } from '../../src/verify/hmac.js'

const BODY = Buffer.from('{"id":"evt_1","type":"order.paid","data":{"amount":1}}')

function request (headers: Record<string, string>, body: Buffer = BODY): InboundRequest {
  return { body, header: (name) => headers[name], headers, now: Date.now }
}

function mac (secret: string, body: Buffer, algorithm = 'sha256', encoding: BinaryToTextEncoding = 'hex'): string {
  return createHmac(algorithm, secret).update(body).digest(encoding)
}

async function verify (options: Partial<HmacOptions>, headers: Record<string, string>, body?: Buffer): Promise<VerifyResult> {
  return await hmacVerifier({ header: 'x-sig', secrets: 'k1', ...options }).verify(request(headers, body))
}

function code (result: VerifyResult): string | undefined {
  return result instanceof HookgateError ? result.code : undefined
}

test('a MAC of the exact body with the secret passes', async () => {
  assert.equal(await verify({}, { 'x-sig': mac('k1', BODY) }), undefined)
})

test('the header name is matched case-insensitively', async () => {
  assert.equal(await verify({ header: 'X-Sig' }, { 'x-sig': mac('k1', BODY) }), undefined)
})

test('a missing or empty header is SIGNATURE_MISSING', async () => {
  assert.equal(code(await verify({}, {})), 'HOOKGATE_SIGNATURE_MISSING')
  assert.equal(code(await verify({}, { 'x-sig': '' })), 'HOOKGATE_SIGNATURE_MISSING')
})

test('a MAC made with another secret, or over another body, is SIGNATURE_INVALID', async () => {
  assert.equal(code(await verify({}, { 'x-sig': mac('k2', BODY) })), 'HOOKGATE_SIGNATURE_INVALID')
  assert.equal(code(await verify({}, { 'x-sig': mac('k1', Buffer.from('{}')) })), 'HOOKGATE_SIGNATURE_INVALID')
})

test('the prefix is required, and only once', async () => {
  const sig = mac('k1', BODY)
  assert.equal(await verify({ prefix: 'sha256=' }, { 'x-sig': `sha256=${sig}` }), undefined)
  assert.equal(code(await verify({ prefix: 'sha256=' }, { 'x-sig': sig })), 'HOOKGATE_SIGNATURE_INVALID')
  assert.equal(code(await verify({ prefix: 'sha256=' }, { 'x-sig': `sha256=sha256=${sig}` })), 'HOOKGATE_SIGNATURE_INVALID')
  assert.equal(code(await verify({ prefix: 'sha256=' }, { 'x-sig': `sha512=${sig}` })), 'HOOKGATE_SIGNATURE_INVALID')
})

test('sha512 and the base64 and base64url encodings', async () => {
  assert.equal(await verify({ algorithm: 'sha512' }, { 'x-sig': mac('k1', BODY, 'sha512') }), undefined)
  assert.equal(code(await verify({ algorithm: 'sha512' }, { 'x-sig': mac('k1', BODY) })), 'HOOKGATE_SIGNATURE_INVALID')
  assert.equal(await verify({ encoding: 'base64' }, { 'x-sig': mac('k1', BODY, 'sha256', 'base64') }), undefined)
  assert.equal(await verify({ encoding: 'base64url' }, { 'x-sig': mac('k1', BODY, 'sha256', 'base64url') }), undefined)
})

test('base64 must be canonical: characters outside the alphabet are not skipped', async () => {
  const sig = mac('k1', BODY, 'sha256', 'base64')
  const tampered = `${sig.slice(0, 10)}!${sig.slice(11)}`
  assert.equal(code(await verify({ encoding: 'base64' }, { 'x-sig': tampered })), 'HOOKGATE_SIGNATURE_INVALID')
  assert.equal(code(await verify({ encoding: 'base64url' }, { 'x-sig': mac('k1', BODY, 'sha256', 'base64') })), 'HOOKGATE_SIGNATURE_INVALID')
})

test('attack: upper-case hex (the same bytes, another spelling) is refused; so is any non-hex character', async () => {
  const sig = mac('k1', BODY)
  assert.equal(code(await verify({}, { 'x-sig': sig.toUpperCase() })), 'HOOKGATE_SIGNATURE_INVALID')
  assert.equal(code(await verify({}, { 'x-sig': `${sig.slice(0, 63)}g` })), 'HOOKGATE_SIGNATURE_INVALID')
  // Node's hex decoder keeps the low byte of a UTF-16 code unit: "\u0161" decodes like "a", "\u0130" like "0".
  for (const [digit, lookalike] of [['a', '\u0161'], ['0', '\u0130'], ['1', '\u0131']] as const) {
    const at = sig.indexOf(digit)
    if (at === -1) continue
    const spelled = `${sig.slice(0, at)}${lookalike}${sig.slice(at + 1)}`
    assert.deepEqual(Buffer.from(spelled, 'hex'), Buffer.from(sig, 'hex'), 'the decoder reads both spellings as the same bytes')
    assert.equal(code(await verify({}, { 'x-sig': spelled })), 'HOOKGATE_SIGNATURE_INVALID', lookalike)
  }
})

test('a signature of the wrong length is refused before any MAC is computed', async () => {
  const sig = mac('k1', BODY)
  for (const value of [sig.slice(0, 62), `${sig}00`, 'x'.repeat(100_000)]) {
    const result = await verify({}, { 'x-sig': value })
    assert.equal(code(result), 'HOOKGATE_SIGNATURE_INVALID')
    assert.match((result as HookgateError).reason ?? '', /malformed|too long/)
  }
})

test('a repeated header (joined with ", " by Node) is refused, even when one of the values is right', async () => {
  const good = mac('k1', BODY)
  const result = await verify({}, { 'x-sig': `${good}, ${mac('k2', BODY)}` })
  assert.equal(code(result), 'HOOKGATE_SIGNATURE_INVALID')
  assert.match((result as HookgateError).reason ?? '', /several values/)
})

test('during a rotation any configured secret may match; a removed one no longer does', async () => {
  assert.equal(await verify({ secrets: ['new', 'old'] }, { 'x-sig': mac('old', BODY) }), undefined)
  assert.equal(await verify({ secrets: ['new', 'old'] }, { 'x-sig': mac('new', BODY) }), undefined)
  assert.equal(code(await verify({ secrets: ['new'] }, { 'x-sig': mac('old', BODY) })), 'HOOKGATE_SIGNATURE_INVALID')
})

test('secrets may be bytes', async () => {
  const key = Buffer.from([0, 1, 2, 255])
  const sig = createHmac('sha256', key).update(BODY).digest('hex')
  assert.equal(await verify({ secrets: new Uint8Array(key) }, { 'x-sig': sig }), undefined)
})

test('secrets may come from a sync or async function, asked on each request', async () => {
  let current = 'k1'
  let calls = 0
  const sync = (): string => { calls++; return current }
  assert.equal(await verify({ secrets: sync }, { 'x-sig': mac('k1', BODY) }), undefined)
  current = 'k2'
  assert.equal(code(await verify({ secrets: sync }, { 'x-sig': mac('k1', BODY) })), 'HOOKGATE_SIGNATURE_INVALID')
  assert.equal(await verify({ secrets: async () => ['k9', 'k2'] }, { 'x-sig': mac('k2', BODY) }), undefined)
  assert.equal(calls, 2)
})

test('a secrets function that fails or yields nothing usable is SECRETS_UNAVAILABLE (503), not a 401', async () => {
  const cases: Array<HmacOptions['secrets']> = [
    () => { throw new Error('vault down') },
    async () => { throw new Error('vault down') },
    () => '',
    async () => []
  ]
  for (const secrets of cases) {
    const result = await verify({ secrets }, { 'x-sig': mac('k1', BODY) })
    assert.equal(code(result), 'HOOKGATE_SECRETS_UNAVAILABLE')
    assert.equal((result as HookgateError).statusCode, 503)
  }
})

test('the compact-JSON fallback accepts a MAC over the compact form and hands back the parsed body', async () => {
  const pretty = Buffer.from('{\n  "id": "evt_1",\n  "data": { "a": [1, 2] }\n}\n')
  const compact = Buffer.from(JSON.stringify(JSON.parse(pretty.toString())))
  const result = await verify({ compactJsonFallback: true }, { 'x-sig': mac('k1', compact) }, pretty)
  assert.deepEqual(result, { parsed: { id: 'evt_1', data: { a: [1, 2] } } })
  assert.equal(code(await verify({}, { 'x-sig': mac('k1', compact) }, pretty)), 'HOOKGATE_SIGNATURE_INVALID', 'off by default')
  assert.equal(code(await verify({ compactJsonFallback: true }, { 'x-sig': mac('k1', Buffer.from('{"id":"evt_2"}')) }, pretty)), 'HOOKGATE_SIGNATURE_INVALID')
  assert.equal(code(await verify({ compactJsonFallback: true }, { 'x-sig': mac('k1', compact) }, Buffer.from('not json'))), 'HOOKGATE_SIGNATURE_INVALID')
})

test('the compact-JSON fallback refuses whitespace that splits a token: the body must be JSON', async () => {
  const signed = Buffer.from('{"id":"evt_1","created_at":1708456200,"ok":true,"n":[123,456]}')
  const headers = { 'x-sig': mac('k1', signed) }
  for (const forged of ['{"id":"evt_1","created_at":17084 56200,"ok":true,"n":[123,456]}', '{"id":"evt_1","created_at":1708456200,"ok":t r u e,"n":[123,456]}', '{"id":"evt_1","created_at":1708456200,"ok":true,"n":[123\n456]}']) {
    assert.equal(code(await verify({ compactJsonFallback: true }, headers, Buffer.from(forged))), 'HOOKGATE_SIGNATURE_INVALID', forged)
  }
  assert.deepEqual(await verify({ compactJsonFallback: true }, headers, Buffer.from('{ "id": "evt_1", "created_at": 1708456200, "ok": true, "n": [123, 456] }')), { parsed: JSON.parse(signed.toString()) })
})

test('property: the fallback accepts exactly the bodies that are JSON and whose compact form is the signed text', async () => {
  // Whitespace dropped anywhere outside the strings of a compact text: between tokens (JSON still)
  // or inside a number or literal (not JSON, whatever its stripped form).
  // Keys that could poison a prototype are refused by the parser whatever is signed (a test of their own above).
  const value = fc.jsonValue({ maxDepth: 2 }).filter((v) => !/"(__proto__|constructor)"/.test(JSON.stringify(v)))
  const cases = fc.tuple(value, fc.array(fc.tuple(fc.nat(), fc.constantFrom(' ', '\n', '\t', '\r', '  ')), { minLength: 1, maxLength: 6 }))
  await fc.assert(fc.asyncProperty(cases, async ([value, insertions]) => {
    const compact = JSON.stringify(value)
    const outside: number[] = []
    for (let i = 0, inString = false; i <= compact.length; i++) {
      if (!inString) outside.push(i)
      if (compact[i] === '"') inString = !inString
      else if (compact[i] === '\\' && inString) i++
    }
    let body = compact
    const placed = insertions.map(([at, space]) => [outside[at % outside.length] as number, space] as const).sort((a, b) => b[0] - a[0])
    for (const [position, space] of placed) body = body.slice(0, position) + space + body.slice(position)
    let isJson = true
    try { JSON.parse(body) } catch { isJson = false }
    const expected = isJson && JSON.stringify(JSON.parse(body)) === compact
    const result = await verify({ compactJsonFallback: true }, { 'x-sig': mac('k1', Buffer.from(compact)) }, Buffer.from(body))
    assert.equal(result === undefined || (typeof result === 'object' && result !== null && 'parsed' in result), expected, body)
  }), { numRuns: 2000 })
})

test('the compact-JSON fallback looks only at bodies up to maxBytes (64 KiB with true): a larger body must be signed as sent', async () => {
  const value = { id: 'evt_big', data: { items: Array.from({ length: 3000 }, (_, i) => ({ i, name: `item ${i}` })) } }
  const pretty = Buffer.from(JSON.stringify(value, null, 2))
  const headers = { 'x-sig': mac('k1', Buffer.from(JSON.stringify(value))) }
  assert.ok(pretty.length > 64 * 1024)
  assert.equal(code(await verify({ compactJsonFallback: true }, headers, pretty)), 'HOOKGATE_SIGNATURE_INVALID')
  assert.deepEqual(await verify({ compactJsonFallback: { maxBytes: 1024 * 1024 } }, headers, pretty), { parsed: value })
  assert.equal(code(await verify({ compactJsonFallback: { maxBytes: 0 } }, { 'x-sig': mac('k1', Buffer.from('{"a":1}')) }, Buffer.from('{ "a": 1 }'))), 'HOOKGATE_SIGNATURE_INVALID')
  for (const compactJsonFallback of [{ maxBytes: -1 }, { maxBytes: 1.5 }, { failedBytesPerSecond: -1 }, { failedBytesPerSecond: 0 }, { failedBytesPerSecond: Number.NaN }, 'yes']) {
    assert.throws(() => hmacVerifier({ header: 'x-sig', secrets: 'k1', compactJsonFallback } as unknown as HmacOptions), /"hmac.compactJsonFallback"/)
  }
})

test('the compact-JSON fallback fails on at most failedBytesPerSecond of bodies: past that a body must be signed as sent until the budget refills', async () => {
  let now = 1_700_000_000_000
  const value = { id: 'evt_budget', data: { n: [1, 2, 3], note: 'pretty-printed by the sender' } }
  const pretty = Buffer.from(JSON.stringify(value, null, 2))
  const genuine = { 'x-sig': mac('k1', Buffer.from(JSON.stringify(value))) }
  const forged = { 'x-sig': mac('k1', Buffer.from('{"id":"evt_other"}')) }
  const verifier = hmacVerifier({ header: 'x-sig', secrets: 'k1', compactJsonFallback: { maxBytes: pretty.length, failedBytesPerSecond: pretty.length * 3 } })
  const attempt = async (headers: Record<string, string>): Promise<VerifyResult> => await verifier.verify({ ...request(headers, pretty), now: () => now })
  for (let i = 0; i < 5; i++) assert.deepEqual(await attempt(genuine), { parsed: value }, 'accepted ones spend nothing')
  for (let i = 0; i < 3; i++) assert.equal(code(await attempt(forged)), 'HOOKGATE_SIGNATURE_INVALID')
  assert.equal(code(await attempt(genuine)), 'HOOKGATE_SIGNATURE_INVALID', 'the budget is spent: the fallback rests')
  now += 300
  assert.equal(code(await attempt(genuine)), 'HOOKGATE_SIGNATURE_INVALID', 'a third of a second refills one body')
  now -= 60_000
  assert.equal(code(await attempt(genuine)), 'HOOKGATE_SIGNATURE_INVALID')
  now += 60_000
  assert.equal(code(await attempt(genuine)), 'HOOKGATE_SIGNATURE_INVALID', 'a clock set back and forward again refills nothing')
  now = Number.NaN
  assert.equal(code(await attempt(genuine)), 'HOOKGATE_SIGNATURE_INVALID')
  now = 1_700_000_000_000 + 400
  assert.deepEqual(await attempt(genuine), { parsed: value })
  const unbounded = hmacVerifier({ header: 'x-sig', secrets: 'k1', compactJsonFallback: { failedBytesPerSecond: Infinity } })
  for (let i = 0; i < 50; i++) await unbounded.verify({ ...request(forged, pretty), now: () => now })
  assert.deepEqual(await unbounded.verify({ ...request(genuine, pretty), now: () => now }), { parsed: value })
})

test('the compact-JSON fallback never parses a poisoned body into an object', async () => {
  const body = Buffer.from('{ "__proto__": { "polluted": true } }')
  const result = await verify({ compactJsonFallback: true }, { 'x-sig': mac('k1', Buffer.from('{"__proto__":{"polluted":true}}')) }, body)
  assert.equal(code(result), 'HOOKGATE_SIGNATURE_INVALID')
  assert.equal(({} as Record<string, unknown>).polluted, undefined)
})

test('bad options throw a TypeError at creation, naming the option', () => {
  const base: HmacOptions = { header: 'x-sig', secrets: 'k1' }
  const cases: Array<[Partial<HmacOptions> | Record<string, unknown>, RegExp]> = [
    [{ header: '' }, /"hmac.header"/],
    [{ header: 'x sig' }, /"hmac.header"/],
    [{ algorithm: 'md5' }, /"hmac.algorithm" must be one of sha1, sha256, sha512; got "md5"/],
    [{ algorithm: 'constructor' }, /"hmac.algorithm"/],
    [{ encoding: 'utf8' }, /"hmac.encoding"/],
    [{ prefix: 3 }, /"hmac.prefix"/],
    [{ secrets: '' }, /"secrets" must be a non-empty string/],
    [{ secrets: [] }, /"secrets" must be a non-empty secret/],
    [{ secrets: ['ok', ''] }, /"secrets\[1\]"/],
    [{ secrets: new Uint8Array(0) }, /"secrets"/],
    [{ secrets: undefined }, /"secrets" is required/]
  ]
  for (const [override, message] of cases) {
    assert.throws(() => hmacVerifier({ ...base, ...override } as HmacOptions), { name: 'TypeError', message }, JSON.stringify(override))
  }
})

test('the fallback never throws: a forged body nested too deep to re-serialise is simply refused', async () => {
  const body = Buffer.from('['.repeat(5000) + ']'.repeat(5000))
  const result = await verify({ compactJsonFallback: true }, { 'x-sig': mac('k1', Buffer.from('[]')) }, body)
  assert.equal(code(result), 'HOOKGATE_SIGNATURE_INVALID')
})

test('a forged compact or pretty-printed body is refused without being parsed; only one differing by escapes or number spellings is', async (t) => {
  const parse = t.mock.method(JSON, 'parse')
  const forged = mac('k9', BODY)
  assert.equal(code(await verify({ compactJsonFallback: true }, { 'x-sig': forged })), 'HOOKGATE_SIGNATURE_INVALID')
  assert.equal(parse.mock.callCount(), 0, 'compact forged body: no parse')
  assert.equal(code(await verify({ compactJsonFallback: true }, { 'x-sig': forged }, Buffer.from('{\n  "id": 1\n}'))), 'HOOKGATE_SIGNATURE_INVALID')
  assert.equal(parse.mock.callCount(), 0, 'pretty-printed forged body: its whitespace is removed, no parse')
  assert.equal(code(await verify({ compactJsonFallback: true }, { 'x-sig': forged }, Buffer.from('{ "id": 1.0 }'))), 'HOOKGATE_SIGNATURE_INVALID')
  assert.equal(parse.mock.callCount(), 1, 'a number spelling to normalise: one parse, for the fallback')
})

test('MACs are compared with timingSafeEqual, once per configured secret', async (t) => {
  const compared: number[] = []
  const original = crypto.timingSafeEqual
  t.mock.method(crypto, 'timingSafeEqual', (a: NodeJS.ArrayBufferView, b: NodeJS.ArrayBufferView) => {
    compared.push(a.byteLength, b.byteLength)
    return original(a, b)
  })
  syncBuiltinESMExports()
  t.after(() => { t.mock.restoreAll(); syncBuiltinESMExports() })
  assert.equal(code(await verify({ secrets: ['a', 'b', 'c'] }, { 'x-sig': mac('k1', BODY) })), 'HOOKGATE_SIGNATURE_INVALID')
  assert.deepEqual(compared, [32, 32, 32, 32, 32, 32])
})

test('scheme language: sha1, timestamps in milliseconds and RFC 3339, a {header:…} template, a list format', async () => {
  const body = BODY
  const sha1 = createHmac('sha1', 'k1').update(body).digest('hex')
  assert.equal(await verify({ algorithm: 'sha1', prefix: 'sha1=' }, { 'x-sig': `sha1=${sha1}` }), undefined)

  const now = Date.UTC(2024, 0, 1)
  const at = (headers: Record<string, string>, ms = now): InboundRequest => ({ body, header: (n) => headers[n], headers, now: () => ms })
  const msScheme = hmacVerifier({ header: 'x-sig', secrets: 'k1', signedContent: '{timestamp}.{body}', timestamp: { header: 'x-ts', unit: 'ms', tolerance: 60 } })
  const msSig = (ts: string): string => createHmac('sha256', 'k1').update(`${ts}.${body.toString()}`).digest('hex')
  assert.equal(await msScheme.verify(at({ 'x-sig': msSig(String(now)), 'x-ts': String(now) })), undefined)
  assert.equal(code(await msScheme.verify(at({ 'x-sig': msSig(String(now - 61_000)), 'x-ts': String(now - 61_000) }))), 'HOOKGATE_TIMESTAMP_OUT_OF_TOLERANCE')
  assert.equal(code(await msScheme.verify(at({ 'x-sig': msSig('soon'), 'x-ts': 'soon' }))), 'HOOKGATE_SIGNATURE_INVALID')

  const isoScheme = hmacVerifier({ header: 'x-sig', secrets: 'k1', signedContent: '{header:x-id}{timestamp}{body}', timestamp: { header: 'x-ts', unit: 'iso' }, format: { kind: 'list', version: 'sha256', separator: ' ', versionSeparator: '=' } })
  const iso = '2024-01-01T00:00:00.123456789Z'
  const isoSig = createHmac('sha256', 'k1').update(`m-1${iso}${body.toString()}`).digest('hex')
  assert.equal(await isoScheme.verify(at({ 'x-sig': `sha1=ignored sha256=${isoSig}`, 'x-ts': iso, 'x-id': 'm-1' })), undefined)
  assert.equal(code(await isoScheme.verify(at({ 'x-sig': `sha256=${isoSig}`, 'x-ts': iso, 'x-id': 'm-2' }))), 'HOOKGATE_SIGNATURE_INVALID', 'the id header is signed')
  assert.equal(code(await isoScheme.verify(at({ 'x-sig': `sha256=${isoSig}`, 'x-ts': iso }))), 'HOOKGATE_SIGNATURE_INVALID', 'a header the template names is missing')
  assert.equal(await isoScheme.verify(at({ 'x-sig': `sha256=zz sha256=${isoSig}`, 'x-ts': iso, 'x-id': 'm-1' })), undefined, 'an entry that does not decode is skipped, as the senders\' libraries do')
  assert.equal(code(await isoScheme.verify(at({ 'x-sig': 'sha256=zz sha256=00', 'x-ts': iso, 'x-id': 'm-1' }))), 'HOOKGATE_SIGNATURE_INVALID', 'no entry decodes')
})

test('scheme language: mistakes in a scheme throw at creation', () => {
  const base = { header: 'x-sig', secrets: 'k1' }
  const cases: Array<[Record<string, unknown>, RegExp]> = [
    [{ signedContent: '{body}{body}' }, /exactly once/],
    [{ signedContent: '{timestamp}' }, /exactly once/],
    [{ signedContent: '{nope}.{body}' }, /unknown placeholder "\{nope\}"/],
    [{ signedContent: '{timestamp}.{body}' }, /"hmac.timestamp" is required/],
    [{ timestamp: { unit: 's' } }, /needs its source/],
    [{ prefix: 'a=', format: { kind: 'single' } }, /not both/],
    [{ format: { kind: 'csv' } }, /"hmac.format.kind"/],
    [{ secretEncoding: 'hex' }, /"hmac.secretEncoding"/],
    [{ secretEncoding: 'base64', secrets: 'not base64!' }, /not valid base64/]
  ]
  for (const [override, message] of cases) {
    assert.throws(() => hmacVerifier({ ...base, ...override } as HmacOptions), { name: 'TypeError', message }, JSON.stringify(override))
  }
})
