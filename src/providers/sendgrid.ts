import { refusal, type HookgateError } from '../core/errors.js'
import type { EventsEnvelope, InboundRequest, Provider, WebhookEvent } from '../core/types.js'
import { publicKeyVerifier, type PublicKeyInput } from '../verify/public-key.js'
import { toleranceOption } from '../verify/timestamp.js'
import { onlyKnownOptions } from './known-options.js'

/** One SendGrid event (`delivered`, `open`, `bounce`, …): `id` is its `sg_event_id`, `data` the whole event object. */
export interface SendGridEvent<TData = Readonly<Record<string, unknown>>> extends WebhookEvent<TData> {
  /** When SendGrid recorded it, in Unix seconds (`timestamp`), if present. */
  readonly createdAt: number | undefined
}

export interface SendGridOptions {
  /** The Event Webhook's verification key, as SendGrid shows it: base64 of the SPKI DER (`MFkwEwYHKoZIzj0C…`), or PEM, or a JWK. */
  publicKey: PublicKeyInput | readonly PublicKeyInput[]
  /** Largest distance of the signed timestamp from now, in seconds. @default 300 */
  tolerance?: number
}

/** Events per delivery beyond this are refused: SendGrid batches, but not without bound. */
const MAX_EVENTS = 10_000
const MAX_KEY_LENGTH = 256

function isObject (value: unknown): value is Readonly<Record<string, unknown>> {
  return value !== null && typeof value === 'object' && !Array.isArray(value)
}

/** A batch: a JSON array of event objects, each with its own `sg_event_id` and `event`. */
function sendGridEnvelope (): EventsEnvelope<SendGridEvent> {
  return {
    accepts: (mediaType) => mediaType === 'application/json',
    open (payload: unknown, _request: InboundRequest): readonly SendGridEvent[] | HookgateError {
      if (!Array.isArray(payload)) return refusal('HOOKGATE_ENVELOPE_INVALID', { reason: 'a SendGrid delivery is a JSON array of events' })
      if (payload.length === 0 || payload.length > MAX_EVENTS) return refusal('HOOKGATE_ENVELOPE_INVALID', { reason: `a SendGrid delivery carries 1 to ${MAX_EVENTS} events; this one ${payload.length}` })
      const events: SendGridEvent[] = []
      for (const item of payload) {
        if (!isObject(item)) return refusal('HOOKGATE_ENVELOPE_INVALID', { reason: 'every SendGrid event must be an object' })
        const id = item.sg_event_id
        const type = item.event
        if (typeof id !== 'string' || id === '' || id.length > MAX_KEY_LENGTH) return refusal('HOOKGATE_ENVELOPE_INVALID', { reason: 'an event has no sg_event_id' })
        if (typeof type !== 'string' || type === '' || type.length > MAX_KEY_LENGTH) return refusal('HOOKGATE_ENVELOPE_INVALID', { eventId: id, reason: 'an event has no event type' })
        const timestamp = item.timestamp
        events.push({ id, type, data: item, createdAt: Number.isSafeInteger(timestamp) ? timestamp as number : undefined })
      }
      return events
    }
  }
}

/**
 * SendGrid's signed Event Webhook: `X-Twilio-Email-Event-Webhook-Signature`, base64 of an ECDSA
 * P-256 / SHA-256 signature (DER) over `X-Twilio-Email-Event-Webhook-Timestamp` followed by the raw
 * body, verified with the webhook's public key; the timestamp within 300 s. A delivery is a batch:
 * each event is dispatched on its own `event` type and de-duplicated by its `sg_event_id`.
 */
export function sendgrid (options: SendGridOptions): Provider<SendGridEvent> {
  if (options === null || typeof options !== 'object') throw new TypeError('sendgrid() needs { publicKey }')
  onlyKnownOptions(options, 'sendgrid()', ['publicKey', 'tolerance'])
  if (options.publicKey === undefined) throw new TypeError('sendgrid(): "publicKey" is required (the Event Webhook\'s verification key)')
  return Object.freeze({
    name: 'sendgrid',
    verifiers: Object.freeze([publicKeyVerifier({
      header: 'x-twilio-email-event-webhook-signature',
      algorithm: 'ecdsa-p256',
      keys: options.publicKey,
      encoding: 'base64',
      signedContent: '{timestamp}{body}',
      timestamp: { header: 'x-twilio-email-event-webhook-timestamp', unit: 's', tolerance: toleranceOption(options.tolerance, 300, 'tolerance') }
    })]),
    envelope: sendGridEnvelope()
  })
}
