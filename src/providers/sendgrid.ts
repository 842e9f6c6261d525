import type { Provider } from '../core/types.js'
import { jsonArrayEnvelope, type BatchEvent } from '../envelopes/json-array.js'
import type { PublicKeyInput } from '../verify/public-key.js'
import { publicKeyPreset } from './public-key-preset.js'

/** One SendGrid event (`delivered`, `open`, `bounce`, …): `id` is its `sg_event_id`, `data` the whole event object. */
export type SendGridEvent<TData = Readonly<Record<string, unknown>>> = BatchEvent<TData>

export interface SendGridOptions {
  /** The Event Webhook's verification key, as SendGrid shows it: base64 of the SPKI DER (`MFkwEwYHKoZIzj0C…`), or PEM, or a JWK. */
  publicKey: PublicKeyInput | readonly PublicKeyInput[]
  /** Largest distance of the signed timestamp from now, in seconds. @default 300 */
  tolerance?: number
}

/**
 * SendGrid's signed Event Webhook: `X-Twilio-Email-Event-Webhook-Signature`, base64 of an ECDSA
 * P-256 / SHA-256 signature (DER) over `X-Twilio-Email-Event-Webhook-Timestamp` followed by the raw
 * body, verified with the webhook's public key; the timestamp within 300 s. A delivery is a batch:
 * each event is dispatched on its own `event` type and de-duplicated by its `sg_event_id`.
 */
export function sendgrid (options: SendGridOptions): Provider<SendGridEvent> {
  return publicKeyPreset('sendgrid', options, {
    header: 'x-twilio-email-event-webhook-signature',
    algorithm: 'ecdsa-p256',
    encoding: 'base64',
    signedContent: '{timestamp}{body}',
    timestamp: { header: 'x-twilio-email-event-webhook-timestamp' }
  }, jsonArrayEnvelope({ id: 'sg_event_id', type: 'event', createdAt: { field: 'timestamp', unit: 's' } }), 'the Event Webhook\'s verification key')
}
