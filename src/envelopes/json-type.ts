import { refusal, type HookgateError } from '../core/errors.js'
import type { Envelope, InboundRequest, WebhookEvent } from '../core/types.js'

/** An event sent as a plain JSON object with its type in the body, as Backchannel sends them. */
export interface JsonTypeEvent<TData = unknown> extends WebhookEvent<TData> {
  /** When the sender created the event, in Unix seconds (`created_at`, or `created`), if it said. */
  readonly createdAt: number | undefined
  /** The whole body as received. */
  readonly payload: Readonly<Record<string, unknown>>
}

export interface JsonTypeEnvelopeOptions {
  /**
   * Refuse events whose creation time is further than this many seconds from now, in either
   * direction. Events without a creation time are accepted. Off by default.
   */
  maxAge?: number
}

/** Event ids and types longer than this are refused: they end up in logs and store keys. */
const MAX_KEY_LENGTH = 256

function isObject (value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value)
}

function invalid (reason: string, eventId?: string): HookgateError {
  return refusal('HOOKGATE_ENVELOPE_INVALID', eventId === undefined ? { reason } : { reason, eventId })
}

/**
 * Reads `{ "id": string, "type": string, "data": object, "created_at"?: integer }` (`created` is
 * accepted for `created_at`).
 */
export function jsonTypeEnvelope (options: JsonTypeEnvelopeOptions = {}): Envelope<JsonTypeEvent> {
  const { maxAge } = options
  if (maxAge !== undefined && (typeof maxAge !== 'number' || !(maxAge > 0) || !Number.isFinite(maxAge))) {
    throw new TypeError('"maxAge" must be a positive number of seconds')
  }
  return {
    accepts: (mediaType) => mediaType === 'application/json',
    open (payload: unknown, request: InboundRequest): readonly JsonTypeEvent[] | HookgateError {
      if (!isObject(payload)) return invalid('body is not a JSON object')
      const { id, type, data } = payload
      if (typeof id !== 'string' || id === '' || id.length > MAX_KEY_LENGTH) return invalid('"id" must be a non-empty string')
      if (typeof type !== 'string' || type === '' || type.length > MAX_KEY_LENGTH) return invalid('"type" must be a non-empty string', id)
      if (!isObject(data)) return invalid('"data" must be an object', id)
      const created = payload.created_at ?? payload.created
      if (created !== undefined && !Number.isSafeInteger(created)) return invalid('"created_at" must be an integer Unix timestamp', id)
      const createdAt = created as number | undefined
      if (maxAge !== undefined && createdAt !== undefined && Math.abs(request.now() / 1000 - createdAt) > maxAge) {
        return refusal('HOOKGATE_TIMESTAMP_OUT_OF_TOLERANCE', { eventId: id, reason: `created_at ${createdAt} is more than ${maxAge}s from now` })
      }
      return [{ id, type, data, createdAt, payload }]
    }
  }
}
