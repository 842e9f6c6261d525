import type { Provider } from '../core/types.js'
import type { JsonTypeEvent } from '../envelopes/json-type.js'
import { toleranceOption } from '../verify/timestamp.js'
import { withHandshake } from './handshake.js'
import { hmacPreset, type SecretOptions } from './hmac-preset.js'

/** A Slack Events API callback: `data` is the inner `event`, `type` its type (`app_mention`), `id` the `event_id`. */
export type SlackEvent<TData = unknown> = JsonTypeEvent<TData>

/**
 * Slack (Events API): `X-Slack-Signature: v0=<hex>`, HMAC-SHA256 of `v0:<X-Slack-Request-Timestamp>:<body>`
 * with the app's signing secret; the timestamp within 300 s. The `url_verification` request Slack
 * signs when the Request URL is saved is answered `{ challenge }` once its signature verifies, and
 * reaches no handler. Slash commands and interactivity post forms, which hookgate does not read (415).
 */
export function slack (options: SecretOptions & { tolerance?: number }): Provider<SlackEvent> {
  const provider = hmacPreset('slack', options, {
    header: 'x-slack-signature',
    format: { kind: 'single', prefix: 'v0=' },
    signedContent: 'v0:{timestamp}:{body}',
    timestamp: { header: 'x-slack-request-timestamp', unit: 's', tolerance: toleranceOption(options?.tolerance, 300, 'tolerance') }
  }, { id: { path: 'event_id' }, type: { path: 'event.type' }, data: { path: 'event' }, createdAt: ['event_time'] }, { options: ['tolerance'] })
  return withHandshake(provider, (payload) => {
    const challenge = (payload as { type?: unknown, challenge?: unknown } | null)?.type === 'url_verification' ? (payload as { challenge?: unknown }).challenge : undefined
    return typeof challenge === 'string' && challenge !== '' && challenge.length <= 1024 ? { reply: { status: 200, body: { challenge } } } : undefined
  })
}
