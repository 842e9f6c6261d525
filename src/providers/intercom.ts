import type { Provider } from '../core/types.js'
import type { JsonTypeEvent } from '../envelopes/json-type.js'
import { hmacPreset, type SecretOptions } from './hmac-preset.js'

/** An Intercom notification: `id` is its `id` (`notif_…`), `type` its `topic` (`conversation.user.created`), `data` its `data`. */
export type IntercomEvent<TData = unknown> = JsonTypeEvent<TData>

/**
 * Intercom: `X-Hub-Signature: sha1=<hex>`, HMAC-SHA1 of the raw body with the app's client secret
 * (no signed timestamp: a replay is refused by de-duplication on the notification id).
 */
export function intercom (options: SecretOptions): Provider<IntercomEvent> {
  return hmacPreset('intercom', options, {
    header: 'x-hub-signature',
    algorithm: 'sha1',
    format: { kind: 'single', prefix: 'sha1=' }
  }, { id: { path: 'id' }, type: { path: 'topic' }, data: { path: 'data' }, createdAt: ['created_at'] }, { options: [] })
}
