import type { Provider } from '../core/types.js'
import type { JsonTypeEvent } from '../envelopes/json-type.js'
import { hmacPreset, type SecretOptions } from './hmac-preset.js'

/** A Shopify webhook: the whole body is `data`; `type` is the topic (`orders/create`). */
export type ShopifyEvent<TData = unknown> = JsonTypeEvent<TData>

/**
 * Shopify: `X-Shopify-Hmac-Sha256: <base64>` over the raw body with the app's client secret (no
 * signed timestamp). Dispatch by `X-Shopify-Topic` (`orders/*` matches every orders topic); the id is
 * `X-Shopify-Event-Id`, else `X-Shopify-Webhook-Id`. During a client-secret rotation give both secrets.
 */
export function shopify (options: SecretOptions): Provider<ShopifyEvent> {
  return hmacPreset('shopify', options, {
    header: 'x-shopify-hmac-sha256',
    format: { kind: 'single' },
    encoding: 'base64'
  }, { id: [{ header: 'x-shopify-event-id' }, { header: 'x-shopify-webhook-id' }], type: { header: 'x-shopify-topic' }, data: 'body', createdAt: [] }, { options: [] })
}
