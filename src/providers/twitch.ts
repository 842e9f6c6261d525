import type { Provider } from '../core/types.js'
import type { JsonTypeEvent } from '../envelopes/json-type.js'
import { toleranceOption } from '../verify/timestamp.js'
import { withHandshake } from './handshake.js'
import { hmacPreset, type SecretOptions } from './hmac-preset.js'

/** A Twitch EventSub notification: `id` is `Twitch-Eventsub-Message-Id`, `type` the subscription's type (`channel.follow`), `data` its `event`. */
export type TwitchEvent<TData = unknown> = JsonTypeEvent<TData>

const MAX_CHALLENGE = 1024

/**
 * Twitch EventSub (webhook transport): `Twitch-Eventsub-Message-Signature: sha256=<hex>`, HMAC-SHA256
 * of the message id, the timestamp and the raw body with the subscription's secret; the timestamp
 * (RFC 3339) within 10 minutes, as Twitch asks. The signed `webhook_callback_verification` is
 * answered with its challenge as text/plain, and a signed `revocation` with 204, neither reaching a
 * handler; `notification`s are events.
 */
export function twitch (options: SecretOptions & { tolerance?: number }): Provider<TwitchEvent> {
  const provider = hmacPreset('twitch', options, {
    header: 'twitch-eventsub-message-signature',
    format: { kind: 'single', prefix: 'sha256=' },
    signedContent: '{header:twitch-eventsub-message-id}{timestamp}{body}',
    timestamp: { header: 'twitch-eventsub-message-timestamp', unit: 'iso', tolerance: toleranceOption(options?.tolerance, 600, 'tolerance') }
  }, { id: { header: 'twitch-eventsub-message-id' }, type: { path: 'subscription.type' }, data: { path: 'event' }, createdAt: [] }, { options: ['tolerance'] })
  return withHandshake(provider, (payload, request) => {
    const kind = request.header('twitch-eventsub-message-type')
    if (kind === 'revocation') return { reply: { status: 204 } }
    const challenge = kind === 'webhook_callback_verification' ? (payload as { challenge?: unknown } | null)?.challenge : undefined
    return typeof challenge === 'string' && challenge !== '' && challenge.length <= MAX_CHALLENGE
      ? { reply: { status: 200, body: challenge, headers: { 'content-type': 'text/plain; charset=utf-8' } } }
      : undefined
  })
}
