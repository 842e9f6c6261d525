import { createHmac, getHashes, timingSafeEqual } from 'node:crypto'
import { refusal } from '../core/errors.js'
import { compactForm, mayDifferFromCompact } from './compact-json.js'
import type { InboundRequest, Verifier, VerifyResult } from '../core/types.js'
import { secretProvider, type SecretSource } from './secrets.js'

export type HmacAlgorithm = 'sha256' | 'sha512'
export type SignatureEncoding = 'hex' | 'base64' | 'base64url'

const DIGEST_BYTES: Readonly<Record<HmacAlgorithm, number>> = { sha256: 32, sha512: 64 }

export interface HmacOptions {
  /** Header carrying the signature, e.g. `x-bc-signature` (any case). */
  header: string
  /** The secret, several during a rotation (any one may match), or a function returning them. */
  secrets: SecretSource
  /** @default 'sha256' */
  algorithm?: HmacAlgorithm
  /** How the MAC is written in the header. @default 'hex' */
  encoding?: SignatureEncoding
  /** Text before the encoded MAC, e.g. `sha256=`. @default '' */
  prefix?: string
  /**
   * Also accept a MAC over the compact re-serialisation (`JSON.stringify(JSON.parse(body))`) when
   * the one over the raw bytes does not match: for senders that sign their own compact
   * serialisation but transmit it pretty-printed. Still proves the sender signed that content.
   * @default false
   */
  compactJsonFallback?: boolean
}

function encodedLength (bytes: number, encoding: SignatureEncoding): number {
  if (encoding === 'hex') return bytes * 2
  if (encoding === 'base64') return Math.ceil(bytes / 3) * 4
  return Math.ceil(bytes * 4 / 3)
}

/**
 * Verifies an HMAC of the raw body carried in one header. The header must have exactly the length
 * the algorithm and encoding produce (which bounds it and catches a repeated header that Node joined
 * with ", "), the MAC is compared with `timingSafeEqual`, and every configured secret is tried.
 */
export function hmacVerifier (options: HmacOptions): Verifier {
  if (options === null || typeof options !== 'object') throw new TypeError('"hmac" options must be an object')
  const { header, prefix = '', algorithm = 'sha256', encoding = 'hex', compactJsonFallback = false } = options
  if (typeof header !== 'string' || !/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(header)) {
    throw new TypeError('"hmac.header" must be a non-empty HTTP header name')
  }
  if (!Object.hasOwn(DIGEST_BYTES, algorithm) || !getHashes().includes(algorithm)) {
    throw new TypeError(`"hmac.algorithm" must be one of ${Object.keys(DIGEST_BYTES).join(', ')}; got "${String(algorithm)}"`)
  }
  if (encoding !== 'hex' && encoding !== 'base64' && encoding !== 'base64url') {
    throw new TypeError(`"hmac.encoding" must be hex, base64 or base64url; got "${String(encoding)}"`)
  }
  if (typeof prefix !== 'string') throw new TypeError('"hmac.prefix" must be a string')
  const secrets = secretProvider(options.secrets, 'secrets')
  const headerName = header.toLowerCase()
  const digestBytes = DIGEST_BYTES[algorithm]
  const expectedLength = prefix.length + encodedLength(digestBytes, encoding)

  function decode (value: string): Buffer | undefined {
    if (value.length !== expectedLength || !value.startsWith(prefix)) return undefined
    const text = prefix === '' ? value : value.slice(prefix.length)
    const mac = Buffer.from(text, encoding)
    if (mac.length !== digestBytes) return undefined
    // Only the canonical spelling is accepted: Node's base64 decoders skip characters outside the
    // alphabet and its hex decoder ignores case, so without this one MAC would have many spellings.
    if (mac.toString(encoding) !== text) return undefined
    return mac
  }

  function signedBy (keys: readonly Buffer[], data: Buffer, mac: Buffer): boolean {
    for (const key of keys) {
      if (timingSafeEqual(createHmac(algorithm, key).update(data).digest(), mac)) return true
    }
    return false
  }

  function check (keys: readonly Buffer[], body: Buffer, mac: Buffer): VerifyResult {
    if (signedBy(keys, body, mac)) return undefined
    if (compactJsonFallback && mayDifferFromCompact(body)) {
      // Parses bytes that are not yet authenticated: bounded by the body limit, prototype-safe, and
      // its result is used only if the MAC over the compact form then matches.
      const compact = compactForm(body)
      if (compact !== undefined && !compact.bytes.equals(body) && signedBy(keys, compact.bytes, mac)) return { parsed: compact.value }
    }
    return refusal('HOOKGATE_SIGNATURE_INVALID', { reason: 'no configured secret produces this signature' })
  }

  return {
    name: 'hmac',
    verify (request: InboundRequest): VerifyResult | Promise<VerifyResult> {
      const value = request.header(headerName)
      if (value === undefined || value === '') {
        return refusal('HOOKGATE_SIGNATURE_MISSING', { reason: `no ${headerName} header` })
      }
      const mac = decode(value)
      if (mac === undefined) {
        const reason = value.includes(',') ? `${headerName} holds several values` : `${headerName} is malformed`
        return refusal('HOOKGATE_SIGNATURE_INVALID', { reason })
      }
      if (typeof secrets !== 'function') return check(secrets, request.body, mac)
      return secrets().then(
        (keys) => check(keys, request.body, mac),
        (err: unknown) => refusal('HOOKGATE_SECRETS_UNAVAILABLE', { reason: 'the secrets function failed', cause: err })
      )
    }
  }
}
