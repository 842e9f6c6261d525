import { Buffer } from 'node:buffer'
import { createHmac, timingSafeEqual } from 'node:crypto'
import { refusal, type HookgateError } from '../core/errors.js'
import type { InboundRequest, Verifier, VerifyResult } from '../core/types.js'
import { parseJson } from '../core/json.js'
import { compactDifference, compactForm, FallbackBudget, fallbackOptions, type CompactJsonFallback } from './compact-json.js'
import { secretProvider, type SecretSource } from './secrets.js'
import { signatureParser, type SignatureFormat } from './signature-header.js'
import { signedContent, type SignedContentTemplate } from './signed-content.js'
import { checkTolerance, timestampParser, toleranceOption } from './timestamp.js'

export type HmacAlgorithm = 'sha1' | 'sha256' | 'sha512'
export type SignatureEncoding = 'hex' | 'base64' | 'base64url'

const DIGEST_BYTES: Readonly<Record<HmacAlgorithm, number>> = { sha1: 20, sha256: 32, sha512: 64 }

export interface HmacTimestampOptions {
  /** The header carrying it, unless the signature header does (`format.timestampKey`). */
  header?: string
  /** `s` (Unix seconds), `ms` (Unix milliseconds) or `iso` (RFC 3339). @default 's' */
  unit?: 's' | 'ms' | 'iso'
  /** Largest distance from now, in seconds, in either direction. @default 300 */
  tolerance?: number
}

/**
 * An HMAC scheme described as data: where the signatures are and how they are written, what is
 * signed, how the secret is encoded, and where the signed timestamp comes from.
 * @example GitHub: { header: 'x-hub-signature-256', format: { kind: 'single', prefix: 'sha256=' }, secrets }
 * @example Stripe: { header: 'stripe-signature', format: { kind: 'pairs', key: 'v1', timestampKey: 't' }, signedContent: '{timestamp}.{body}', timestamp: {}, secrets }
 */
export interface HmacOptions {
  /** Header carrying the signature(s), e.g. `x-bc-signature` (any case). */
  header: string
  /** The secret, several during a rotation (any one may match), or a function returning them. */
  secrets: SecretSource
  /** @default 'sha256' (sha1 only for senders that still require it) */
  algorithm?: HmacAlgorithm
  /** How each MAC is written. Only the canonical spelling is accepted. @default 'hex' */
  encoding?: SignatureEncoding
  /** Shorthand for `format: { kind: 'single', prefix }`. @default '' */
  prefix?: string
  /** How signatures are laid out in the header. @default { kind: 'single' } */
  format?: SignatureFormat
  /** What is signed. @default '{body}' */
  signedContent?: SignedContentTemplate
  /** Strip this from each secret before decoding it, e.g. `whsec_`. */
  secretPrefix?: string
  /** How the secret text turns into key bytes: as UTF-8, or base64-decoded. @default 'utf8' */
  secretEncoding?: 'utf8' | 'base64'
  /** A signed timestamp that must be within a tolerance of now. */
  timestamp?: HmacTimestampOptions
  /**
   * Also accept a MAC over the compact re-serialisation (`JSON.stringify(JSON.parse(body))`) when
   * the one over the raw bytes does not match: for senders that sign their own compact
   * serialisation but transmit it pretty-printed. Still proves the sender signed that content.
   * The fallback scans, and may strip or parse and re-serialise, a body whose MAC did not match: a
   * forged body shaped for it costs a few times what a genuine one does. So it looks only at bodies
   * up to `maxBytes` (64 KiB), and at most `failedBytesPerSecond` (256 KiB/s) of bodies on which
   * it fails, per endpoint: past that budget a body must be signed as sent until it refills, and a
   * flood of forgeries costs one MAC each (`Infinity`: no budget). Bodies the fallback accepts spend nothing. @default false
   */
  compactJsonFallback?: CompactJsonFallback
}

/** Longer signature headers are refused unread. */
const MAX_HEADER_LENGTH = 4096
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/
const LOWER_HEX = /^[0-9a-f]*$/

function encodedLength (bytes: number, encoding: SignatureEncoding): number {
  if (encoding === 'hex') return bytes * 2
  if (encoding === 'base64') return Math.ceil(bytes / 3) * 4
  return Math.ceil(bytes * 4 / 3)
}

function keyTransform (prefix: string | undefined, encoding: 'utf8' | 'base64'): ((secret: Buffer, index: number, all: readonly Buffer[]) => Buffer) | undefined {
  if (prefix === undefined && encoding === 'utf8') return undefined
  return (secret, index, all) => {
    let text = secret.toString('utf8')
    const prefixed = prefix !== undefined && text.startsWith(prefix)
    if (prefixed) text = text.slice(prefix.length)
    if (encoding === 'utf8') return Buffer.from(text, 'utf8')
    const key = Buffer.from(text, 'base64')
    if (key.length === 0 || key.toString('base64').replace(/=+$/, '') !== text.replace(/=+$/, '')) {
      const which = all.length > 1 ? `secret ${index + 1} of ${all.length}` : 'the secret'
      throw new TypeError(`${which} is not valid base64${prefixed ? ` after "${prefix}"` : prefix === undefined ? '' : ` (with or without "${prefix}")`}`)
    }
    return key
  }
}

/**
 * Verifies HMAC signatures described by `HmacOptions`: every signature in the header is decoded in
 * its canonical form and compared with `timingSafeEqual` against the MAC of the signed content under
 * every configured secret; the timestamp, when the scheme signs one, must be within the tolerance.
 */
export function hmacVerifier (options: HmacOptions): Verifier {
  if (options === null || typeof options !== 'object') throw new TypeError('"hmac" options must be an object')
  const { header, algorithm = 'sha256', encoding = 'hex', compactJsonFallback = false, secretEncoding = 'utf8' } = options
  if (typeof header !== 'string' || !HEADER_NAME.test(header)) throw new TypeError('"hmac.header" must be a non-empty HTTP header name')
  if (!Object.hasOwn(DIGEST_BYTES, algorithm)) {
    throw new TypeError(`"hmac.algorithm" must be one of ${Object.keys(DIGEST_BYTES).join(', ')}; got "${String(algorithm)}"`)
  }
  if (encoding !== 'hex' && encoding !== 'base64' && encoding !== 'base64url') {
    throw new TypeError(`"hmac.encoding" must be hex, base64 or base64url; got "${String(encoding)}"`)
  }
  if (options.prefix !== undefined && typeof options.prefix !== 'string') throw new TypeError('"hmac.prefix" must be a string')
  if (options.prefix !== undefined && options.format !== undefined) throw new TypeError('"hmac.prefix" is shorthand for a single format: give "prefix" or "format", not both')
  if (secretEncoding !== 'utf8' && secretEncoding !== 'base64') throw new TypeError('"hmac.secretEncoding" must be utf8 or base64')
  const fallback = fallbackOptions(compactJsonFallback)
  const budget = fallback.maxBytes === 0 || fallback.rate === Infinity ? undefined : new FallbackBudget(fallback.rate, fallback.maxBytes)
  const format: SignatureFormat = options.format ?? { kind: 'single', prefix: options.prefix ?? '' }
  if (!['single', 'list', 'pairs'].includes(format.kind)) throw new TypeError('"hmac.format.kind" must be single, list or pairs')
  const parse = signatureParser(format)
  const content = signedContent(options.signedContent)

  const timestampKey = format.kind === 'pairs' ? format.timestampKey : undefined
  const timestampHeader = options.timestamp?.header?.toLowerCase()
  if (options.timestamp !== undefined && (timestampHeader === undefined) === (timestampKey === undefined)) {
    throw new TypeError('"hmac.timestamp" needs its source: "timestamp.header", or "format.timestampKey" for a pairs header (one of them)')
  }
  if (content.usesTimestamp && options.timestamp === undefined) throw new TypeError('"hmac.signedContent" uses {timestamp}, so "hmac.timestamp" is required')
  const parseTime = timestampParser(options.timestamp?.unit ?? 's')
  const tolerance = options.timestamp === undefined ? 0 : toleranceOption(options.timestamp.tolerance, 300, 'hmac.timestamp.tolerance')

  const transform = keyTransform(options.secretPrefix, secretEncoding)
  const given = secretProvider(options.secrets, 'secrets')
  const keysFrom = transform === undefined
    ? given
    : typeof given === 'function' ? async () => (await given()).map(transform) : given.map(transform)
  const headerName = header.toLowerCase()
  const digestBytes = DIGEST_BYTES[algorithm]
  const signatureLength = encodedLength(digestBytes, encoding)

  // Only the canonical spelling is accepted: Node's base64 decoders skip characters outside the
  // alphabet and its hex decoder ignores case, so without this one MAC would have many spellings.
  // Hex is canonical when it is lower-case hex digits only (the decoder also keeps the low byte of
  // any UTF-16 code unit, so "\u0161" would pass for "a"); base64 when it encodes back to itself.
  const canonical = encoding === 'hex' ? (text: string) => LOWER_HEX.test(text) : (text: string, mac: Buffer) => mac.toString(encoding) === text

  function decode (text: string): Buffer | undefined {
    if (text.length !== signatureLength) return undefined
    const mac = Buffer.from(text, encoding)
    return mac.length === digestBytes && canonical(text, mac) ? mac : undefined
  }

  function signedBy (keys: readonly Buffer[], data: Buffer, macs: readonly Buffer[]): boolean {
    for (const key of keys) {
      const expected = createHmac(algorithm, key).update(data).digest()
      for (const mac of macs) if (timingSafeEqual(expected, mac)) return true
    }
    return false
  }

  function check (keys: readonly Buffer[], request: InboundRequest, macs: readonly Buffer[], timestamp: string | undefined): VerifyResult {
    const data = content.build(request, request.body, timestamp)
    if (typeof data === 'string') return refusal('HOOKGATE_SIGNATURE_INVALID', { reason: data })
    if (signedBy(keys, data, macs)) return undefined
    const bytes = request.body.length
    if (bytes <= fallback.maxBytes && fallback.maxBytes !== 0 && (budget?.allows(bytes, request.now()) ?? true)) {
      const accepted = compactFallback(keys, request, macs, timestamp)
      if (accepted !== undefined) return accepted
      budget?.failed(bytes)
    }
    return refusal('HOOKGATE_SIGNATURE_INVALID', { reason: 'no configured secret produces this signature' })
  }

  /** The body as the sender would have signed it compact, if it differs and that MAC matches: then its parse. */
  function compactFallback (keys: readonly Buffer[], request: InboundRequest, macs: readonly Buffer[], timestamp: string | undefined): { parsed: unknown } | undefined {
    const difference = compactDifference(request.body)
    if (difference !== 'none') {
      // Only a body that differs by more than whitespace is parsed before it is authenticated
      // (bounded by the body limit, prototype-safe), and only to re-serialise it.
      const compact = compactForm(request.body, difference)
      if (compact !== undefined && !compact.equals(request.body)) {
        const compactData = content.build(request, compact, timestamp)
        if (typeof compactData !== 'string' && signedBy(keys, compactData, macs)) {
          // Whitespace was removed without a parse: the body itself must be JSON, or whitespace inside
          // a number or a literal (`17084 56200`, `t r u e`) would pass for the signed token. After
          // another change the handler gets what was signed, parsed from the compact bytes: the body's
          // own value can differ from it where stringify loses information (`1e999` is written `null`).
          const signed = parseJson(difference === 'whitespace' ? request.body : compact)
          if (signed.ok) return { parsed: signed.value }
        }
      }
    }
    return undefined
  }

  function readTimestamp (request: InboundRequest, inHeader: string | undefined): HookgateError | string | undefined {
    if (options.timestamp === undefined) return undefined
    const value = inHeader ?? (timestampHeader === undefined ? undefined : request.header(timestampHeader))
    if (value === undefined) return refusal('HOOKGATE_SIGNATURE_INVALID', { reason: 'no timestamp' })
    const ms = parseTime(value)
    if (ms === undefined) return refusal('HOOKGATE_SIGNATURE_INVALID', { reason: 'the timestamp is malformed' })
    return checkTolerance(ms, request.now(), tolerance) ?? value
  }

  return {
    name: 'hmac',
    headers: timestampHeader === undefined ? [headerName] : [headerName, timestampHeader],
    verify (request: InboundRequest): VerifyResult | Promise<VerifyResult> {
      const value = request.header(headerName)
      if (value === undefined || value === '') return refusal('HOOKGATE_SIGNATURE_MISSING', { reason: `no ${headerName} header` })
      if (value.length > MAX_HEADER_LENGTH) return refusal('HOOKGATE_SIGNATURE_INVALID', { reason: `${headerName} is too long` })
      const parsed = parse(value)
      if (typeof parsed === 'string') return refusal('HOOKGATE_SIGNATURE_INVALID', { reason: parsed })
      // As the senders' own libraries do, an entry that does not decode is one that does not match:
      // any valid entry passes (a list may carry versions or spellings this scheme does not read).
      // map() sizes its array exactly; an empty array grown by push() allocated about 250 bytes more.
      const decoded = parsed.signatures.map(decode)
      const macs = (decoded.includes(undefined) ? decoded.filter((mac) => mac !== undefined) : decoded) as Buffer[]
      if (macs.length === 0) {
        const reason = format.kind === 'single' && value.includes(',') ? `${headerName} holds several values` : `${headerName} is malformed`
        return refusal('HOOKGATE_SIGNATURE_INVALID', { reason })
      }
      const timestamp = readTimestamp(request, parsed.timestamp)
      if (typeof timestamp === 'object') return timestamp
      if (typeof keysFrom !== 'function') return check(keysFrom, request, macs, timestamp)
      return keysFrom().then(
        (keys) => check(keys, request, macs, timestamp),
        (err: unknown) => refusal('HOOKGATE_SECRETS_UNAVAILABLE', { reason: 'the secrets function failed', cause: err })
      )
    }
  }
}
