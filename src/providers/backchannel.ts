import type { Provider } from '../core/types.js'
import type { JsonTypeEvent } from '../envelopes/json-type.js'
import { hmacPreset, type SecretOptions } from './hmac-preset.js'

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

export type BackchannelOptions = SecretOptions & {
  /**
   * Refuse events whose `created_at` is further than this many seconds from now. Backchannel signs
   * no timestamp, so this is the only age bound; off by default because `created_at` is optional.
   */
  maxAge?: number
}

/**
 * Backchannel: HMAC-SHA256 of the exact body in `X-BC-Signature`, with a fallback to the compact JSON
 * re-serialisation that their sample receiver implies they sign.
 * @example app.webhooks('/webhooks/backchannel', backchannel({ secret: process.env.BC_WEBHOOK_SECRET! }))
 */
export function backchannel (options: BackchannelOptions): Provider<BackchannelEvent> {
  return hmacPreset('backchannel', options, {
    header: BACKCHANNEL_SIGNATURE_HEADER,
    format: { kind: 'single', prefix: 'sha256=' },
    algorithm: 'sha256',
    encoding: 'hex',
    compactJsonFallback: true
  }, options?.maxAge === undefined ? {} : { maxAge: options.maxAge }, { options: ['maxAge'] })
}
