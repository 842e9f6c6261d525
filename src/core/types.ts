import type { HookgateError, ValidationIssue } from './errors.js'
import type { JsonSchema } from './schemas.js'

/**
 * Request headers as Node, Fastify and Express expose them (lower-case names; a repeated header is an
 * array or, as Node does for unknown names, one value joined with ", "), or a WHATWG `Headers`.
 */
export type HeaderSource =
  | Readonly<Record<string, string | readonly string[] | undefined>>
  | { get (name: string): string | null }

/** What a verifier or an envelope may read of the request. */
export interface InboundRequest {
  /** Exactly the bytes received; never a re-serialised object. */
  readonly body: Buffer
  /**
   * Case-insensitive lookup; repeated headers come back joined with ", ". A method: call it on the
   * request (`request.header(name)`), not detached from it.
   */
  header (this: InboundRequest, name: string): string | undefined
  /** All headers, as the adapter gave them (for envelopes that read a family, such as `ce-*`). */
  readonly headers: HeaderSource
  /** The URL the sender called (scheme, host, path, query), when the adapter knows it: some senders sign it. */
  readonly url?: string | undefined
  /** The receiver's clock, in milliseconds since the epoch. */
  now (): number
}

/** An authenticated event, as a handler receives it. */
export interface WebhookEvent<TData = unknown> {
  /** The sender's event id (`id`, or `ce-id` for CloudEvents): the key for de-duplication. */
  readonly id: string
  /** The event type: the dispatch key. */
  readonly type: string
  /** Where the event comes from (CloudEvents `source`); scopes dispatch when present. */
  readonly source?: string
  /** The event's payload, validated against the handler's schema when one is declared. */
  readonly data: TData
}

/** A verifier checks one property of the raw request (a signature, credentials) before anything parses it. */
export interface Verifier {
  /** Names the scheme in logs, e.g. `hmac`. */
  readonly name: string
  /**
   * The request headers it reads (lower-case), each of which must appear once: a request repeating
   * one is refused with 400 before the body is read, since Node keeps the first `Authorization` and
   * joins other repeats, so which copy counts would depend on the server.
   */
  readonly headers?: readonly string[]
  /**
   * Returns a refusal, or `undefined` when the request passes. A verifier that had to parse the body
   * to verify it (Backchannel's compact-JSON fallback) returns `{ parsed }` so it is not parsed twice.
   */
  verify (request: InboundRequest): VerifyResult | Promise<VerifyResult>
}

export type VerifyResult = HookgateError | { readonly parsed: unknown } | undefined

/** An envelope that only ever reads events (or refuses): it answers no handshake in the body. */
export type EventsEnvelope<E extends WebhookEvent = WebhookEvent> = Omit<Envelope<E>, 'open'> & {
  open (payload: unknown, request: InboundRequest): readonly E[] | HookgateError
}

/**
 * What an envelope answers, instead of events, to a sender's signed verification request or ping:
 * after the signature was verified, without a handler, a claim or a queued job.
 */
export interface SenderReply {
  readonly reply: {
    readonly status: number
    /** A JSON body, or text (give its `content-type` in `headers`); none for a 204. */
    readonly body?: Readonly<Record<string, unknown>> | string
    readonly headers?: Readonly<Record<string, string>>
  }
}

/** Turns an authenticated, parsed body into the events it carries. */
export interface Envelope<E extends WebhookEvent = WebhookEvent> {
  /**
   * Whether a media type (lower-case, without parameters) can carry this envelope: JSON ones
   * (`application/json`, `application/*+json`), whose bodies `open()` gets parsed, or
   * `application/x-www-form-urlencoded`, whose bodies it gets as `FormParams` (an object with no prototype).
   */
  accepts (mediaType: string): boolean
  /**
   * Whether an empty body is an event without data (CloudEvents binary mode) rather than a body that
   * is not JSON: `open()` then gets `undefined`. @default false
   */
  readonly allowsEmptyBody?: boolean
  /**
   * Whether its events carry a `source` (CloudEvents). Without it, `.on({ source, type })` is refused
   * at startup: a source pattern would never match. @default false
   */
  readonly hasSource?: boolean
  /**
   * The events in the body, in order, or a refusal; or the sender's own answer to a verification
   * request or ping it signed (Discord's PING, Slack's `url_verification`), given without any handler.
   */
  open (payload: unknown, request: InboundRequest): readonly E[] | HookgateError | SenderReply
}

/** A sender described as data: how its requests are verified and how its events are read. */
export interface Provider<E extends WebhookEvent = WebhookEvent> {
  readonly name: string
  readonly verifiers: readonly Verifier[]
  readonly envelope: Envelope<E>
  /** A JSON Schema every event's `data` must satisfy, whatever its handler (checked before the handler's own). */
  readonly dataSchema?: JsonSchema
  /**
   * A sender's verification by `GET` (Meta's `hub.challenge`): its answer to the query string. The
   * adapters route `GET` on the endpoint to it only when the provider has one.
   */
  readonly verifyByGet?: (query: URLSearchParams) => GetVerification
  /**
   * For senders that read the answer to each request (Slack's slash commands, Discord's interactions,
   * Twilio's TwiML): the reply to a delivery of one event, made from what its handler returned
   * (`value`), or from `undefined` when no handler gave one (the handler returned nothing, none is
   * declared for the type, the event is a duplicate, or it was queued for a worker). `undefined`
   * keeps hookgate's own answer; a refusal (`HOOKGATE_REPLY_INVALID`) is answered instead.
   */
  reply? (event: E, value: unknown): SenderReply | HookgateError | undefined
  /**
   * Whether a handler past its timeout is answered with the acknowledgement `reply(event, undefined)`
   * gives rather than 500: for senders that never retry and show their user a failure (Slack's
   * commands, Discord's interactions); the handler, still running, answers through the sender's API.
   * Not for Twilio, whose 5xx sends the call to the number's fallback URL. @default false
   */
  readonly acknowledgesLateHandlers?: boolean
  /**
   * A sender's unsigned check, answered before any verifier runs, with nothing dispatched, claimed or
   * stored (Slack's `ssl_check=1` for slash commands): its answer, or `undefined` for any other
   * request, which is verified as usual. It may only answer what a forger learns nothing from.
   */
  unsignedCheck? (request: InboundRequest): SenderReply | undefined
}

/** The answer to a `GET` verification: the sender's challenge as text when it checks out, else a refusal. */
export interface GetVerification {
  readonly status: number
  readonly text: string
}

/**
 * Runs one event. May be async; a throw or rejection answers 5xx so the sender retries. What it
 * returns is ignored, except by a provider whose sender reads the answer (`Provider.reply`: Slack's
 * commands, Discord's interactions, Twilio), for which it is the reply.
 */
export type Handler<E, C> = (event: E, context: C) => unknown

/** The four methods hookgate logs through; pino, `console` and Fastify's `request.log` all fit. */
export interface Logger {
  debug (obj: object, msg?: string): void
  info (obj: object, msg?: string): void
  warn (obj: object, msg?: string): void
  error (obj: object, msg?: string): void
}

export type ReplyBody =
  | { readonly ok: true, readonly handled: number, readonly ignored?: number, readonly duplicates?: number }
  | { readonly ok: true, readonly queued: number, readonly ignored?: number, readonly duplicates?: number }
  | { readonly code: string, readonly message: string, readonly errors?: readonly ValidationIssue[] }

/** The answer to a CloudEvents webhook validation request (`OPTIONS`); it has no body. */
export interface HandshakeOutcome {
  readonly status: number
  readonly headers: Readonly<Record<string, string>>
}

/** What the core decided. An adapter writes this out and does nothing else. */
export interface Outcome<E extends WebhookEvent = WebhookEvent> {
  readonly status: number
  /** What hookgate answers, or the sender's own reply (a handshake, or a handler's reply through `Provider.reply`); none for a 204. */
  readonly body: ReplyBody | Readonly<Record<string, unknown>> | string | undefined
  readonly headers?: Readonly<Record<string, string>>
  /** The events that were verified and read, also when a later stage refused them. */
  readonly events: readonly E[]
  /** The refusal or failure, when `status` is not 2xx. */
  readonly error?: HookgateError
}
