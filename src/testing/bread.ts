import { createHmac, randomUUID } from 'node:crypto'
import { BREAD_SOURCE } from '../providers/bread.js'
import type { BasicCredentials } from '../verify/basic-auth.js'
import type { Secret } from '../verify/secrets.js'
import { bodyBytes, type SignedRequest, type TestBody } from './body.js'

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

/** Bread writes microseconds: 2023-04-27T17:41:51.799047Z. */
function breadTimestamp (value: string | Date | undefined): string {
  if (typeof value === 'string') return value
  return (value ?? new Date()).toISOString().replace(/Z$/, '000Z')
}

function base64urlJson (value: unknown): string {
  return Buffer.from(JSON.stringify(value), 'utf8').toString('base64url')
}

/**
 * Every header of a Bread delivery for `body`: CloudEvents binary-mode attributes, `Timestamp`,
 * `Authorization: Basic` and `X-Jws-Signature`, a compact JWS with a detached payload whose protected
 * header is `{"alg","typ":"JOSE","kid","crit":["Timestamp"],"Timestamp"}`.
 */
export function signBread (body: TestBody, options: SignBreadOptions): BreadHeaders {
  const bytes = bodyBytes(body)
  const timestamp = breadTimestamp(options.timestamp)
  const algorithm = options.algorithm ?? 'HS256'
  const unencoded = options.unencodedPayload === true
  const header = unencoded
    ? { alg: algorithm, typ: 'JOSE', kid: options.kid, b64: false, crit: ['b64', 'Timestamp'], Timestamp: timestamp }
    : { alg: algorithm, typ: 'JOSE', kid: options.kid, crit: ['Timestamp'], Timestamp: timestamp }
  const protectedPart = base64urlJson(header)
  const key = typeof options.secret === 'string' ? Buffer.from(options.secret, 'utf8') : options.secret
  const signingInput = Buffer.concat([Buffer.from(`${protectedPart}.`), unencoded ? bytes : Buffer.from(bytes.toString('base64url'))])
  const signature = createHmac(`sha${algorithm.slice(2)}`, key).update(signingInput).digest('base64url')
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    'ce-id': options.ceId ?? randomUUID(),
    'ce-source': options.ceSource ?? BREAD_SOURCE,
    'ce-type': options.ceType ?? 'integration_test_event',
    'ce-specversion': '1.0',
    'ce-time': options.ceTime ?? timestamp,
    timestamp,
    'x-jws-signature': `${protectedPart}..${signature}`
  }
  if (options.basicAuth !== undefined) {
    headers.authorization = `Basic ${Buffer.from(`${options.basicAuth.username}:${options.basicAuth.password}`, 'utf8').toString('base64')}`
  }
  return headers
}

/** A complete signed Bread delivery, ready for `app.inject()`. */
export function breadRequest (body: TestBody, options: SignBreadOptions & { url?: string }): SignedRequest {
  const payload = bodyBytes(body)
  return { method: 'POST', url: options.url ?? '/', headers: signBread(payload, options), payload }
}
