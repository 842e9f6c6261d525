import type { Provider } from '../core/types.js'
import type { JsonTypeEvent } from '../envelopes/json-type.js'
import { toleranceOption } from '../verify/timestamp.js'
import { hmacPreset, type SecretOptions } from './hmac-preset.js'

/** A Paddle Billing notification: `id` is its `event_id`, `type` its `event_type` (`transaction.completed`), `data` its `data`. */
export type PaddleEvent<TData = unknown> = JsonTypeEvent<TData>

/**
 * Paddle Billing: `Paddle-Signature: ts=<unix>;h1=<hex>`, HMAC-SHA256 of `<ts>:<raw body>` with the
 * notification destination's secret key (`pdl_ntfset_…`, used as is); every `h1` is tried (Paddle
 * sends several during a rotation). The timestamp within 5 s, as Paddle's own SDK checks it.
 */
export function paddle (options: SecretOptions & { tolerance?: number }): Provider<PaddleEvent> {
  return hmacPreset('paddle', options, {
    header: 'paddle-signature',
    format: { kind: 'pairs', key: 'h1', timestampKey: 'ts', separator: ';' },
    signedContent: '{timestamp}:{body}',
    timestamp: { unit: 's', tolerance: toleranceOption(options?.tolerance, 5, 'tolerance') }
  }, { id: { path: 'event_id' }, type: { path: 'event_type' }, data: { path: 'data' }, createdAt: ['occurred_at'] }, { options: ['tolerance'] })
}
