import { refusal, type HookgateError } from '../core/errors.js'
import type { EventsEnvelope, InboundRequest, WebhookEvent } from '../core/types.js'
import { isObject, keyText } from './fields.js'

/** One event of a batch: `data` is the whole event object. */
export interface BatchEvent<TData = Readonly<Record<string, unknown>>> extends WebhookEvent<TData> {
  /** When the sender recorded it, in Unix seconds, if the event says. */
  readonly createdAt: number | undefined
}

export interface JsonArrayEnvelopeOptions {
  /** The field of each event holding its id (a string, or an integer, read as its decimal digits). */
  id: string
  /** The field holding its type. */
  type: string
  /** The field holding its creation time, and its unit. */
  createdAt?: { readonly field: string, readonly unit: 's' | 'ms' }
  /** Most events in one delivery. @default 10000 */
  maxEvents?: number
}

function idOf (value: unknown): string | undefined {
  return typeof value === 'string' ? keyText(value) : Number.isSafeInteger(value) ? String(value) : undefined
}

/**
 * A delivery that is a JSON array of events (SendGrid, HubSpot): each is dispatched on its own type
 * and de-duplicated by its own id. A body that is not such an array is refused (400).
 */
export function jsonArrayEnvelope (options: JsonArrayEnvelopeOptions): EventsEnvelope<BatchEvent> {
  const { id: idField, type: typeField, createdAt, maxEvents = 10_000 } = options
  const scale = createdAt?.unit === 'ms' ? 1 / 1000 : 1
  return {
    accepts: (mediaType) => mediaType === 'application/json',
    open (payload: unknown, _request: InboundRequest): readonly BatchEvent[] | HookgateError {
      if (!Array.isArray(payload)) return refusal('HOOKGATE_ENVELOPE_INVALID', { reason: 'the delivery must be a JSON array of events' })
      if (payload.length === 0 || payload.length > maxEvents) return refusal('HOOKGATE_ENVELOPE_INVALID', { reason: `a delivery carries 1 to ${maxEvents} events; this one ${payload.length}` })
      const events: BatchEvent[] = []
      for (const item of payload) {
        if (!isObject(item)) return refusal('HOOKGATE_ENVELOPE_INVALID', { reason: 'every event must be an object' })
        const id = idOf(item[idField])
        if (id === undefined) return refusal('HOOKGATE_ENVELOPE_INVALID', { reason: `an event has no ${idField}` })
        const type = keyText(item[typeField])
        if (type === undefined) return refusal('HOOKGATE_ENVELOPE_INVALID', { eventId: id, reason: `an event has no ${typeField}` })
        const time = createdAt === undefined ? undefined : item[createdAt.field]
        events.push({ id, type, data: item, createdAt: Number.isSafeInteger(time) ? Math.floor((time as number) * scale) : undefined })
      }
      return events
    }
  }
}
