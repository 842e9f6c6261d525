import type { Provider } from '../core/types.js'
import type { JsonTypeEvent } from '../envelopes/json-type.js'
import { hmacPreset, type SecretOptions } from './hmac-preset.js'

/** A Square event: `id` is its `event_id`, `type` its `type` (`payment.updated`), `data` its `data`. */
export type SquareEvent<TData = unknown> = JsonTypeEvent<TData>

/**
 * Square: `X-Square-HmacSha256-Signature: <base64>`, HMAC-SHA256 of the notification URL exactly
 * as registered in the subscription, followed by the raw body, with the subscription's signature
 * key. The URL is an option, not read from the request: behind a proxy the request's own URL
 * differs, and only the registered one is what Square signed.
 */
export function square (options: SecretOptions & { notificationUrl: string }): Provider<SquareEvent> {
  const url = options?.notificationUrl
  if (typeof url !== 'string' || !/^https?:\/\/[^\s{}]+$/.test(url)) throw new TypeError('square(): "notificationUrl" must be the subscription\'s notification URL, exactly as registered (http(s)://…)')
  return hmacPreset('square', options, {
    header: 'x-square-hmacsha256-signature',
    encoding: 'base64',
    signedContent: `${url}{body}`
  }, { id: { path: 'event_id' }, type: { path: 'type' }, data: { path: 'data' }, createdAt: ['created_at'] }, { options: ['notificationUrl'] })
}
