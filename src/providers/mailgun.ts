import { Buffer } from 'node:buffer'
import { createHmac, timingSafeEqual } from 'node:crypto'
import { parseJson } from '../core/json.js'
import { refusal } from '../core/errors.js'
import type { InboundRequest, Provider, Verifier, VerifyResult } from '../core/types.js'
import { jsonTypeEnvelope, type JsonTypeEvent } from '../envelopes/json-type.js'
import { secretProvider, withKeys, type SecretSource } from '../verify/secrets.js'
import { checkTolerance, toleranceOption } from '../verify/timestamp.js'
import { isObject } from '../envelopes/fields.js'
import { onlyKnownOptions } from './known-options.js'

/** A Mailgun event (`delivered`, `failed`, `opened`, …): `id` and `type` from `event-data`, `data` the whole `event-data`. */
export type MailgunEvent<TData = unknown> = JsonTypeEvent<TData>

export interface MailgunOptions {
  /** The HTTP webhook signing key (several during a rotation, or a function). */
  signingKey: SecretSource
  /** Largest distance of `signature.timestamp` from now, in seconds. @default 300 */
  tolerance?: number
}

const LOWER_HEX_64 = /^[0-9a-f]{64}$/
const MAX_TOKEN = 256

function field (value: unknown, key: string): unknown {
  return isObject(value) && Object.hasOwn(value, key) ? value[key] : undefined
}

/**
 * Mailgun signs inside the body: `signature.signature` is the hex HMAC-SHA256 of
 * `signature.timestamp` followed by `signature.token`, with the webhook signing key. Finding it takes
 * a parse (prototype-safe, within the body limit), but nothing of the body is trusted before the MAC
 * matches; the parsed body is handed on, not parsed again. What the signature covers is the timestamp
 * and token only: not `event-data` (see docs/providers/mailgun.md).
 */
function mailgunVerifier (signingKey: SecretSource, tolerance: number): Verifier {
  const keys = secretProvider(signingKey, 'signingKey')
  function check (secrets: readonly Buffer[], timestamp: string, token: string, mac: Buffer, parsed: unknown): VerifyResult {
    for (const key of secrets) {
      if (timingSafeEqual(createHmac('sha256', key).update(timestamp).update(token).digest(), mac)) return { parsed }
    }
    return refusal('HOOKGATE_SIGNATURE_INVALID', { reason: 'no signing key produces this signature' })
  }
  return {
    name: 'mailgun body signature',
    verify (request: InboundRequest): VerifyResult | Promise<VerifyResult> {
      const json = parseJson(request.body)
      if (!json.ok) return refusal('HOOKGATE_SIGNATURE_MISSING', { reason: 'the body is not JSON, so it carries no signature' })
      const signature = field(json.value, 'signature')
      const timestamp = field(signature, 'timestamp')
      const token = field(signature, 'token')
      const hex = field(signature, 'signature')
      if (typeof hex !== 'string' || typeof timestamp !== 'string' || typeof token !== 'string') return refusal('HOOKGATE_SIGNATURE_MISSING', { reason: 'no signature { timestamp, token, signature } in the body' })
      if (!LOWER_HEX_64.test(hex) || !/^\d{1,12}$/.test(timestamp) || token === '' || token.length > MAX_TOKEN) return refusal('HOOKGATE_SIGNATURE_INVALID', { reason: 'the body\'s signature is malformed' })
      const stale = checkTolerance(Number(timestamp) * 1000, request.now(), tolerance)
      if (stale !== undefined) return stale
      const mac = Buffer.from(hex, 'hex')
      return withKeys(keys, 'signing key', (secrets) => check(secrets, timestamp, token, mac, json.value))
    }
  }
}

/**
 * Mailgun (webhooks in JSON): the signature travels in the body, `signature.{timestamp, token,
 * signature}`; events are `event-data`, dispatched on `event-data.event` and de-duplicated by
 * `event-data.id`; the timestamp within 300 s.
 */
export function mailgun (options: MailgunOptions): Provider<MailgunEvent> {
  if (options === null || typeof options !== 'object') throw new TypeError('mailgun() needs { signingKey }')
  onlyKnownOptions(options, 'mailgun()', ['signingKey', 'tolerance'])
  if (options.signingKey === undefined) throw new TypeError('mailgun(): "signingKey" is required (the HTTP webhook signing key)')
  return Object.freeze({
    name: 'mailgun',
    verifiers: Object.freeze([mailgunVerifier(options.signingKey, toleranceOption(options.tolerance, 300, 'tolerance'))]),
    envelope: jsonTypeEnvelope({ id: { path: 'event-data.id' }, type: { path: 'event-data.event' }, data: { path: 'event-data' }, createdAt: [] })
  })
}
