import { Buffer } from 'node:buffer'
import { HookgateError, refusal } from '../core/errors.js'
import { headerEntries } from '../core/headers.js'
import { isJsonMediaType, jsonMediaType } from '../core/media-type.js'
import type { EventsEnvelope, HeaderSource, InboundRequest, WebhookEvent } from '../core/types.js'
import { parseRfc3339 } from '../verify/timestamp.js'

export type CloudEventsMode = 'binary' | 'structured' | 'batch'
export type ExtensionValue = string | number | boolean

/** A CloudEvent (spec 1.0) as a handler receives it. */
export interface CloudEvent<TData = unknown> extends WebhookEvent<TData> {
  readonly specversion: '1.0'
  /** Identifies the context in which the event happened; with `type`, the dispatch key. */
  readonly source: string
  readonly time: string | undefined
  readonly subject: string | undefined
  readonly dataschema: string | undefined
  readonly datacontenttype: string | undefined
  /** Extension attributes (any other `ce-*` header, or any other member in structured mode). */
  readonly extensions: Readonly<Record<string, ExtensionValue>>
  /** How the event arrived. */
  readonly mode: CloudEventsMode
  /** The request headers as received. */
  readonly headers: HeaderSource
}

export interface CloudEventsEnvelopeOptions {
  /** Accepted content modes. @default ['binary', 'structured', 'batch'] */
  modes?: readonly CloudEventsMode[]
}

const STRUCTURED = 'application/cloudevents+json'
const BATCH = 'application/cloudevents-batch+json'
const CONTEXT_ATTRIBUTES: ReadonlySet<string> = new Set(['id', 'source', 'type', 'specversion', 'time', 'subject', 'dataschema', 'datacontenttype', 'data', 'data_base64'])
// CloudEvents 1.0 §3.1.1: attribute names are lower-case ASCII letters and digits. The spec asks
// for at most 20 characters (SHOULD); 64 is hookgate's hard bound.
const ATTRIBUTE_NAME = /^[a-z0-9]{1,64}$/
const MAX_ID_LENGTH = 256
const MAX_SOURCE_LENGTH = 2048
/** RFC 4648 §4 base64, padded, as the JSON format's `data_base64` carries it. */
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/

function invalid (reason: string, eventId?: string): HookgateError {
  return refusal('HOOKGATE_ENVELOPE_INVALID', eventId === undefined ? { reason } : { reason, eventId })
}

/** RFC 7230 §3.2.6: the content of a quoted-string, its backslash escapes undone; `undefined` if malformed. */
function unquote (value: string): string | undefined {
  let text = ''
  for (let i = 1; i < value.length - 1; i++) {
    const char = value[i] as string
    if (char === '"') return undefined
    if (char === '\\') {
      i++
      if (i === value.length - 1) return undefined
      text += value[i] as string
    } else {
      text += char
    }
  }
  return text
}

/**
 * CloudEvents HTTP binding §3.1.3.2: a header value is first unquoted when it is a quoted-string,
 * then percent-decoded once; encoded bytes that are not valid UTF-8 (such as the overlong "%C0%A0")
 * are refused (`undefined`). A "%" not followed by two hex digits is kept: the `cloudevents` SDK
 * sends a bare "%" unencoded.
 */
function decodeHeaderValue (raw: string): string | undefined {
  const value = raw.length >= 2 && raw.startsWith('"') && raw.endsWith('"') ? unquote(raw) : raw
  if (value === undefined || !value.includes('%')) return value
  try {
    return decodeURIComponent(value.replace(/%(?![0-9A-Fa-f]{2})/g, '%25'))
  } catch {
    return undefined
  }
}

/** JSON format §2.2 and §3: a member whose value is null is unset. */
function unlessNull (value: unknown): unknown {
  return value === null ? undefined : value
}

interface Attributes {
  id?: unknown
  source?: unknown
  type?: unknown
  specversion?: unknown
  time?: unknown
  subject?: unknown
  dataschema?: unknown
  datacontenttype?: unknown
}

function optionalString (value: unknown): value is string | undefined {
  return value === undefined || (typeof value === 'string' && value !== '')
}

/** Checks the context attributes shared by every mode and builds the event. */
function toEvent (attributes: Attributes, data: unknown, extensions: Record<string, ExtensionValue>, mode: CloudEventsMode, headers: HeaderSource): CloudEvent | HookgateError {
  const { id, source, type, specversion, time, subject, dataschema, datacontenttype } = attributes
  if (typeof id !== 'string' || id === '' || id.length > MAX_ID_LENGTH) return invalid('"id" must be a non-empty string')
  if (specversion !== '1.0') return invalid('"specversion" must be "1.0"', id)
  if (typeof source !== 'string' || source === '' || source.length > MAX_SOURCE_LENGTH) return invalid('"source" must be a non-empty string', id)
  if (typeof type !== 'string' || type === '' || type.length > MAX_ID_LENGTH) return invalid('"type" must be a non-empty string', id)
  if (time !== undefined && (typeof time !== 'string' || parseRfc3339(time) === undefined)) return invalid('"time" must be an RFC 3339 date-time', id)
  if (!optionalString(subject) || !optionalString(dataschema) || !optionalString(datacontenttype)) {
    return invalid('"subject", "dataschema" and "datacontenttype" must be non-empty strings when present', id)
  }
  return { id, source, type, specversion, time, subject, dataschema, datacontenttype, data, extensions, mode, headers }
}

function fromHeaders (request: InboundRequest, data: unknown): CloudEvent | HookgateError {
  const attributes: Record<string, string> = Object.create(null) as Record<string, string>
  const extensions: Record<string, ExtensionValue> = Object.create(null) as Record<string, ExtensionValue>
  for (const [name, raw] of headerEntries(request.headers)) {
    if (!name.startsWith('ce-')) continue
    const attribute = name.slice(3)
    // Not an attribute name (a proxy's ce-foo-bar, say): ignored rather than refusing the event.
    if (!ATTRIBUTE_NAME.test(attribute)) continue
    const value = decodeHeaderValue(raw)
    if (value === undefined) return invalid(`header "${name}" is not percent-encoded UTF-8`)
    if (CONTEXT_ATTRIBUTES.has(attribute)) attributes[attribute] = value
    else extensions[attribute] = value
  }
  if (attributes.specversion === undefined) return invalid('no ce-specversion header: not a binary-mode CloudEvent')
  attributes.datacontenttype ??= request.header('content-type') ?? ''
  return toEvent(attributes, data, extensions, 'binary', request.headers)
}

function fromObject (value: unknown, mode: CloudEventsMode, headers: HeaderSource): CloudEvent | HookgateError {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return invalid('a structured CloudEvent must be a JSON object')
  const event = value as Record<string, unknown>
  const extensions: Record<string, ExtensionValue> = Object.create(null) as Record<string, ExtensionValue>
  for (const name of Object.keys(event)) {
    if (CONTEXT_ATTRIBUTES.has(name)) continue
    const extension = event[name]
    if (extension === null) continue
    if (!ATTRIBUTE_NAME.test(name)) return invalid(`"${name.slice(0, 40)}" is not a CloudEvents attribute name`, typeof event.id === 'string' ? event.id : undefined)
    if (typeof extension !== 'string' && typeof extension !== 'number' && typeof extension !== 'boolean') {
      return invalid(`extension "${name}" must be a string, number or boolean`)
    }
    extensions[name] = extension
  }
  let data: unknown = event.data
  const base64 = unlessNull(event.data_base64)
  if (base64 !== undefined) {
    if (event.data !== undefined) return invalid('"data" and "data_base64" are exclusive')
    if (typeof base64 !== 'string' || !BASE64.test(base64)) return invalid('"data_base64" must be base64')
    data = Buffer.from(base64, 'base64')
  }
  const attributes: Attributes = {
    id: event.id,
    source: event.source,
    type: event.type,
    specversion: event.specversion,
    time: unlessNull(event.time),
    subject: unlessNull(event.subject),
    dataschema: unlessNull(event.dataschema),
    datacontenttype: unlessNull(event.datacontenttype)
  }
  return toEvent(attributes, data, extensions, mode, headers)
}

/**
 * Reads CloudEvents 1.0 over HTTP: binary mode (attributes in `ce-*` headers, JSON data in the
 * body), structured mode (`application/cloudevents+json`) and batch mode
 * (`application/cloudevents-batch+json`, every event checked before any is dispatched).
 */
export function cloudEventsEnvelope (options: CloudEventsEnvelopeOptions = {}): EventsEnvelope<CloudEvent> {
  const modes: ReadonlySet<CloudEventsMode> = new Set(options.modes ?? ['binary', 'structured', 'batch'])
  if (modes.size === 0 || [...modes].some((m) => m !== 'binary' && m !== 'structured' && m !== 'batch')) {
    throw new TypeError('"modes" must list one or more of "binary", "structured", "batch"')
  }
  return {
    // Binary mode: data is optional, and an event without it has an empty body.
    allowsEmptyBody: modes.has('binary'),
    hasSource: true,
    // Binary mode takes any JSON media type (application/json, application/vnd.api+json …): the HTTP
    // Content-Type is the event's datacontenttype.
    accepts: (mediaType) =>
      mediaType === STRUCTURED ? modes.has('structured') : mediaType === BATCH ? modes.has('batch') : modes.has('binary') && isJsonMediaType(mediaType),
    open (payload: unknown, request: InboundRequest): readonly CloudEvent[] | HookgateError {
      const mediaType = jsonMediaType(request.header('content-type'))
      if (mediaType === STRUCTURED) {
        const event = fromObject(payload, 'structured', request.headers)
        return event instanceof HookgateError ? event : [event]
      }
      if (mediaType === BATCH) {
        if (!Array.isArray(payload)) return invalid('a CloudEvents batch must be a JSON array')
        const events: CloudEvent[] = []
        for (const item of payload) {
          const event = fromObject(item, 'batch', request.headers)
          if (event instanceof HookgateError) return event
          events.push(event)
        }
        return events
      }
      const event = fromHeaders(request, payload)
      return event instanceof HookgateError ? event : [event]
    }
  }
}
