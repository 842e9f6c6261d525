import { refusal, type HookgateError } from '../core/errors.js'
import type { EventsEnvelope, InboundRequest, WebhookEvent } from '../core/types.js'
import { parseRfc3339 } from '../verify/timestamp.js'
import { isObject, keyText } from './fields.js'

/** An event sent as a plain JSON object (Backchannel, Stripe, GitHub, Shopify, Slack, Standard Webhooks). */
export interface JsonTypeEvent<TData = unknown> extends WebhookEvent<TData> {
  /** When the sender created the event, in whole Unix seconds, if the body says (`createdAt` paths). */
  readonly createdAt: number | undefined
  /** The whole body as received. */
  readonly payload: Readonly<Record<string, unknown>>
}

/** Where a value lives: a request header, or a dotted path into the JSON body (`event.type`). */
export type Locator = { readonly header: string } | { readonly path: string }

/** A type locator may append a second value after a dot: GitHub's `issues` + `opened` → `issues.opened`. */
export type TypeLocator = Locator & { readonly suffix?: Locator }

/** Where an event's data is: a dotted path into the JSON body, or the whole body. */
export type DataLocator = { readonly path: string } | 'body'

export interface JsonTypeEnvelopeOptions {
  /** Where the event id is; the first locator that yields a value wins. @default { path: 'id' } */
  id?: Locator | readonly Locator[]
  /** Where the event type is. @default { path: 'type' } */
  type?: TypeLocator
  /**
   * The event's data: an object at a path, or the whole body; in a list, the first present wins
   * (Stripe: `[{ path: 'data' }, 'body']`, since its thin events carry no `data`). @default { path: 'data' }
   */
  data?: DataLocator | readonly DataLocator[]
  /**
   * Paths of the creation time, first present wins: integer Unix seconds, or an RFC 3339 date-time
   * (read as whole seconds). @default ['created_at', 'created']
   */
  createdAt?: readonly string[]
  /**
   * Refuse events whose creation time is further than this many seconds from now, in either
   * direction. Events without a creation time are accepted. Off by default.
   */
  maxAge?: number
}

function invalid (reason: string, eventId?: string): HookgateError {
  return refusal('HOOKGATE_ENVELOPE_INVALID', eventId === undefined ? { reason } : { reason, eventId })
}

/** Follows a dotted path through own properties only, so a path can never reach a prototype. */
function atPath (root: unknown, path: readonly string[]): unknown {
  let value = root
  for (const key of path) {
    if (!isObject(value) || !Object.hasOwn(value, key)) return undefined
    value = value[key]
  }
  return value
}

type Reader = (payload: Record<string, unknown>, request: InboundRequest) => unknown

function reader (locator: Locator, option: string): Reader {
  if (locator !== null && typeof locator === 'object' && 'header' in locator && typeof locator.header === 'string' && locator.header !== '') {
    const name = locator.header.toLowerCase()
    return (_payload, request) => request.header(name)
  }
  if (locator !== null && typeof locator === 'object' && 'path' in locator && typeof locator.path === 'string' && locator.path !== '') {
    const path = locator.path.split('.')
    return (payload) => atPath(payload, path)
  }
  throw new TypeError(`"${option}" must be { header } or { path }`)
}

function dataPath (locator: DataLocator, option: string): readonly string[] | undefined {
  if (locator === 'body') return undefined
  if (locator !== null && typeof locator === 'object' && typeof locator.path === 'string' && locator.path !== '') return locator.path.split('.')
  throw new TypeError(`"${option}" must be { path } or 'body'`)
}

/** A creation time in whole Unix seconds, from integer seconds or an RFC 3339 date-time. */
function creationSeconds (value: unknown): number | undefined {
  if (Number.isSafeInteger(value)) return value as number
  if (typeof value !== 'string') return undefined
  const ms = parseRfc3339(value)
  return ms === undefined ? undefined : Math.floor(ms / 1000)
}

/**
 * Reads a plain JSON event. By default Backchannel's shape: `{ "id", "type", "data": {…},
 * "created_at"? }` (`created` accepted too); every location is configurable for other senders.
 */
export function jsonTypeEnvelope (options: JsonTypeEnvelopeOptions = {}): EventsEnvelope<JsonTypeEvent> {
  const { maxAge } = options
  if (maxAge !== undefined && (typeof maxAge !== 'number' || !(maxAge > 0) || !Number.isFinite(maxAge))) {
    throw new TypeError('"maxAge" must be a positive number of seconds')
  }
  const idLocators = options.id === undefined ? [{ path: 'id' }] : Array.isArray(options.id) ? options.id : [options.id as Locator]
  const readIds = idLocators.map((locator, i) => reader(locator, `id[${i}]`))
  const typeLocator = options.type ?? { path: 'type' }
  const readType = reader(typeLocator, 'type')
  const readSuffix = typeLocator.suffix === undefined ? undefined : reader(typeLocator.suffix, 'type.suffix')
  const dataLocators: readonly DataLocator[] = options.data === undefined ? [{ path: 'data' }] : Array.isArray(options.data) ? options.data : [options.data as DataLocator]
  if (dataLocators.length === 0) throw new TypeError('"data" must name at least one place')
  const dataPaths = dataLocators.map((locator, i) => dataPath(locator, `data[${i}]`))
  const createdPaths = (options.createdAt ?? ['created_at', 'created']).map((path) => path.split('.'))

  return {
    accepts: (mediaType) => mediaType === 'application/json',
    open (payload: unknown, request: InboundRequest): readonly JsonTypeEvent[] | HookgateError {
      if (!isObject(payload)) return invalid('body is not a JSON object')
      let id: string | undefined
      for (const read of readIds) {
        id = keyText(read(payload, request))
        if (id !== undefined) break
      }
      if (id === undefined) return invalid('the event id is missing or not a non-empty string')
      let type = keyText(readType(payload, request))
      if (type === undefined) return invalid('the event type is missing or not a non-empty string', id)
      const suffix = readSuffix === undefined ? undefined : keyText(readSuffix(payload, request))
      if (suffix !== undefined) type = `${type}.${suffix}`
      let data: unknown
      for (const path of dataPaths) {
        data = path === undefined ? payload : atPath(payload, path)
        if (data !== undefined) break
      }
      if (!isObject(data)) return invalid('the event data must be an object', id)
      let createdAt: number | undefined
      for (const path of createdPaths) {
        const value = atPath(payload, path)
        // null is how many serialisers write an optional field they have no value for.
        if (value === undefined || value === null) continue
        createdAt = creationSeconds(value)
        if (createdAt === undefined) return invalid('the creation time must be integer Unix seconds or an RFC 3339 date-time', id)
        break
      }
      if (maxAge !== undefined && createdAt !== undefined && Math.abs(request.now() / 1000 - createdAt) > maxAge) {
        return refusal('HOOKGATE_TIMESTAMP_OUT_OF_TOLERANCE', { eventId: id, reason: `created_at ${createdAt} is more than ${maxAge}s from now` })
      }
      return [{ id, type, data, createdAt, payload }]
    }
  }
}
