import { Buffer } from 'node:buffer'
import { createHmac, KeyObject, timingSafeEqual } from 'node:crypto'
import {
  createLocalJWKSet, createRemoteJWKSet, errors as joseErrors, flattenedVerify, importJWK,
  type CryptoKey, type FlattenedJWSInput, type JSONWebKeySet, type JWK, type JWSHeaderParameters
} from 'jose'
import { HookgateError, refusal } from '../core/errors.js'
import type { InboundRequest, Verifier, VerifyResult } from '../core/types.js'
import { checkTolerance, parseRfc3339, toleranceOption } from './timestamp.js'

/** A verification key: an HMAC secret (text or bytes), a `KeyObject`, a `CryptoKey` or a JWK. */
export type JwsKey = string | Uint8Array | KeyObject | CryptoKey | JWK

const SYMMETRIC = ['HS256', 'HS384', 'HS512'] as const
const ASYMMETRIC = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA', 'Ed25519'] as const
export type JwsAlgorithm = typeof SYMMETRIC[number] | typeof ASYMMETRIC[number]
const KNOWN_ALGORITHMS: ReadonlySet<string> = new Set([...SYMMETRIC, ...ASYMMETRIC])

export interface JwsTimestampOptions {
  /** The HTTP header the protected parameter must equal, e.g. `timestamp`. */
  header: string
  /** The critical protected-header parameter carrying the time (RFC 3339). @default 'Timestamp' */
  parameter?: string
  /** Largest accepted distance from now, in seconds, in either direction. @default 300 */
  tolerance?: number
}

export interface DetachedJwsOptions {
  /** Header carrying the compact JWS with an empty payload part, e.g. `x-jws-signature`. */
  header: string
  /** Accepted `alg` values; `none` never is. @default ['HS256'] */
  algorithms?: readonly JwsAlgorithm[]
  /** Keys by `kid`; several may be live at once during a rotation. */
  keys?: Readonly<Record<string, JwsKey>>
  /** A local JWK Set; the key is chosen by `kid` and `alg`. */
  jwks?: JSONWebKeySet
  /**
   * A remote JWK Set, fetched on first use, refreshed after `maxAge` and on an unknown `kid` at most
   * once per `cooldown`; a failed signature never causes a fetch.
   */
  jwksUrl?: string | URL
  jwksOptions?: {
    /** Seconds between refetches on an unknown `kid`. @default 30 */ cooldown?: number
    /** Seconds a fetched set is used before a refetch. @default 600 */ maxAge?: number
    /** Milliseconds before a fetch is abandoned. @default 5000 */ timeout?: number
  }
  /**
   * Any other key store: resolve the key from the (unverified) protected header. Called for every
   * request that passes the cheap checks, forged ones included: keep it local and cached, and never
   * fetch a URL taken from the header (`jku`, `x5u`). `undefined` = unknown kid (401); a throw = 503.
   */
  getKey?: (header: JWSHeaderParameters) => JwsKey | undefined | Promise<JwsKey | undefined>
  /** Require a critical time parameter equal to an HTTP header and within a tolerance. */
  timestamp?: JwsTimestampOptions
}

/** Longer signature headers are refused unread (an RSA-4096 JWS is about 1 KiB). */
const MAX_HEADER_LENGTH = 8192
const MAX_KID_LENGTH = 256
const BASE64URL = /^[A-Za-z0-9_-]+$/

type KeyMaterial = CryptoKey | KeyObject | Uint8Array
/**
 * Resolves the key for a protected header, or the refusal: 401 when no key fits, 503 when the store
 * could not be asked. Configured keys come back at once, key stores through a promise.
 */
type KeyResolver = (header: JWSHeaderParameters, jws: FlattenedJWSInput) => KeyMaterial | HookgateError | Promise<KeyMaterial | HookgateError>
/** The detached JWS with its payload put back: base64url of the body, or the body itself when `b64` is false. */
interface DetachedJws { protected: string, payload: string | Buffer, signature: string }

// WebCrypto's CryptoKey is a global in Node 20, but not in the ES lib this package compiles against.
const CryptoKeyClass = (globalThis as { CryptoKey?: abstract new () => CryptoKey }).CryptoKey

function isKeyObject (key: unknown): key is KeyObject | CryptoKey {
  return key instanceof KeyObject || (CryptoKeyClass !== undefined && key instanceof CryptoKeyClass)
}

/**
 * Whether bytes given as an HMAC secret are really a public or private key (PEM text, or DER: an
 * ASN.1 SEQUENCE spanning exactly the whole buffer). Used as an HMAC secret, a public key is public:
 * anyone could sign HS256 with it, the classic algorithm-confusion attack.
 */
function looksLikeKeyEncoding (secret: string | Uint8Array): boolean {
  const bytes = typeof secret === 'string' ? Buffer.from(secret, 'utf8') : secret
  if (Buffer.from(bytes.subarray(0, 64)).toString('latin1').trimStart().startsWith('-----BEGIN')) return true
  if (bytes[0] !== 0x30 || bytes.length < 4) return false
  const first = bytes[1] as number
  if (first < 0x80) return first === bytes.length - 2
  const octets = first & 0x7f
  if (octets < 1 || octets > 3) return false
  let length = 0
  for (let i = 0; i < octets; i++) length = length * 256 + (bytes[2 + i] as number)
  return length === bytes.length - 2 - octets
}

function checkKey (key: unknown, option: string): void {
  if (typeof key === 'string' || key instanceof Uint8Array) {
    if ((typeof key === 'string' ? key.length : key.byteLength) === 0) throw new TypeError(`"${option}" must not be empty`)
    if (looksLikeKeyEncoding(key)) {
      throw new TypeError(`"${option}" is a PEM or DER key, not an HMAC secret: pass a KeyObject (crypto.createPublicKey) or a JWK`)
    }
    return
  }
  if (isKeyObject(key) || (key !== null && typeof key === 'object' && typeof (key as { kty?: unknown }).kty === 'string')) return
  throw new TypeError(`"${option}" must be a non-empty secret, a KeyObject, a CryptoKey or a JWK`)
}

/** The node:crypto digest behind each HMAC `alg`. */
const HMAC_DIGESTS: Readonly<Record<string, string | undefined>> = Object.assign(Object.create(null) as Record<string, string>, { HS256: 'sha256', HS384: 'sha384', HS512: 'sha512' })

/**
 * An HMAC JWS checked with node:crypto, which accepts and refuses exactly what jose does for a raw
 * secret or a secret KeyObject (test/verify/jws-hmac-fast-path.test.ts holds it to that): jose's
 * asynchronous WebCrypto path costs several times the MAC itself on small bodies, and its errors
 * carry stack traces that would make a forged request dearer than a genuine one.
 */
function hmacSignatureMatches (digest: string, key: Uint8Array | KeyObject, jws: DetachedJws): boolean {
  const expected = createHmac(digest, key).update(jws.protected).update('.').update(jws.payload).digest()
  // The signature's unused bits were checked with its shape (unusedBitsClear), as jose does not.
  const given = Buffer.from(jws.signature, 'base64url')
  return given.length === expected.length && timingSafeEqual(given, expected)
}

/**
 * Whether the last character of a base64url text leaves the bits it does not use at zero, as every
 * encoder writes them. Decoders (Buffer's, and jose's atob) ignore those bits, so without this one
 * signature would have up to 16 accepted spellings (security.md: one spelling per signature).
 */
function unusedBitsClear (text: string): boolean {
  const unused = text.length % 4 === 2 ? 0b1111 : text.length % 4 === 3 ? 0b11 : 0
  if (unused === 0) return true
  const last = text.charCodeAt(text.length - 1)
  const value = last === 0x2d ? 62 : last === 0x5f ? 63 : last >= 0x61 ? last - 0x61 + 26 : last >= 0x41 ? last - 0x41 : last - 0x30 + 52
  return (value & unused) === 0
}

/** Imported JWKs, per JWK object and algorithm; the object, not a header value, is the identity. */
type ImportCache = WeakMap<JWK, Map<string, Promise<CryptoKey | Uint8Array>>>

/** Turns a configured key into what jose takes; a JWK is imported once per algorithm. */
/** Why a JWK may not verify a JWS with `alg`, by the JWK's own `use`, `key_ops` and `alg` (as jose decides). */
function jwkMismatch (key: JWK, alg: string): string | undefined {
  if (key.use !== undefined && key.use !== 'sig') return `the key for this kid is for "${key.use}", not signatures`
  if (Array.isArray(key.key_ops) && !key.key_ops.includes('verify')) return 'the key for this kid does not allow "verify"'
  if (key.alg !== undefined && key.alg !== alg) return `the key for this kid is for ${key.alg}, not ${alg}`
  return undefined
}

async function keyMaterial (key: JwsKey, alg: string, imported: ImportCache): Promise<KeyMaterial | HookgateError> {
  if (typeof key === 'string') return Buffer.from(key, 'utf8')
  if (key instanceof Uint8Array || isKeyObject(key)) return key
  // Checked before importing: the import takes alg from the header, and the HMAC fast path never
  // hands the JWK itself to jose.
  const mismatch = jwkMismatch(key, alg)
  if (mismatch !== undefined) return invalid(mismatch)
  let byAlg = imported.get(key)
  if (byAlg === undefined) {
    byAlg = new Map()
    imported.set(key, byAlg)
  }
  let pending = byAlg.get(alg)
  if (pending === undefined) {
    pending = importJWK(key, alg)
    byAlg.set(alg, pending)
  }
  try {
    return await pending
  } catch (err) {
    // The header's (attacker-chosen) alg does not fit this JWK.
    return invalid(`the key for this kid cannot be used with ${alg}`, err)
  }
}

function unavailable (err: unknown): HookgateError {
  return refusal('HOOKGATE_SECRETS_UNAVAILABLE', { reason: 'the key store could not be read', cause: err })
}

/** jose's JWK Set lookups: these errors mean no key fits the header; any other means the set could not be loaded. */
function fromKeySet (lookup: (header: JWSHeaderParameters, jws: FlattenedJWSInput) => Promise<CryptoKey>): KeyResolver {
  return async (header, jws) => {
    try {
      return await lookup(header, jws)
    } catch (err) {
      if (err instanceof joseErrors.JWKSNoMatchingKey || err instanceof joseErrors.JWKSMultipleMatchingKeys || err instanceof joseErrors.JOSENotSupported) {
        return invalid('no key in the key set matches kid and alg', err)
      }
      return unavailable(err)
    }
  }
}

/** How option errors name the options: `owner` for the whole, `prefix` before each option's path. */
export interface OptionScope {
  readonly owner: string
  readonly prefix: string
}

const JWS_SCOPE: OptionScope = { owner: '"jws"', prefix: 'jws.' }

function keyResolver (options: DetachedJwsOptions, scope: OptionScope): KeyResolver {
  const sources = (['keys', 'jwks', 'jwksUrl', 'getKey'] as const).filter((name) => options[name] !== undefined)
  if (sources.length !== 1) {
    throw new TypeError(`${scope.owner} needs exactly one of "keys", "jwks", "jwksUrl" or "getKey"; got ${sources.length === 0 ? 'none' : sources.join(', ')}`)
  }
  const imported: ImportCache = new WeakMap()
  if (options.keys !== undefined) {
    if (options.keys === null || typeof options.keys !== 'object') throw new TypeError(`"${scope.prefix}keys" must be an object of keys by kid`)
    // A Map, so that a `kid` such as "__proto__" or "constructor" can only find a configured key.
    const byKid = new Map<string, JwsKey>(Object.entries(options.keys))
    if (byKid.size === 0) throw new TypeError(`"${scope.prefix}keys" must hold at least one key`)
    for (const [kid, key] of byKid) checkKey(key, `${scope.prefix}keys.${kid}`)
    const secrets = new Map<string, Uint8Array>()
    for (const [kid, key] of byKid) if (typeof key === 'string') secrets.set(kid, Buffer.from(key, 'utf8'))
    return (header) => {
      const key = typeof header.kid === 'string' ? byKid.get(header.kid) : undefined
      if (key === undefined) return invalid('unknown kid')
      if (typeof key === 'string') return secrets.get(header.kid as string) as Uint8Array
      if (key instanceof Uint8Array || isKeyObject(key)) return key
      return keyMaterial(key, String(header.alg), imported)
    }
  }
  if (options.jwks !== undefined) {
    if (options.jwks === null || !Array.isArray(options.jwks.keys)) throw new TypeError(`"${scope.prefix}jwks" must be a JWK Set: { keys: [...] }`)
    return fromKeySet(createLocalJWKSet(options.jwks))
  }
  if (options.jwksUrl !== undefined) {
    let url: URL
    try {
      url = new URL(options.jwksUrl)
    } catch {
      throw new TypeError(`"${scope.prefix}jwksUrl" must be an absolute URL`)
    }
    const { cooldown = 30, maxAge = 600, timeout = 5000 } = options.jwksOptions ?? {}
    return fromKeySet(createRemoteJWKSet(url, { cooldownDuration: cooldown * 1000, cacheMaxAge: maxAge * 1000, timeoutDuration: timeout }))
  }
  const getKey = options.getKey
  if (typeof getKey !== 'function') throw new TypeError(`"${scope.prefix}getKey" must be a function`)
  return async (header) => {
    let key: JwsKey | undefined
    try {
      key = await getKey(header)
    } catch (err) {
      return unavailable(err)
    }
    if (key === undefined) return invalid('unknown kid')
    try {
      checkKey(key, `the key returned by ${scope.prefix}getKey`)
    } catch (err) {
      return unavailable(err)
    }
    return await keyMaterial(key, String(header.alg), imported)
  }
}

function invalid (reason: string, cause?: unknown): HookgateError {
  return refusal('HOOKGATE_SIGNATURE_INVALID', cause === undefined ? { reason } : { reason, cause })
}

/**
 * Whether the payload is base64url-encoded (RFC 7797): `b64` counts only when `crit` lists it, and
 * then must be a boolean; `undefined` when the header breaks that rule (jose refuses it too).
 */
function payloadEncoded (header: JWSHeaderParameters): boolean | undefined {
  const listed = Array.isArray(header.crit) && header.crit.includes('b64')
  if (!listed) return header.b64 === false ? undefined : true
  return typeof header.b64 === 'boolean' ? header.b64 : undefined
}

function decodeHeader (segment: string): JWSHeaderParameters | undefined {
  try {
    const header: unknown = JSON.parse(Buffer.from(segment, 'base64url').toString('utf8'))
    return header !== null && typeof header === 'object' && !Array.isArray(header) ? header as JWSHeaderParameters : undefined
  } catch {
    return undefined
  }
}

/**
 * Verifies a compact JWS with a detached payload (RFC 7515 appendix F: `<header>..<signature>`)
 * over the raw body, with jose; also the unencoded form (RFC 7797, `b64: false`). The cheap checks
 * (shape, `alg` allow-list, `crit`, timestamp, `kid`) run before any key is looked up or any MAC
 * computed, so a forged request costs little and never causes a key fetch.
 */
export function detachedJwsVerifier (options: DetachedJwsOptions): Verifier {
  return scopedJwsVerifier(options, JWS_SCOPE)
}

/** detachedJwsVerifier() whose option errors name the options as `scope` does: how a preset passing its own options through has them named after its own. */
export function scopedJwsVerifier (options: DetachedJwsOptions, scope: OptionScope): Verifier {
  if (options === null || typeof options !== 'object') throw new TypeError(`${scope.owner} options must be an object`)
  const { header, algorithms = ['HS256'], timestamp } = options
  if (typeof header !== 'string' || !/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(header)) {
    throw new TypeError(`"${scope.prefix}header" must be a non-empty HTTP header name`)
  }
  if (!Array.isArray(algorithms) || algorithms.length === 0) throw new TypeError(`"${scope.prefix}algorithms" must be a non-empty list`)
  for (const alg of algorithms) {
    if (String(alg).toLowerCase() === 'none') throw new TypeError(`"${scope.prefix}algorithms" must not include "none": an unsigned JWS proves nothing`)
    if (!KNOWN_ALGORITHMS.has(alg)) throw new TypeError(`"${scope.prefix}algorithms" has an unknown algorithm "${String(alg)}"; known: ${[...KNOWN_ALGORITHMS].join(', ')}`)
  }
  const allowed: ReadonlySet<string> = new Set(algorithms)
  const resolveKey = keyResolver(options, scope)
  const headerName = header.toLowerCase()

  let timeHeader: string | undefined
  let timeParameter = 'Timestamp'
  let tolerance = 300
  if (timestamp !== undefined) {
    if (typeof timestamp.header !== 'string' || timestamp.header === '') throw new TypeError(`"${scope.prefix}timestamp.header" must be a header name`)
    timeHeader = timestamp.header.toLowerCase()
    timeParameter = timestamp.parameter ?? 'Timestamp'
    if (typeof timeParameter !== 'string' || timeParameter === '' || timeParameter === 'b64') throw new TypeError(`"${scope.prefix}timestamp.parameter" must be a header parameter name`)
    tolerance = toleranceOption(timestamp.tolerance, 300, `${scope.prefix}timestamp.tolerance`)
  }
  // jose checks that every `crit` entry is one of these and is integrity protected; b64 is built in.
  const crit = timeHeader === undefined ? {} : { [timeParameter]: true }
  const understood: ReadonlySet<string> = new Set(['b64', ...Object.keys(crit)])
  const verifyOptions = { algorithms: [...allowed], crit }

  function precheck (request: InboundRequest, jwsHeader: JWSHeaderParameters): HookgateError | undefined {
    if (typeof jwsHeader.alg !== 'string' || !allowed.has(jwsHeader.alg)) return invalid(`alg ${JSON.stringify(jwsHeader.alg)?.slice(0, 20)} is not allowed`)
    if (jwsHeader.kid !== undefined && (typeof jwsHeader.kid !== 'string' || jwsHeader.kid.length > MAX_KID_LENGTH)) return invalid('kid is malformed')
    const critical: unknown = jwsHeader.crit
    if (critical !== undefined) {
      if (!Array.isArray(critical) || critical.length === 0) return invalid('crit is malformed')
      for (const name of critical) {
        if (typeof name !== 'string' || !understood.has(name)) return invalid('crit names a parameter hookgate does not understand')
      }
    }
    if (timeHeader === undefined) return undefined
    if (!Array.isArray(critical) || !critical.includes(timeParameter)) return invalid(`crit does not list ${timeParameter}`)
    const signedTime: unknown = jwsHeader[timeParameter]
    if (typeof signedTime !== 'string') return invalid(`protected header has no ${timeParameter}`)
    const sentTime = request.header(timeHeader)
    if (sentTime === undefined) return invalid(`no ${timeHeader} header`)
    if (sentTime !== signedTime) return invalid(`${timeHeader} header differs from the signed ${timeParameter}`)
    const ms = parseRfc3339(signedTime)
    if (ms === undefined) return invalid(`${timeParameter} is not an RFC 3339 date-time`)
    return checkTolerance(ms, request.now(), tolerance)
  }

  function checkSignature (jws: DetachedJws, jwsHeader: JWSHeaderParameters, key: KeyMaterial | HookgateError): VerifyResult | Promise<VerifyResult> {
    if (key instanceof HookgateError) return key
    const digest = HMAC_DIGESTS[jwsHeader.alg as string]
    if (digest !== undefined && (key instanceof Uint8Array || (key instanceof KeyObject && key.type === 'secret'))) {
      return hmacSignatureMatches(digest, key, jws) ? undefined : invalid('ERR_JWS_SIGNATURE_VERIFICATION_FAILED')
    }
    return verifyWithJose(jws, key)
  }

  async function verifyWithJose (jws: DetachedJws, key: KeyMaterial): Promise<VerifyResult> {
    try {
      await flattenedVerify(jws, key, verifyOptions)
      return undefined
    } catch (err) {
      return invalid((err as { code?: string }).code ?? 'jws verification failed', err)
    }
  }

  return {
    name: 'jws-detached',
    headers: timeHeader === undefined ? [headerName] : [headerName, timeHeader],
    verify (request: InboundRequest): VerifyResult | Promise<VerifyResult> {
      const value = request.header(headerName)
      if (value === undefined || value === '') return refusal('HOOKGATE_SIGNATURE_MISSING', { reason: `no ${headerName} header` })
      if (value.length > MAX_HEADER_LENGTH) return invalid(`${headerName} is too long`)
      const parts = value.split('.')
      if (parts.length !== 3) return invalid(value.includes(',') ? `${headerName} holds several values` : 'not a compact JWS')
      const [protectedPart = '', payloadPart, signature = ''] = parts
      if (payloadPart !== '') return invalid('the JWS carries a payload; a detached one is expected')
      // A length of 4n+1 is not base64url at all (jose's decoder refuses it; Buffer's would drop a character).
      if (!BASE64URL.test(protectedPart) || !BASE64URL.test(signature) || protectedPart.length % 4 === 1 || signature.length % 4 === 1) {
        return invalid('the JWS is not base64url')
      }
      if (!unusedBitsClear(signature)) return invalid('the signature is not canonical base64url')
      const jwsHeader = decodeHeader(protectedPart)
      if (jwsHeader === undefined) return invalid('the protected header is not a JSON object')
      const early = precheck(request, jwsHeader)
      if (early !== undefined) return early
      const encoded = payloadEncoded(jwsHeader)
      if (encoded === undefined) return invalid('b64 must be a boolean listed in crit')
      const jws: DetachedJws = { protected: protectedPart, payload: encoded ? request.body.toString('base64url') : request.body, signature }
      const key = resolveKey(jwsHeader, jws)
      return key instanceof Promise ? key.then((resolved) => checkSignature(jws, jwsHeader, resolved)) : checkSignature(jws, jwsHeader, key)
    }
  }
}
