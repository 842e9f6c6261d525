import type { Provider } from '../core/types.js'
import { jsonArrayEnvelope, type BatchEvent } from '../envelopes/json-array.js'
import { toleranceOption } from '../verify/timestamp.js'
import { hmacPreset, type SecretOptions } from './hmac-preset.js'

/** One HubSpot webhook event: `id` is its `eventId`, `type` its `subscriptionType` (`contact.creation`), `data` the whole event. */
export type HubSpotEvent<TData = Readonly<Record<string, unknown>>> = BatchEvent<TData>

/**
 * HubSpot (signature v3): `X-HubSpot-Signature-v3: <base64>`, HMAC-SHA256 of `POST`, the target URL
 * exactly as configured in the app, the raw body and `X-HubSpot-Request-Timestamp` (milliseconds),
 * with the app's client secret; the timestamp within 300 s. A delivery is a batch: each event is
 * dispatched on its `subscriptionType` and de-duplicated by its `eventId`.
 */
export function hubspot (options: SecretOptions & { url: string, tolerance?: number }): Provider<HubSpotEvent> {
  const url = options?.url
  // HubSpot decodes a few percent-escapes of the URI before signing; a URL with none signs as written.
  if (typeof url !== 'string' || !/^https?:\/\/[^\s{}%]+$/.test(url)) throw new TypeError('hubspot(): "url" must be the webhook target URL exactly as configured in the app (http(s)://…, without percent-escapes)')
  return hmacPreset('hubspot', options, {
    header: 'x-hubspot-signature-v3',
    encoding: 'base64',
    signedContent: `POST${url}{body}{timestamp}`,
    timestamp: { header: 'x-hubspot-request-timestamp', unit: 'ms', tolerance: toleranceOption(options.tolerance, 300, 'tolerance') }
  }, jsonArrayEnvelope({ id: 'eventId', type: 'subscriptionType', createdAt: { field: 'occurredAt', unit: 'ms' } }), { options: ['url', 'tolerance'] })
}
