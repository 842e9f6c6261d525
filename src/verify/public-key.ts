import { Buffer } from 'node:buffer'
import { createPublicKey, verify as verifySignature, type JsonWebKey, type KeyObject } from 'node:crypto'
import { refusal } from '../core/errors.js'
import type { InboundRequest, Verifier, VerifyResult } from '../core/types.js'
import { signedContent, type SignedContentTemplate } from './signed-content.js'
import { checkTolerance, timestampParser, toleranceOption } from './timestamp.js'

/** Ed25519 (Discord), or ECDSA over P-256 with SHA-256 (SendGrid). */
export type PublicKeyAlgorithm = 'ed25519' | 'ecdsa-p256'

/**
 * A sender's public key: PEM text, a JWK, a `KeyObject`, or the key's bytes (a Buffer, or text in
 * `keyEncoding`): for Ed25519 its 32 raw bytes, for ECDSA its SubjectPublicKeyInfo (SPKI) DER.
 */
export type PublicKeyInput = string | Uint8Array | JsonWebKey | KeyObject

export interface PublicKeyTimestampOptions {
  /** The header carrying it. */
  header: string
  /** `s` (Unix seconds), `ms` (Unix milliseconds) or `iso` (RFC 3339). @default 's' */
  unit?: 's' | 'ms' | 'iso'
  /** Largest distance from now, in seconds, in either direction. @default 300 */
  tolerance?: number
}

/**
 * A public-key signature scheme described as data: the header, the algorithm and keys, how the
 * signature is written, what is signed and where the signed timestamp is.
 * @example Discord: { header: 'x-signature-ed25519', algorithm: 'ed25519', keys: publicKeyHex, signedContent: '{timestamp}{body}', timestamp: { header: 'x-signature-timestamp' } }
 */
export interface PublicKeyOptions {
  /** Header carrying the signature, e.g. `x-signature-ed25519` (any case). */
  header: string
  algorithm: PublicKeyAlgorithm
  /** The sender's public key, or several during a rotation (any one may verify). */
  keys: PublicKeyInput | readonly PublicKeyInput[]
  /** How key bytes given as text are written. @default 'hex' for ed25519, 'base64' for ecdsa-p256 */
  keyEncoding?: 'hex' | 'base64'
  /** How the signature is written. @default 'hex' */
  encoding?: 'hex' | 'base64' | 'base64url'
  /** ECDSA only: DER (ASN.1, as Node and OpenSSL write it) or raw `r‖s` (IEEE P1363, as JWS does). @default 'der' */
  signatureFormat?: 'der' | 'raw'
  /** What is signed. @default '{body}' */
  signedContent?: SignedContentTemplate
  /** A signed timestamp that must be within a tolerance of now. */
  timestamp?: PublicKeyTimestampOptions
}

const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/
const MAX_SIGNATURE_LENGTH = 512

/** One key, checked once at startup: its type and curve must be the algorithm's. */
function publicKeyOf (input: PublicKeyInput, algorithm: PublicKeyAlgorithm, keyEncoding: 'hex' | 'base64', where: string): KeyObject {
  let key: KeyObject
  try {
    if (typeof input === 'object' && input !== null && 'asymmetricKeyType' in input && typeof (input as KeyObject).export === 'function') {
      key = input as KeyObject
    } else if (typeof input === 'string' && input.trimStart().startsWith('-----BEGIN')) {
      key = createPublicKey(input)
    } else if (typeof input === 'string' || input instanceof Uint8Array) {
      const bytes = typeof input === 'string' ? Buffer.from(input, keyEncoding) : Buffer.from(input)
      if (algorithm === 'ed25519') {
        if (bytes.length !== 32) throw new Error(`an Ed25519 public key is 32 bytes; got ${bytes.length}`)
        key = createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: bytes.toString('base64url') }, format: 'jwk' })
      } else {
        key = createPublicKey({ key: bytes, format: 'der', type: 'spki' })
      }
    } else {
      key = createPublicKey({ key: input as JsonWebKey, format: 'jwk' })
    }
  } catch (err) {
    throw new TypeError(`${where} is not a public key: ${(err as Error).message}`, { cause: err })
  }
  if (key.type !== 'public') throw new TypeError(`${where} must be a public key, not a ${key.type} one`)
  const curve = key.asymmetricKeyDetails?.namedCurve
  if (algorithm === 'ed25519' ? key.asymmetricKeyType !== 'ed25519' : key.asymmetricKeyType !== 'ec' || curve !== 'prime256v1') {
    throw new TypeError(`${where} is a ${key.asymmetricKeyType ?? 'unknown'}${curve === undefined ? '' : ` (${curve})`} key; "${algorithm}" needs ${algorithm === 'ed25519' ? 'an Ed25519' : 'a P-256 (prime256v1)'} key`)
  }
  return key
}

/**
 * Verifies a signature made with the sender's private key, over the content the scheme describes:
 * keys are turned into `KeyObject`s once, here; every request costs one signature check per key.
 */
export function publicKeyVerifier (options: PublicKeyOptions): Verifier {
  if (options === null || typeof options !== 'object') throw new TypeError('"publicKey" options must be an object')
  const { header, algorithm, encoding = 'hex', signatureFormat = 'der' } = options
  if (typeof header !== 'string' || !HEADER_NAME.test(header)) throw new TypeError('"publicKey.header" must be a non-empty HTTP header name')
  if (algorithm !== 'ed25519' && algorithm !== 'ecdsa-p256') throw new TypeError(`"publicKey.algorithm" must be ed25519 or ecdsa-p256; got "${String(algorithm)}"`)
  if (encoding !== 'hex' && encoding !== 'base64' && encoding !== 'base64url') throw new TypeError('"publicKey.encoding" must be hex, base64 or base64url')
  if (signatureFormat !== 'der' && signatureFormat !== 'raw') throw new TypeError('"publicKey.signatureFormat" must be der or raw')
  const keyEncoding = options.keyEncoding ?? (algorithm === 'ed25519' ? 'hex' : 'base64')
  if (keyEncoding !== 'hex' && keyEncoding !== 'base64') throw new TypeError('"publicKey.keyEncoding" must be hex or base64')
  const inputs = Array.isArray(options.keys) ? options.keys as readonly PublicKeyInput[] : [options.keys as PublicKeyInput]
  if (inputs.length === 0 || inputs.some((key) => key === undefined || key === null || key === '')) throw new TypeError('"publicKey.keys" must be a public key or a non-empty list of them')
  const keys = inputs.map((input, i) => publicKeyOf(input, algorithm, keyEncoding, inputs.length === 1 ? '"publicKey.keys"' : `"publicKey.keys[${i}]"`))
  const content = signedContent(options.signedContent)
  const timestampHeader = options.timestamp?.header?.toLowerCase()
  if (options.timestamp !== undefined && (timestampHeader === undefined || !HEADER_NAME.test(timestampHeader))) throw new TypeError('"publicKey.timestamp.header" must be a header name')
  if (content.usesTimestamp && options.timestamp === undefined) throw new TypeError('"publicKey.signedContent" uses {timestamp}, so "publicKey.timestamp" is required')
  const parseTime = timestampParser(options.timestamp?.unit ?? 's')
  const tolerance = options.timestamp === undefined ? 0 : toleranceOption(options.timestamp.tolerance, 300, 'publicKey.timestamp.tolerance')
  const headerName = header.toLowerCase()
  // Ed25519 hashes internally; ECDSA signs the SHA-256 of the content, DER or raw as the scheme writes it.
  const digest = algorithm === 'ed25519' ? null : 'sha256'
  const dsaEncoding = signatureFormat === 'der' ? 'der' : 'ieee-p1363'
  const keyArguments = algorithm === 'ed25519' ? keys : keys.map((key) => ({ key, dsaEncoding } as const))

  function decode (text: string): Buffer | undefined {
    const signature = Buffer.from(text, encoding)
    // Only the canonical spelling (lower-case hex, as senders write it): Node's decoders skip what is
    // not in their alphabet and read hex in either case, so one signature would have many spellings.
    const canonical = encoding === 'hex' ? /^[0-9a-f]*$/.test(text) && text.length === signature.length * 2 : signature.toString(encoding) === text
    return canonical && signature.length > 0 ? signature : undefined
  }

  return {
    name: `public-key ${algorithm}`,
    headers: timestampHeader === undefined ? [headerName] : [headerName, timestampHeader],
    verify (request: InboundRequest): VerifyResult {
      const value = request.header(headerName)
      if (value === undefined || value === '') return refusal('HOOKGATE_SIGNATURE_MISSING', { reason: `no ${headerName} header` })
      if (value.length > MAX_SIGNATURE_LENGTH) return refusal('HOOKGATE_SIGNATURE_INVALID', { reason: `${headerName} is too long` })
      const signature = decode(value)
      if (signature === undefined) return refusal('HOOKGATE_SIGNATURE_INVALID', { reason: `${headerName} is malformed` })
      let timestamp: string | undefined
      if (timestampHeader !== undefined) {
        timestamp = request.header(timestampHeader)
        if (timestamp === undefined) return refusal('HOOKGATE_SIGNATURE_INVALID', { reason: 'no timestamp' })
        const ms = parseTime(timestamp)
        if (ms === undefined) return refusal('HOOKGATE_SIGNATURE_INVALID', { reason: 'the timestamp is malformed' })
        const stale = checkTolerance(ms, request.now(), tolerance)
        if (stale !== undefined) return stale
      }
      const data = content.build(request, request.body, timestamp)
      if (typeof data === 'string') return refusal('HOOKGATE_SIGNATURE_INVALID', { reason: data })
      for (const key of keyArguments) {
        // A signature of the wrong length or shape for the key makes verify() throw: it is no match.
        try {
          if (verifySignature(digest, data, key, signature)) return undefined
        } catch {}
      }
      return refusal('HOOKGATE_SIGNATURE_INVALID', { reason: 'no configured key verifies this signature' })
    }
  }
}
