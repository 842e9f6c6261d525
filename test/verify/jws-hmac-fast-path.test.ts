// HS256/384/512 detached JWS are checked with node:crypto instead of jose. These properties hold that
// fast path to jose: for every generated JWS it accepts exactly what jose accepts (of signatures in
// their canonical spelling), both through the verifier (a CryptoKey sends it down jose's path) and
// against jose's flattenedVerify called bare.
import assert from 'node:assert/strict'
import { createHmac, createSecretKey, webcrypto } from 'node:crypto'
import { test } from 'node:test'
import fc from 'fast-check'
import { flattenedVerify, type CryptoKey } from 'jose'
import { HookgateError } from '../../src/core/errors.js'
import type { InboundRequest, Verifier } from '../../src/core/types.js'
import { detachedJwsVerifier, type JwsAlgorithm } from '../../src/verify/jws-detached.js'

const SECRET = 'bread-fast-path-secret-0123456789'
const OTHER_SECRET = 'another-secret-altogether-987654'
const HEADER = 'x-jws-signature'
const ALGORITHMS = ['HS256', 'HS384', 'HS512'] as const
const BASE64URL_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'

const b64url = (value: string | Uint8Array): string => Buffer.from(value).toString('base64url')

function request (jws: string, body: Buffer): InboundRequest {
  const headers: Record<string, string> = { [HEADER]: jws }
  return { body, header: (name) => headers[name], headers, now: () => Date.now() }
}

async function accepts (verifier: Verifier, jws: string, body: Buffer): Promise<boolean> {
  const result = await verifier.verify(request(jws, body))
  if (result !== undefined && !(result instanceof HookgateError)) throw new TypeError('unexpected verify() result')
  if (result instanceof HookgateError) assert.equal(result.statusCode, 401, result.reason)
  return result === undefined
}

/** jose alone, fed the detached payload the way the verifier did before it had a fast path. */
async function joseAccepts (jws: string, body: Buffer, key: CryptoKey, alg: string): Promise<boolean> {
  const [protectedPart = '', , signature = ''] = jws.split('.')
  let b64False = false
  try {
    b64False = (JSON.parse(Buffer.from(protectedPart, 'base64url').toString('utf8')) as { b64?: unknown }).b64 === false
  } catch {}
  try {
    await flattenedVerify({ protected: protectedPart, payload: b64False ? body : body.toString('base64url'), signature }, key, { algorithms: [alg] })
    return true
  } catch {
    return false
  }
}

/** A protected header that is sometimes fine and sometimes breaks one of jose's rules. */
const protectedHeader = (alg: string): fc.Arbitrary<Record<string, unknown>> => fc.record({
  alg: fc.oneof({ arbitrary: fc.constant(alg), weight: 6 }, fc.constantFrom('HS256', 'HS512', 'none', 'RS256')),
  kid: fc.constant('k1'),
  b64: fc.oneof({ arbitrary: fc.constantFrom(undefined, false), weight: 4 }, fc.constantFrom(true, 'false', 0)),
  crit: fc.oneof({ arbitrary: fc.constantFrom(undefined, ['b64']), weight: 4 }, fc.constantFrom([], ['b64', 'x'], ['x'], [1], 'b64'))
}, { requiredKeys: ['alg', 'kid'] }).map((h) => Object.fromEntries(Object.entries(h).filter(([, v]) => v !== undefined)))

/** What is done to a correctly made JWS before it is sent. */
const mutation = fc.oneof(
  { arbitrary: fc.constant({ kind: 'none' as const }), weight: 5 },
  fc.record({ kind: fc.constant('flip' as const), at: fc.nat(), to: fc.integer({ min: 0, max: 63 }) }),
  fc.record({ kind: fc.constant('last-char' as const), to: fc.integer({ min: 0, max: 63 }) }),
  fc.record({ kind: fc.constant('append-signature' as const), char: fc.integer({ min: 0, max: 63 }) }),
  fc.record({ kind: fc.constant('append-protected' as const), char: fc.integer({ min: 0, max: 63 }) }),
  fc.record({ kind: fc.constant('truncate' as const), by: fc.integer({ min: 1, max: 5 }) }),
  fc.constant({ kind: 'sign-long-protected' as const })
)

function mutate (protectedPart: string, signature: string, m: { kind: string, at?: number, to?: number, char?: number, by?: number }): string {
  const char = (i: number | undefined): string => BASE64URL_ALPHABET[(i ?? 0) % 64] as string
  switch (m.kind) {
    case 'flip': {
      const at = (m.at ?? 0) % signature.length
      return `${protectedPart}..${signature.slice(0, at)}${char(m.to)}${signature.slice(at + 1)}`
    }
    case 'last-char': return `${protectedPart}..${signature.slice(0, -1)}${char(m.to)}`
    case 'append-signature': return `${protectedPart}..${signature}${char(m.char)}`
    case 'append-protected': return `${protectedPart}${char(m.char)}..${signature}`
    case 'truncate': return `${protectedPart}..${signature.slice(0, -(m.by ?? 1))}`
    default: return `${protectedPart}..${signature}`
  }
}

for (const alg of ALGORITHMS) {
  test(`${alg}: the node:crypto fast path accepts exactly what jose accepts`, async () => {
    const bits = alg.slice(2)
    const cryptoKey = await webcrypto.subtle.importKey('raw', Buffer.from(SECRET), { name: 'HMAC', hash: `SHA-${bits}` }, false, ['verify']) as CryptoKey
    const algorithms: JwsAlgorithm[] = [alg]
    const fastWithText = detachedJwsVerifier({ header: HEADER, algorithms, keys: { k1: SECRET } })
    const fastWithKeyObject = detachedJwsVerifier({ header: HEADER, algorithms, keys: { k1: createSecretKey(Buffer.from(SECRET)) } })
    const throughJose = detachedJwsVerifier({ header: HEADER, algorithms, keys: { k1: cryptoKey } })
    let accepted = 0
    await fc.assert(fc.asyncProperty(
      protectedHeader(alg), fc.uint8Array({ maxLength: 80 }), fc.constantFrom('as the header says', 'as the header says', 'raw', 'encoded'),
      fc.constantFrom(SECRET, SECRET, SECRET, OTHER_SECRET), fc.constantFrom(256, 384, 512, Number(bits), Number(bits), Number(bits)), mutation,
      async (header, bodyBytes, payloadForm, secret, signBits, m) => {
        const body = Buffer.from(bodyBytes)
        // A signer may also sign a protected part one character too long (4n+1: not base64url).
        const protectedPart = b64url(JSON.stringify(header)) + (m.kind === 'sign-long-protected' ? 'A' : '')
        // The signer may encode the payload or not, whatever the header says: a mismatch must be refused.
        const signRaw = payloadForm === 'as the header says' ? header.b64 === false : payloadForm === 'raw'
        const signature = createHmac(`sha${signBits}`, secret).update(`${protectedPart}.`).update(signRaw ? body : body.toString('base64url')).digest('base64url')
        const jws = mutate(protectedPart, signature, m)
        // jose also accepts a signature whose last character has its unused bits set; hookgate holds
        // every signature to its one canonical spelling (security.md), on either path.
        const [, , given = ''] = jws.split('.')
        const canonical = Buffer.from(given, 'base64url').toString('base64url') === given
        const expected = canonical && await joseAccepts(jws, body, cryptoKey, alg)
        assert.equal(await accepts(throughJose, jws, body), expected, `through jose: ${jws}`)
        assert.equal(await accepts(fastWithText, jws, body), expected, `fast path, text secret: ${jws}`)
        assert.equal(await accepts(fastWithKeyObject, jws, body), expected, `fast path, KeyObject: ${jws}`)
        if (expected) accepted++
      }
    ), { numRuns: 1500 })
    // The generators must reach both verdicts, or the property proves little.
    assert.ok(accepted > 30, `only ${accepted} generated JWS were genuine`)
  })
}

test('the fast path refuses a forged JWS without building a stack trace', async () => {
  const verifier = detachedJwsVerifier({ header: HEADER, keys: { k1: SECRET } })
  const protectedPart = b64url(JSON.stringify({ alg: 'HS256', kid: 'k1' }))
  const forged = `${protectedPart}..${createHmac('sha256', OTHER_SECRET).update(`${protectedPart}.${b64url('{}')}`).digest('base64url')}`
  const result = verifier.verify(request(forged, Buffer.from('{}')))
  // Answered synchronously: no promise, no jose error.
  assert.ok(result instanceof HookgateError)
  assert.equal(result.code, 'HOOKGATE_SIGNATURE_INVALID')
  assert.equal(result.cause, undefined)
})
