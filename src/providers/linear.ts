import type { Provider } from '../core/types.js'
import type { JsonTypeEvent } from '../envelopes/json-type.js'
import { hmacPreset, type SecretOptions } from './hmac-preset.js'

/** A Linear webhook: `id` is `Linear-Delivery`, `type` the body's `type` and `action` (`Issue.create`), `data` its `data`. */
export type LinearEvent<TData = unknown> = JsonTypeEvent<TData>

/**
 * Linear: `Linear-Signature: <hex>`, HMAC-SHA256 of the raw body with the webhook's signing secret.
 * Linear signs no header timestamp; its body's `webhookTimestamp` (milliseconds) is covered by the
 * signature, and the handler can check it (`event.payload.webhookTimestamp`).
 */
export function linear (options: SecretOptions): Provider<LinearEvent> {
  return hmacPreset('linear', options, {
    header: 'linear-signature'
  }, { id: { header: 'linear-delivery' }, type: { path: 'type', suffix: { path: 'action' } }, data: { path: 'data' }, createdAt: [] }, { options: [] })
}
