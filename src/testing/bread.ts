import { createHmac, randomUUID } from 'node:crypto'
import { BREAD_SOURCE } from '../providers/bread.js'
import type { BasicCredentials } from '../verify/basic-auth.js'
import type { Secret } from '../verify/secrets.js'
import { parseRfc3339 } from '../verify/timestamp.js'
import { bodyBytes, signingKey, type SignedRequest, type TestBody } from './body.js'

export interface SignBreadOptions {
  /** The key id Bread puts in the JWS header. */
  kid: string
  /** The HMAC secret for `kid`. */
  secret: Secret
  /** When Bread sent it, RFC 3339; also the `Timestamp` header. @default now, with microseconds as Bread writes it */
  timestamp?: string | Date
  /** Credentials for `Authorization: Basic`; omitted when not given. */
  basicAuth?: BasicCredentials
  /** @default 'integration_test_event' */
  ceType?: string
  /** @default 'breadpayments.webhooks.webhook' */
  ceSource?: string
  /** @default a random UUID */
  ceId?: string
  /** When the event was created. @default the timestamp */
  ceTime?: string
  /** @default 'HS256' */
  algorithm?: 'HS256' | 'HS384' | 'HS512'
  /** Sign the body unencoded (RFC 7797, `b64: false`) instead of as base64url. @default false */
  unencodedPayload?: boolean
}

export type BreadHeaders = Readonly<Record<string, string>>

const ALGORITHMS: ReadonlySet<string> = new Set(['HS256', 'HS384', 'HS512'])

/** Bread writes microseconds: 2023-04-27T17:41:51.799047Z. */
function breadTimestamp (value: string | Date | undefined): string {
  if (typeof value === 'string') {
    if (parseRfc3339(value) === undefined) throw new TypeError(`signBread(): "timestamp" must be an RFC 3339 date-time; got "${value}"`)
    return value
  }
  const date = value ?? new Date()
  if (!(date instanceof Date) || Number.isNaN(date.getTime())) throw new TypeError('signBread(): "timestamp" must be an RFC 3339 string or a valid Date')
  return date.toISOString().replace(/Z$/, '000Z')
}

/**
 * A CloudEvents attribute as an HTTP header value (HTTP binding §3.1.3.2): space, `"`, `%` and
 * every character outside printable ASCII percent-encoded as UTF-8, upper-case hex.
 */
function headerValue (value: string): string {
  let encoded = ''
  for (const char of value) {
    const code = char.codePointAt(0) as number
    encoded += code > 0x20 && code < 0x7f && char !== '"' && char !== '%'
      ? char
      : [...Buffer.from(char, 'utf8')].map((byte) => `%${byte.toString(16).toUpperCase().padStart(2, '0')}`).join('')
  }
  return encoded
}

/** An optional CloudEvents attribute given to signBread(): a non-empty string, header-encoded. */
function attribute (value: unknown, option: string, fallback: string): string {
  if (value === undefined) return headerValue(fallback)
  if (typeof value !== 'string' || value === '') throw new TypeError(`signBread(): "${option}" must be a non-empty string`)
  return headerValue(value)
}

function base64urlJson (value: unknown): string {
  return Buffer.from(JSON.stringify(value), 'utf8').toString('base64url')
}

/**
 * Every header of a Bread delivery for `body`: CloudEvents binary-mode attributes (percent-encoded as
 * the HTTP binding requires), `Timestamp`, `Authorization: Basic` (when `basicAuth` is given) and
 * `X-Jws-Signature`, a compact JWS with a detached payload whose protected header is
 * `{"alg","typ":"JOSE","kid","crit":["Timestamp"],"Timestamp"}`. Throws a `TypeError` naming a bad option.
 */
export function signBread (body: TestBody, options: SignBreadOptions): BreadHeaders {
  if (options === null || typeof options !== 'object') throw new TypeError('signBread(body, options): "options" must be an object with "kid" and "secret"')
  if (typeof options.kid !== 'string' || options.kid === '') throw new TypeError('signBread(): "kid" must be a non-empty string')
  const key = signingKey(options.secret, 'signBread()')
  const algorithm = options.algorithm ?? 'HS256'
  if (!ALGORITHMS.has(algorithm)) throw new TypeError(`signBread(): "algorithm" must be HS256, HS384 or HS512; got "${String(algorithm)}"`)
  const { basicAuth } = options
  if (basicAuth !== undefined && (basicAuth === null || typeof basicAuth.username !== 'string' || typeof basicAuth.password !== 'string')) {
    throw new TypeError('signBread(): "basicAuth" must be { username, password }')
  }
  const bytes = bodyBytes(body)
  const timestamp = breadTimestamp(options.timestamp)
  const unencoded = options.unencodedPayload === true
  const header = unencoded
    ? { alg: algorithm, typ: 'JOSE', kid: options.kid, b64: false, crit: ['b64', 'Timestamp'], Timestamp: timestamp }
    : { alg: algorithm, typ: 'JOSE', kid: options.kid, crit: ['Timestamp'], Timestamp: timestamp }
  const protectedPart = base64urlJson(header)
  const signingInput = Buffer.concat([Buffer.from(`${protectedPart}.`), unencoded ? bytes : Buffer.from(bytes.toString('base64url'))])
  const signature = createHmac(`sha${algorithm.slice(2)}`, key).update(signingInput).digest('base64url')
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    'ce-id': attribute(options.ceId, 'ceId', randomUUID()),
    'ce-source': attribute(options.ceSource, 'ceSource', BREAD_SOURCE),
    'ce-type': attribute(options.ceType, 'ceType', 'integration_test_event'),
    'ce-specversion': '1.0',
    'ce-time': attribute(options.ceTime, 'ceTime', timestamp),
    timestamp,
    'x-jws-signature': `${protectedPart}..${signature}`
  }
  if (basicAuth !== undefined) {
    headers.authorization = `Basic ${Buffer.from(`${basicAuth.username}:${basicAuth.password}`, 'utf8').toString('base64')}`
  }
  return headers
}

/** A complete signed Bread delivery, ready for `app.inject()`. */
export function breadRequest (body: TestBody, options: SignBreadOptions & { url?: string }): SignedRequest {
  const payload = bodyBytes(body)
  return { method: 'POST', url: options.url ?? '/', headers: signBread(payload, options), payload }
}
