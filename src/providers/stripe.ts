import type { Provider } from '../core/types.js'
import type { JsonTypeEvent } from '../envelopes/json-type.js'
import { toleranceOption } from '../verify/timestamp.js'
import { hmacPreset, type SecretOptions } from './hmac-preset.js'

/**
 * A Stripe event: a snapshot event `{ id: 'evt_…', type: 'invoice.paid', created, data: { object } }`,
 * or a thin event notification (event destinations, API v2) `{ id, object: 'v2.core.event', type,
 * created: '<RFC 3339>', related_object? }`, which has no `data`: its `data` is the whole body.
 */
export type StripeEvent<TData = unknown> = JsonTypeEvent<TData>

/**
 * Stripe: `Stripe-Signature: t=<unix>,v1=<hex>[,v1=<hex>…]`, HMAC-SHA256 of `<t>.<body>` with the
 * endpoint's `whsec_…` secret used as is (not base64-decoded). Any `v1` may match (secret roll);
 * `t` must be within `tolerance` (300 s, both ways). Events dispatch by the body's `type`; snapshot
 * and thin events are both read.
 */
export function stripe (options: SecretOptions & { tolerance?: number }): Provider<StripeEvent> {
  return hmacPreset('stripe', options, {
    header: 'stripe-signature',
    format: { kind: 'pairs', key: 'v1', timestampKey: 't', separator: ',', assign: '=' },
    signedContent: '{timestamp}.{body}',
    timestamp: { unit: 's', tolerance: toleranceOption(options?.tolerance, 300, 'tolerance') }
  }, { id: { path: 'id' }, type: { path: 'type' }, data: [{ path: 'data' }, 'body'], createdAt: ['created'] }, { options: ['tolerance'] })
}
