import { refusal, type HookgateError } from '../core/errors.js'
import type { Envelope, InboundRequest, Provider, SenderReply, WebhookEvent } from '../core/types.js'
import type { PublicKeyInput } from '../verify/public-key.js'
import { parseRfc3339 } from '../verify/timestamp.js'
import { bodyDigest, isObject, keyText } from '../envelopes/fields.js'
import { publicKeyPreset } from './public-key-preset.js'

/**
 * One Discord webhook event (`APPLICATION_AUTHORIZED`, `ENTITLEMENT_CREATE`, …): `data` is the
 * event's `data`. Discord gives these events no id: `id` is the SHA-256 of the signed body, the same
 * for a redelivery of the same bytes.
 */
export interface DiscordEvent<TData = unknown> extends WebhookEvent<TData> {
  /** The application the event is for (`application_id`). */
  readonly applicationId: string
  /** When the event happened, in Unix seconds (`event.timestamp`). */
  readonly createdAt: number | undefined
}

export interface DiscordOptions {
  /** The application's public key, as the Developer Portal shows it: 64 hex characters (or PEM, a JWK). */
  publicKey: PublicKeyInput | readonly PublicKeyInput[]
  /** Largest distance of `X-Signature-Timestamp` from now, in seconds. @default 300 */
  tolerance?: number
}

/**
 * `{ version, application_id, type, event? }`: type 0 is Discord's PING, answered 204 and never
 * dispatched; type 1 an event, dispatched on `event.type`.
 */
function discordEnvelope (): Envelope<DiscordEvent> {
  return {
    accepts: (mediaType) => mediaType === 'application/json',
    open (payload: unknown, request: InboundRequest): readonly DiscordEvent[] | HookgateError | SenderReply {
      if (!isObject(payload)) return refusal('HOOKGATE_ENVELOPE_INVALID', { reason: 'a Discord delivery is a JSON object' })
      if (payload.type === 0) return { reply: { status: 204 } }
      const event = payload.event
      const applicationId = payload.application_id
      if (payload.type !== 1 || !isObject(event)) return refusal('HOOKGATE_ENVELOPE_INVALID', { reason: 'not a Discord webhook event (type 1 with an event object) nor a PING' })
      const id = bodyDigest(request)
      const type = keyText(event.type)
      if (type === undefined) return refusal('HOOKGATE_ENVELOPE_INVALID', { eventId: id, reason: 'the event type is missing' })
      const ms = typeof event.timestamp === 'string' ? parseRfc3339(event.timestamp) : undefined
      return [{ id, type, data: event.data ?? {}, applicationId: typeof applicationId === 'string' ? applicationId : '', createdAt: ms === undefined ? undefined : Math.floor(ms / 1000) }]
    }
  }
}

/**
 * Discord's webhook events (the Developer Portal's "Webhook Events URL"): `X-Signature-Ed25519`, the
 * hex Ed25519 signature of `X-Signature-Timestamp` followed by the raw body, verified with the
 * application's public key; the timestamp within 300 s. Discord's PING (type 0), sent when the URL
 * is saved, is answered 204 once its signature verifies, as Discord requires; a bad signature gets
 * 401, which Discord also probes for.
 */
export function discord (options: DiscordOptions): Provider<DiscordEvent> {
  return publicKeyPreset('discord', options, {
    header: 'x-signature-ed25519',
    algorithm: 'ed25519',
    encoding: 'hex',
    signedContent: '{timestamp}{body}',
    timestamp: { header: 'x-signature-timestamp' }
  }, discordEnvelope(), 'the application\'s public key')
}
