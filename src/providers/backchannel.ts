import type { Provider } from '../core/types.js'
import { jsonTypeEnvelope, type JsonTypeEvent } from '../envelopes/json-type.js'
import { hmacVerifier } from '../verify/hmac.js'
import { secretProvider, type SecretSource } from '../verify/secrets.js'

/** The event types Backchannel documents. */
export const BACKCHANNEL_EVENT_TYPES = Object.freeze([
  'order.created',
  'order.paid',
  'order.shipped',
  'inventory.updated',
  'inventory.reallocated'
] as const)

export type BackchannelEventType = typeof BACKCHANNEL_EVENT_TYPES[number]

/** A Backchannel event: `{ id, type, created_at?, data }`. */
export type BackchannelEvent<TData = unknown> = JsonTypeEvent<TData>

/** The header Backchannel signs with: `X-BC-Signature: sha256=<hex HMAC-SHA256 of the body>`. */
export const BACKCHANNEL_SIGNATURE_HEADER = 'x-bc-signature'

export type BackchannelOptions = {
  /**
   * Refuse events whose `created_at` is further than this many seconds from now. Backchannel signs
   * no timestamp, so this is the only age bound; off by default because `created_at` is optional.
   */
  maxAge?: number
} & (
  | { /** The endpoint's webhook secret, or a function returning it. */ secret: SecretSource, secrets?: never }
  | { /** Several secrets during a rotation; any one may match. */ secrets: SecretSource, secret?: never }
)

/**
 * Backchannel: HMAC-SHA256 of the exact body in `X-BC-Signature`, with a fallback to the compact JSON
 * re-serialisation that their sample receiver implies they sign.
 * @example app.webhooks('/webhooks/backchannel', backchannel({ secret: process.env.BC_WEBHOOK_SECRET! }))
 */
export function backchannel (options: BackchannelOptions): Provider<BackchannelEvent> {
  if (options === null || typeof options !== 'object') throw new TypeError('backchannel() needs { secret }')
  if (options.secret !== undefined && options.secrets !== undefined) {
    throw new TypeError('backchannel(): give "secret" or "secrets", not both')
  }
  const given = options.secret ?? options.secrets
  if (given === undefined) throw new TypeError('backchannel(): "secret" is required')
  // Checked here so that a mistake names the option the user wrote.
  const secrets = secretProvider(given, options.secret === undefined ? 'secrets' : 'secret')
  return Object.freeze({
    name: 'backchannel',
    verifiers: Object.freeze([hmacVerifier({
      header: BACKCHANNEL_SIGNATURE_HEADER,
      prefix: 'sha256=',
      algorithm: 'sha256',
      encoding: 'hex',
      secrets,
      compactJsonFallback: true
    })]),
    envelope: jsonTypeEnvelope(options.maxAge === undefined ? {} : { maxAge: options.maxAge })
  })
}
