import type { Provider } from '../core/types.js'
import type { JsonTypeEvent } from '../envelopes/json-type.js'
import { toleranceOption } from '../verify/timestamp.js'
import { hmacPreset, type SecretOptions } from './hmac-preset.js'

/** A Standard Webhooks event: `{ type, timestamp, data }`, id in `webhook-id`. */
export type StandardWebhooksEvent<TData = unknown> = JsonTypeEvent<TData>

export type StandardWebhooksOptions = SecretOptions & {
  /** Seconds between `webhook-timestamp` and now, either way. @default 300 */
  tolerance?: number
  /** Header prefix: `webhook` (the spec, OpenAI, Replicate, GitLab) or `svix` (Svix, Clerk, Resend). @default 'webhook' */
  headerPrefix?: 'webhook' | 'svix'
}

/**
 * Standard Webhooks 1.0 (and Svix): `webhook-signature: v1,<b64> [v1,<b64>…]`, HMAC-SHA256 of
 * `<webhook-id>.<webhook-timestamp>.<body>` with the `whsec_` secret's base64 bytes; any `v1` may
 * match (rotation), `v1a` (Ed25519) entries are skipped. The id is `webhook-id`, the type the body's `type`.
 */
export function standardWebhooks (options: StandardWebhooksOptions): Provider<StandardWebhooksEvent> {
  const prefix = options?.headerPrefix ?? 'webhook'
  if (prefix !== 'webhook' && prefix !== 'svix') throw new TypeError('"headerPrefix" must be "webhook" or "svix"')
  return hmacPreset(prefix === 'svix' ? 'svix' : 'standard-webhooks', options, {
    header: `${prefix}-signature`,
    format: { kind: 'list', version: 'v1', separator: ' ', versionSeparator: ',' },
    encoding: 'base64',
    secretPrefix: 'whsec_',
    secretEncoding: 'base64',
    signedContent: `{header:${prefix}-id}.{timestamp}.{body}`,
    timestamp: { header: `${prefix}-timestamp`, unit: 's', tolerance: toleranceOption(options?.tolerance, 300, 'tolerance') }
  }, { id: { header: `${prefix}-id` }, type: { path: 'type' }, data: { path: 'data' }, createdAt: [] }, { call: prefix === 'svix' ? 'svix()' : 'standardWebhooks()', options: ['tolerance', 'headerPrefix'] })
}

/**
 * `svix()`'s options: Standard Webhooks' without `headerPrefix`. Omitted from each member of the
 * union, so that "a secret, or secrets, never both" survives (an Omit over the union lost it).
 */
export type SvixOptions = StandardWebhooksOptions extends infer O ? O extends unknown ? Omit<O, 'headerPrefix'> : never : never

/** Svix (and senders built on it: Clerk, Resend): Standard Webhooks with `svix-*` headers. */
export function svix (options: SvixOptions): Provider<StandardWebhooksEvent> {
  return standardWebhooks({ ...options, headerPrefix: 'svix' } as StandardWebhooksOptions)
}
