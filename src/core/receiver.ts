import { Buffer } from 'node:buffer'
import type { Ajv } from 'ajv'
import { HookgateError, refusal, type ValidationIssue } from './errors.js'
import { enqueueEvents, runJob, type QueuedEndpoint } from './hand-off.js'
import { readHeader, repeatedHeader } from './headers.js'
import { MAX_FORM_PARAMS, parseForm } from './form.js'
import { parseJson } from './json.js'
import { hookFailed, silentLogger } from './log.js'
import { isJsonMediaType, jsonMediaType } from './media-type.js'
import { eventKey, resolveIdempotency, type IdempotencyOptions, type ResolvedIdempotency } from './idempotency.js'
import { resolveQueue, type ConsumedJob, type JobContext, type QueueOptions, type ResolvedQueue, type RunResult } from './queue.js'
import { HandlerRun, isThenable, type Route } from './run.js'
import { validateReceiverOptions } from './options.js'
import { DeadlineQueue } from './deadlines.js'
import { describePattern, EventRegistry, type EventPattern } from './registry.js'
import { compileDataValidator, createAjv, MAX_REPORTED_ISSUES, type DataValidator, type JsonSchema } from './schemas.js'
import { isStandardSchema, standardValidator, type StandardOutcome } from './standard-schema.js'
import { receiveChannel, refusedChannel, type ReceiveMessage, type RefusedMessage } from './diagnostics.js'
import type { GetVerification, HandshakeOutcome, Handler, HeaderSource, InboundRequest, Logger, Outcome, Provider, SenderReply, Verifier, WebhookEvent } from './types.js'
import type { EventFor, EventMap, EventMapOf, EventWithSchema, OpenEventMap, SchemaLike, TypePattern } from './typing.js'

const FORM_MEDIA_TYPE = 'application/x-www-form-urlencoded'

/** Any handler, as stored: the typed overloads of `on()` are what callers see. */
type AnyHandler<C> = Handler<never, C>

/** 1 MiB: larger than any event the senders we know of document, small enough to read into memory. */
export const DEFAULT_BODY_LIMIT = 1024 * 1024

/** 30 s: longer than most senders wait, so a slow handler is retried rather than left hanging. */
export const DEFAULT_HANDLER_TIMEOUT = 30_000

/** 5 s, plus the body limit at 128 KiB/s: a sender's body arrives well within it; a stalled one does not hold on. */
export function defaultBodyTimeout (bodyLimit: number): number {
  return 5000 + Math.ceil(bodyLimit / (128 * 1024) * 1000)
}

export interface ReceiverOptions<E extends WebhookEvent = WebhookEvent, C = undefined, Events extends SchemaMap = SchemaMap> {
  /**
   * The event types this endpoint receives, each with the JSON Schema of its `data` (`as const`).
   * Every event of a listed type is validated against it, and `.on()` then only accepts these types
   * and their namespaces, with `event.data` typed per type.
   */
  events?: Events
  /** Largest body accepted, in bytes; larger ones get 413. @default 1048576 */
  bodyLimit?: number
  /**
   * Milliseconds from the request's headers to the end of its body; a body still arriving then gets
   * 408 and the connection is closed, so a client that stalls cannot hold a connection and a body
   * buffer. @default 5 s plus the time to receive `bodyLimit` at 128 KiB/s (13 s for 1 MiB)
   */
  bodyTimeout?: number
  /**
   * What a genuine event with no matching handler gets: `'acknowledge'` answers 2xx and logs it at
   * info; `'refuse'` answers 422 so it shows up in the sender's delivery log. @default 'acknowledge'
   */
  unknownEvents?: 'acknowledge' | 'refuse'
  /**
   * Milliseconds a handler may run before the sender gets 500 (`HOOKGATE_HANDLER_TIMEOUT`) and
   * retries; the handler itself is not cancelled, and keeps its event's claim until it ends or the
   * claim's lease expires (a retry meanwhile gets 409). `Infinity` waits forever. @default 30000
   */
  handlerTimeout?: number
  /** The ajv instance that compiles the event schemas; share one across endpoints. @default createAjv() */
  ajv?: Ajv
  /** The clock, in milliseconds since the epoch; tests and replays from a queue set it. @default Date.now */
  now?: () => number
  /** Called after each event's handler succeeded (or was acknowledged without one); for metrics. */
  onEvent?: (event: E, context: C) => void
  /** Called for each refusal and each handler failure; for metrics. */
  onRejected?: (error: HookgateError, context: C) => void
  /**
   * De-duplication by event id: each event's handler runs once when it succeeds, and again on the
   * sender's retry when it fails. `false` turns it off. @default an in-memory store (this process)
   */
  idempotency?: IdempotencyOptions | false
  /**
   * Answer the CloudEvents webhook validation handshake (`OPTIONS` with `WebHook-Request-Origin`)
   * for these origins (`'*'`: any), announcing `rate` requests per minute when given. Off by default.
   */
  handshake?: HandshakeOptions
  /**
   * Queue mode: each verified event is stored on a durable queue and answered 202 once stored; the
   * handlers then run on workers, with retries and dead letters, and get a `JobContext` (with an
   * `AbortSignal`) instead of the request. See docs/queue.md. Off by default: handlers run inline.
   */
  queue?: QueueOptions
  /** The endpoint's name in stored jobs and logs (the route path on Fastify). @default the provider's name */
  endpoint?: string
}

export interface HandshakeOptions {
  readonly origins: readonly string[] | '*'
  readonly rate?: number | '*'
}

export interface HandlerOptions<S extends SchemaLike = SchemaLike> {
  /**
   * JSON Schema (an `as const` literal or a TypeBox schema) for the event's `data`, compiled once now,
   * or a Standard Schema (Zod 4, Valibot, ArkType, …), whose output the handler then gets as `data`;
   * failing payloads get 400 with the errors. It also types `event.data` in the handler.
   */
  schema?: S
}

export interface ReceiveOptions<C> {
  /** Passed to handlers and hooks as their second argument (the Fastify adapter passes the request). */
  context?: C
  /** Where refusals, failures and unhandled events are logged. @default a silent logger */
  log?: Logger
  /**
   * The URL the sender called, for schemes that sign it (`{url}`); adapters fill it in. A function
   * is called only if a verifier reads the URL, and at most once.
   */
  url?: string | (() => string)
}

/**
 * `receive()` without the header checks that `precheck()` already made: every adapter calls
 * `precheck()` before reading the body, then this. Not exported from the package.
 */
export const receivePrechecked: unique symbol = Symbol('hookgate.receivePrechecked')

/** Runs one queued job through this receiver's handlers; called by `startWorker()`. Not exported from the package. */
export const runQueued: unique symbol = Symbol('hookgate.runQueued')

/** The queue options of a receiver in queue mode; read by `startWorker()`. Not exported from the package. */
export const queueOf: unique symbol = Symbol('hookgate.queueOf')

/** The request as verifiers and envelopes see it; the URL is built on first read. */
class Inbound implements InboundRequest {
  readonly body: Buffer
  readonly headers: HeaderSource
  readonly now: () => number
  #url: string | (() => string) | undefined

  constructor (body: Buffer, headers: HeaderSource, now: () => number, url: string | (() => string) | undefined) {
    this.body = body
    this.headers = headers
    this.now = now
    this.#url = url
  }

  header (name: string): string | undefined {
    return readHeader(this.headers, name)
  }

  get url (): string | undefined {
    if (typeof this.#url === 'function') this.#url = this.#url()
    return this.#url
  }
}

/** A map of event types to the JSON Schemas of their data. */
export type SchemaMap = Readonly<Record<string, SchemaLike>>

/** The event map a receiver's `events` option declares; without one, every type is open. */
export type EventMapFor<Events> = [keyof Events] extends [never] ? OpenEventMap : EventMapOf<Events>

/**
 * Verifies, parses, validates and dispatches webhook requests for one endpoint, with no knowledge of
 * any HTTP framework. Adapters pass it the raw bytes and headers and write out the `Outcome`.
 */
export class Receiver<E extends WebhookEvent = WebhookEvent, C = undefined, M extends EventMap = OpenEventMap> {
  readonly provider: Provider<E>
  readonly bodyLimit: number
  /** The deadline of each request's body (`bodyTimeout`), started and settled by the adapters. */
  readonly bodyDeadlines: DeadlineQueue
  readonly #routes = new EventRegistry<Route<E, C>>()
  readonly #refuseUnknown: boolean
  readonly #run: HandlerRun<E, C>
  readonly #now: () => number
  readonly #ajv: Ajv | undefined
  #ownAjv: Ajv | undefined
  readonly #onEvent: ((event: E, context: C) => void) | undefined
  readonly #onRejected: ((error: HookgateError, context: C) => void) | undefined
  readonly #handshake: HandshakeOptions | undefined
  readonly #idempotency: ResolvedIdempotency | undefined
  readonly #endpoint: string
  /** Headers that must appear once: `Authorization` and those the verifiers read. */
  readonly #singleHeaders: readonly string[]
  /** The hand-off's view of this receiver, in queue mode. */
  readonly #queued: QueuedEndpoint<E, C> | undefined
  #inFlight = 0
  #closing = false
  readonly #idle: Array<() => void> = []
  readonly #validateBase: DataValidator | undefined
  readonly #validateByType = new Map<string, DataValidator>()
  #acceptedContentType: string | undefined
  /** Whether the envelope reads `application/x-www-form-urlencoded` bodies (Twilio, Slack's commands). */
  readonly #readsForms: boolean

  constructor (provider: Provider<E>, options: ReceiverOptions<E, C, SchemaMap> = {}) {
    if (provider === null || typeof provider !== 'object' || !Array.isArray(provider.verifiers) || typeof provider.envelope?.open !== 'function') {
      throw new TypeError('"provider" must be a provider preset such as backchannel({ secret })')
    }
    if (provider.verifiers.length === 0) {
      throw new TypeError(`provider "${provider.name}" declares no verifier: hookgate never accepts unauthenticated webhooks`)
    }
    validateReceiverOptions(options)
    this.provider = provider
    this.#readsForms = provider.envelope.accepts(FORM_MEDIA_TYPE)
    this.bodyLimit = options.bodyLimit ?? DEFAULT_BODY_LIMIT
    this.bodyDeadlines = new DeadlineQueue(options.bodyTimeout ?? defaultBodyTimeout(this.bodyLimit))
    this.#refuseUnknown = options.unknownEvents === 'refuse'
    this.#now = options.now ?? Date.now
    this.#ajv = options.ajv
    this.#onEvent = options.onEvent
    this.#onRejected = options.onRejected
    const handlerTimeout = options.handlerTimeout ?? DEFAULT_HANDLER_TIMEOUT
    this.#handshake = options.handshake
    this.#idempotency = resolveIdempotency(options.idempotency, provider.name, handlerTimeout, this.#now)
    if (options.endpoint !== undefined && (typeof options.endpoint !== 'string' || options.endpoint === '')) throw new TypeError('"endpoint" must be a non-empty string')
    this.#endpoint = options.endpoint ?? provider.name
    this.#run = new HandlerRun(handlerTimeout, this.#idempotency, { endpoint: this.#endpoint, provider: provider.name })
    this.#singleHeaders = [...new Set(['authorization', ...provider.verifiers.flatMap((verifier) => verifier.headers ?? [])])]
    const queue = resolveQueue(options.queue)
    this.#queued = queue === undefined
      ? undefined
      : {
          queue,
          endpoint: this.#endpoint,
          provider: provider.name,
          now: this.#now,
          run: this.#run,
          // Queued jobs are keyed as claims are, also when de-duplication by claims is off.
          key: this.#idempotency?.key ?? eventKey(options.idempotency === false ? provider.name : options.idempotency?.namespace ?? provider.name),
          route: (event) => this.#route(event),
          succeeded: (event, context, log) => { this.#notify(this.#onEvent, event, { context: context as C }, log) }
        }
    this.#validateBase = provider.dataSchema === undefined
      ? undefined
      : compileDataValidator(this.#schemaCompiler(), provider.dataSchema, `every ${provider.name} event`)
    if (options.events !== undefined) {
      if (options.events === null || typeof options.events !== 'object') throw new TypeError('"events" must map event types to JSON Schemas')
      for (const [type, schema] of Object.entries(options.events)) {
        if (type === '' || type.includes('*')) throw new TypeError(`"events" keys are event types; "${type}" is not one`)
        this.#validateByType.set(type, compileDataValidator(this.#schemaCompiler(), schema as JsonSchema, type))
      }
    }
  }

  /**
   * This receiver, typed with the context you pass to `receive()` (which handlers and hooks get as
   * their second argument), keeping its events map. Types only, like Fastify's `withTypeProvider()`.
   * @example createReceiver(backchannel({ secret }), { events }).withContext<IncomingMessage>().on('order.paid', (event, req) => {})
   */
  withContext<Context> (): Receiver<E, Context, M> {
    return this as unknown as Receiver<E, Context, M>
  }

  /** The queue options in queue mode, else `undefined`. */
  get [queueOf] (): ResolvedQueue | undefined {
    return this.#queued?.queue
  }

  /** Whether `GET` requests are the sender's verification (the provider's `verifyByGet`). */
  get answersGet (): boolean {
    return this.provider.verifyByGet !== undefined
  }

  /**
   * Answers a sender's `GET` verification from the request URL's query string; logged, as refusals
   * are, when it does not check out.
   */
  answerGet (url: string, log: Logger = silentLogger): GetVerification {
    const query = url.indexOf('?')
    const answer = this.provider.verifyByGet?.(new URLSearchParams(query === -1 ? '' : url.slice(query + 1))) ?? { status: 405, text: '' }
    if (answer.status >= 400) log.warn({ endpoint: this.#endpoint, provider: this.provider.name, status: answer.status }, 'webhook verification refused')
    else log.info({ endpoint: this.#endpoint, provider: this.provider.name }, 'webhook verification answered')
    return answer
  }

  /** Whether `OPTIONS` requests get the CloudEvents validation handshake. */
  get handshakeEnabled (): boolean {
    return this.#handshake !== undefined
  }

  /**
   * Declares the handler for an event type, an `order.*` namespace or the catch-all `*`. Throws at
   * once if the pattern is malformed or taken, or the schema does not compile.
   * @example receiver.on('order.created', { schema }, async (event) => { await save(event.data) })
   */
  on<const P extends TypePattern<M> | { readonly source?: string, readonly type: TypePattern<M> }, const S extends SchemaLike> (pattern: P, options: HandlerOptions<S> & { schema: S }, handler: Handler<EventWithSchema<E, M, P, S>, C>): this
  on<const P extends TypePattern<M> | { readonly source?: string, readonly type: TypePattern<M> }> (pattern: P, handler: Handler<EventFor<E, M, P>, C>): this
  on<const P extends TypePattern<M> | { readonly source?: string, readonly type: TypePattern<M> }> (pattern: P, options: HandlerOptions<never>, handler: Handler<EventFor<E, M, P>, C>): this
  on (pattern: EventPattern, optionsOrHandler: HandlerOptions | AnyHandler<C>, maybeHandler?: AnyHandler<C>): this {
    const [options, handler] = handlerArguments(optionsOrHandler, maybeHandler)
    this.addHandler(pattern, options, handler as Handler<E, C>)
    return this
  }

  /** `on()` without its typed overloads, for adapters that wrap handlers. */
  addHandler (pattern: EventPattern, options: HandlerOptions, handler: Handler<E, C>): void {
    const label = describePattern(pattern)
    if (typeof handler !== 'function') {
      throw new TypeError(`the handler for "${label}" must be a function`)
    }
    if (options === null || typeof options !== 'object') throw new TypeError(`the options for "${label}" must be an object`)
    if (typeof pattern === 'object' && pattern !== null && pattern.source !== undefined && pattern.source !== '*' && this.provider.envelope.hasSource !== true) {
      throw new TypeError(`.on({ source: ${JSON.stringify(pattern.source)} }): ${this.provider.name} events carry no source, so this handler would never run; declare it for { type } alone`)
    }
    const standard = isStandardSchema(options.schema) ? standardValidator(options.schema) : undefined
    const validate = options.schema === undefined || standard !== undefined ? undefined : compileDataValidator(this.#schemaCompiler(), options.schema as JsonSchema, label)
    this.#routes.add(pattern, { pattern: label, handler, validate, standard })
  }

  /**
   * Refusals decidable from the headers alone (media type, declared length, and with Node's
   * `rawHeaders` a repeated signature, `Authorization` or `ce-*` header), so an adapter can answer
   * before reading the body.
   */
  precheck (headers: HeaderSource, rawHeaders?: readonly string[]): HookgateError | undefined {
    const declared = readHeader(headers, 'content-length')
    if (declared !== undefined && Number(declared) > this.bodyLimit) {
      return refusal('HOOKGATE_BODY_TOO_LARGE', { reason: `content-length ${declared} exceeds ${this.bodyLimit}` })
    }
    const repeated = rawHeaders === undefined ? undefined : repeatedHeader(rawHeaders, this.#singleHeaders)
    if (repeated !== undefined) return refusal('HOOKGATE_HEADER_REPEATED', { reason: `${repeated} is repeated` })
    return this.#checkEntity(headers)
  }

  /**
   * Runs the whole pipeline for one request: media type → verify → parse → envelope → validate →
   * claim → dispatch. After `close()` began it answers 503 without reading anything.
   */
  receive (body: Uint8Array, headers: HeaderSource, options: ReceiveOptions<C> = {}): Promise<Outcome<E>> {
    return this.#traced(body, headers, options, true)
  }

  [receivePrechecked] (body: Uint8Array, headers: HeaderSource, options: ReceiveOptions<C>): Promise<Outcome<E>> {
    return this.#traced(body, headers, options, false)
  }

  /** The delivery, published on the `hookgate:receive` tracing channel while someone subscribes to it. */
  #traced (body: Uint8Array, headers: HeaderSource, options: ReceiveOptions<C>, checkEntity: boolean): Promise<Outcome<E>> {
    if (!receiveChannel.hasSubscribers) return this.#closing ? this.#refuseWhileClosing(options) : this.#receive(body, headers, options, checkEntity, undefined)
    const delivery: ReceiveMessage = { endpoint: this.#endpoint, provider: this.provider.name, stages: [] }
    return receiveChannel.tracePromise(async () => await (this.#closing ? this.#refuseWhileClosing(options) : this.#receive(body, headers, options, checkEntity, delivery)), delivery)
  }

  #refuseWhileClosing (options: ReceiveOptions<C>): Promise<Outcome<E>> {
    return Promise.resolve(this.reject(refusal('HOOKGATE_SHUTTING_DOWN', { reason: 'close() was called', headers: { 'retry-after': '5' } }), options))
  }

  /**
   * Stops accepting deliveries (503 from now on) and resolves once the in-flight ones have finished
   * and recorded their results, handlers past their timeout included (for a grace of 5 s). Closes
   * the idempotency store only if hookgate created it.
   */
  async close (): Promise<void> {
    this.#closing = true
    if (this.#inFlight > 0) await new Promise<void>((resolve) => { this.#idle.push(resolve) })
    await this.#run.close()
  }

  async #receive (body: Uint8Array, headers: HeaderSource, options: ReceiveOptions<C>, checkEntity: boolean, delivery: ReceiveMessage | undefined): Promise<Outcome<E>> {
    this.#inFlight++
    try {
      const log = options.log ?? silentLogger
      const bytes = Buffer.isBuffer(body) ? body : Buffer.from(body.buffer, body.byteOffset, body.byteLength)
      if (bytes.length > this.bodyLimit) {
        return this.reject(refusal('HOOKGATE_BODY_TOO_LARGE', { reason: `${bytes.length} bytes exceed ${this.bodyLimit}` }), options)
      }
      const entityRefusal = checkEntity ? this.#checkEntity(headers) : undefined
      if (entityRefusal !== undefined) return this.reject(entityRefusal, options)

      const request = new Inbound(bytes, headers, this.#now, options.url)
      const unsigned = this.provider.unsignedCheck?.(request)
      if (unsigned !== undefined) return this.#answerHandshake(unsigned, log)
      let parsed: { value: unknown } | undefined
      // Indexed loops in this async function: its for-of iterators were allocated on every request
      // (about 200 bytes, measured with bench/micro/allocation.ts).
      const verifiers = this.provider.verifiers
      for (let v = 0; v < verifiers.length; v++) {
        let result = (verifiers[v] as Verifier).verify(request)
        if (result instanceof Promise) result = await result
        if (result instanceof HookgateError) return this.reject(result, options)
        if (result !== undefined) parsed = { value: result.parsed }
      }

      delivery?.stages.push({ stage: 'verified', at: performance.now() })
      if (parsed === undefined && bytes.length === 0 && this.provider.envelope.allowsEmptyBody === true) {
        parsed = { value: undefined }
      } else if (parsed === undefined && this.#readsForms && jsonMediaType(readHeader(headers, 'content-type')) === FORM_MEDIA_TYPE) {
        const form = parseForm(bytes)
        if (form === undefined) return this.reject(refusal('HOOKGATE_ENVELOPE_INVALID', { reason: `more than ${MAX_FORM_PARAMS} form parameters` }), options)
        parsed = { value: form }
      } else if (parsed === undefined) {
        const json = parseJson(bytes)
        if (!json.ok) return this.reject(refusal('HOOKGATE_BODY_NOT_JSON', { reason: json.reason }), options)
        parsed = json
      }
      const opened = this.provider.envelope.open(parsed.value, request)
      if (opened instanceof HookgateError) return this.reject(opened, options)
      if (!Array.isArray(opened)) return this.#answerHandshake(opened as SenderReply, log)
      let events = opened as readonly E[]

      // Sized at once: an empty array grown by push() costs a reallocation on every request.
      const routes = new Array<Route<E, C> | undefined>(events.length)
      for (let e = 0; e < events.length; e++) {
        const event = events[e] as E
        const route = this.#route(event)
        if (route === undefined && this.#refuseUnknown) {
          return this.reject(refusal('HOOKGATE_EVENT_UNKNOWN', { eventId: event.id, reason: `type "${event.type}"` }), options, events)
        }
        const errors = mergeIssues(mergeIssues(this.#validateBase?.(event.data), this.#validateByType.get(event.type)?.(event.data)), route?.validate?.(event.data))
        if (errors !== undefined) {
          return this.reject(refusal('HOOKGATE_PAYLOAD_INVALID', { eventId: event.id, errors, reason: `schema of "${route?.pattern ?? '*'}"` }), options, events)
        }
        if (route?.standard !== undefined) {
          let outcome: StandardOutcome
          try {
            const result = route.standard(event.data)
            outcome = result instanceof Promise ? await result : result
          } catch (err) {
            return this.reject(new HookgateError('HOOKGATE_SCHEMA_FAILED', { eventId: event.id, reason: `the schema of "${route.pattern}" threw`, cause: err }), options, events)
          }
          if ('issues' in outcome) {
            return this.reject(refusal('HOOKGATE_PAYLOAD_INVALID', { eventId: event.id, errors: outcome.issues, reason: `schema of "${route.pattern}"` }), options, events)
          }
          // The handler gets what the schema made of the data (its output type), in a copy of the list.
          if (events === opened) events = [...opened]
          ;(events as E[])[e] = { ...event, data: outcome.value }
        }
        routes[e] = route
      }
      delivery?.stages.push({ stage: 'validated', at: performance.now() })
      if (this.#queued !== undefined) {
        const stored = await enqueueEvents(this.#queued, events, routes, headers, log)
        if (stored instanceof HookgateError) return this.reject(stored, options, events)
        delivery?.stages.push({ stage: 'queued', at: performance.now() })
        const ignored = events.length - stored.queued - stored.duplicates
        const reply: { ok: true, queued: number, ignored?: number, duplicates?: number } = { ok: true, queued: stored.queued }
        if (ignored > 0) reply.ignored = ignored
        if (stored.duplicates > 0) reply.duplicates = stored.duplicates
        return this.#senderReply(events, undefined, options) ?? { status: 202, body: reply, events }
      }

      let handled = 0
      let duplicates = 0
      // What the handler returned, kept only for a sender that reads it (Provider.reply).
      let returned: unknown
      const keep = this.provider.reply === undefined ? undefined : (value: unknown) => { returned = value }
      const ran: E[] | undefined = keep === undefined ? undefined : []
      for (let i = 0; i < events.length; i++) {
        const event = events[i] as E
        const route = routes[i]
        if (route === undefined) {
          log.info({ eventId: event.id, type: event.type, endpoint: this.#endpoint, provider: this.provider.name }, 'webhook acknowledged: no handler for its type')
          this.#notify(this.#onEvent, event, options, log)
          continue
        }
        const key = this.#idempotency?.key(event)
        const claim = key === undefined ? undefined : await this.#run.claim(key, event, log)
        if (claim instanceof HookgateError) return this.reject(claim, options, events)
        if (claim !== undefined) delivery?.stages.push({ stage: 'claimed', at: performance.now() })
        if (claim?.state === 'done') {
          duplicates++
          log.info({ eventId: event.id, type: event.type, endpoint: this.#endpoint, provider: this.provider.name }, 'webhook duplicate: already handled')
          continue
        }
        if (claim?.state === 'running') {
          const retryAfter = String(Math.min(60, Math.max(1, Math.ceil(claim.retryAfterMs / 1000))))
          return this.reject(refusal('HOOKGATE_DELIVERY_IN_PROGRESS', { eventId: event.id, reason: 'claimed by another delivery', headers: { 'retry-after': retryAfter } }), options, events)
        }
        // Settled under the key it was claimed by: the handler may change the event it is given.
        const held = claim === undefined ? undefined : { key: key as string, token: claim.token }
        let failure = this.#run.run(route, event, options.context as C, held, log, delivery, keep)
        if (failure instanceof Promise) failure = await failure
        if (held !== undefined) await this.#run.record(held, failure, event, log)
        if (failure !== undefined) return (failure.code === 'HOOKGATE_HANDLER_TIMEOUT' && this.provider.acknowledgesLateHandlers === true ? this.#acknowledgeLate(failure, events, options, log) : undefined) ?? this.reject(failure, options, events)
        handled++
        // For a sender that reads the reply, onEvent waits for the reply: one it cannot read is a refusal.
        if (ran === undefined) this.#notify(this.#onEvent, event, options, log)
        else ran.push(event)
      }
      const ignored = events.length - handled - duplicates
      const reply: { ok: true, handled: number, ignored?: number, duplicates?: number } = { ok: true, handled }
      if (ignored > 0) reply.ignored = ignored
      if (duplicates > 0) reply.duplicates = duplicates
      if (ran === undefined) return { status: 200, body: reply, events }
      const replied = this.#senderReply(events, returned, options)
      if (replied?.error === undefined) for (const event of ran) this.#notify(this.#onEvent, event, options, log)
      return replied ?? { status: 200, body: reply, events }
    } finally {
      if (--this.#inFlight === 0 && this.#idle.length > 0) for (const resolve of this.#idle.splice(0)) resolve()
    }
  }

  /**
   * A handler past its timeout, for a sender that reads the reply and never retries
   * (`acknowledgesLateHandlers`): the sender gets its acknowledgement (an empty 200, a deferred
   * response) rather than a 500, and the handler, still running, answers through the sender's API.
   */
  #acknowledgeLate (failure: HookgateError, events: readonly E[], options: ReceiveOptions<C>, log: Logger): Outcome<E> | undefined {
    const acknowledged = this.#senderReply(events, undefined, options)
    if (acknowledged !== undefined) log.error({ eventId: failure.eventId, endpoint: this.#endpoint, provider: this.provider.name, code: failure.code }, 'webhook handler past its timeout: the sender got its acknowledgement, the handler still runs')
    return acknowledged
  }

  /** A sender's handshake or check, answered as it expects: no handler, no claim, no job. */
  #answerHandshake (answer: SenderReply, log: Logger): Outcome<E> {
    log.info({ endpoint: this.#endpoint, provider: this.provider.name, status: answer.reply.status }, 'webhook handshake answered')
    return outcomeOf(answer, [])
  }

  /**
   * The reply of a sender that reads one (Slack's commands, Discord's interactions, Twilio's TwiML) to
   * a delivery of one event: made by the provider from what the handler returned; `undefined` keeps
   * hookgate's own answer. A value the provider cannot send is a 500, logged as the handler's bug.
   */
  #senderReply (events: readonly E[], value: unknown, options: ReceiveOptions<C>): Outcome<E> | undefined {
    if (this.provider.reply === undefined || events.length !== 1) return undefined
    const made = this.provider.reply(events[0] as E, value)
    if (made === undefined) return undefined
    return made instanceof HookgateError ? this.reject(made, options, events) : outcomeOf(made, events)
  }

  /**
   * Runs one stored job through this receiver's handlers (the hand-off's other end): the worker's
   * entry, never throwing; the result tells the engine what to do with the job.
   */
  async [runQueued] (job: ConsumedJob, shutdown: AbortSignal, log: Logger = silentLogger): Promise<RunResult> {
    if (this.#queued === undefined) throw new TypeError('this receiver has no "queue" option, so it runs no jobs')
    return await runJob(this.#queued, job, shutdown, log)
  }

  /**
   * The route of an event. With an `events` map only its types are routed: `*` and `order.*` are
   * typed as the declared events, so an undeclared `order.refunded` must not reach them (it is
   * acknowledged or refused, as `unknownEvents` says).
   */
  #route (event: E): Route<E, C> | undefined {
    if (this.#validateByType.size > 0 && !this.#validateByType.has(event.type)) return undefined
    return this.#routes.match(event.type, event.source)
  }

  /**
   * Answers a CloudEvents webhook validation request (http-webhook 1.0 §4.2): 200 with
   * `WebHook-Allowed-Origin` for a configured origin, 403 otherwise, 400 without an origin, 405
   * when the handshake is not configured.
   */
  handshake (headers: HeaderSource): HandshakeOutcome {
    const config = this.#handshake
    if (config === undefined) return { status: 405, headers: { allow: 'POST' } }
    const origin = readHeader(headers, 'webhook-request-origin')?.trim()
    if (origin === undefined || origin === '') return { status: 400, headers: { allow: 'POST, OPTIONS' } }
    if (config.origins !== '*' && !config.origins.includes(origin.toLowerCase())) return { status: 403, headers: { allow: 'POST, OPTIONS' } }
    // §4.2.2: WebHook-Allowed-Rate MUST answer a WebHook-Request-Rate and SHOULD be sent anyway;
    // without a configured rate it is "*", no limit.
    const allowed = { allow: 'POST, OPTIONS', 'webhook-allowed-origin': config.origins === '*' ? '*' : origin, 'webhook-allowed-rate': String(config.rate ?? '*') }
    return { status: 200, headers: allowed }
  }

  /** Logs a refusal or failure, reports it to `onRejected`, and turns it into the sender's reply. */
  reject (error: HookgateError, options: ReceiveOptions<C>, events: readonly E[] = []): Outcome<E> {
    const log = options.log ?? silentLogger
    try {
      // The endpoint and the sender in every line: one app often has several webhook routes.
      if (error.statusCode >= 500) {
        log.error({ code: error.code, reason: error.reason, eventId: error.eventId, endpoint: this.#endpoint, provider: this.provider.name, err: error.cause ?? error }, 'webhook failed')
      } else if (error.code === 'HOOKGATE_DELIVERY_IN_PROGRESS') {
        // A sender's quick retry, or a second instance: not a fault of anyone's.
        log.info({ code: error.code, reason: error.reason, eventId: error.eventId, endpoint: this.#endpoint, provider: this.provider.name }, 'webhook refused')
      } else {
        log.warn({ code: error.code, reason: error.reason, eventId: error.eventId, endpoint: this.#endpoint, provider: this.provider.name }, 'webhook refused')
      }
    } catch {
      // A logger that throws must not change the reply, nor take the process down on the way.
    }
    this.#notify(this.#onRejected, error, options, log)
    if (refusedChannel.hasSubscribers) refusedChannel.publish({ endpoint: this.#endpoint, provider: this.provider.name, error } satisfies RefusedMessage)
    const body = error.errors === undefined
      ? { code: error.code, message: error.message }
      : { code: error.code, message: error.message, errors: error.errors }
    return error.headers === undefined
      ? { status: error.statusCode, body, events, error }
      : { status: error.statusCode, body, headers: error.headers, events, error }
  }

  /** The body must be JSON the envelope reads, sent as is: a compressed body is not the bytes that were signed. */
  #checkEntity (headers: HeaderSource): HookgateError | undefined {
    const encoding = readHeader(headers, 'content-encoding')
    if (encoding !== undefined && encoding.trim().toLowerCase() !== 'identity') {
      return refusal('HOOKGATE_UNSUPPORTED_ENCODING', { reason: `content-encoding "${encoding.slice(0, 40)}" is not supported` })
    }
    const contentType = readHeader(headers, 'content-type')
    // A sender sends the same Content-Type every time: the last one accepted is accepted without
    // being parsed and lower-cased again.
    if (contentType !== undefined && contentType === this.#acceptedContentType) return undefined
    const mediaType = jsonMediaType(contentType)
    const readable = mediaType !== undefined && (isJsonMediaType(mediaType) || mediaType === FORM_MEDIA_TYPE)
    if (readable && this.provider.envelope.accepts(mediaType)) {
      this.#acceptedContentType = contentType
      return undefined
    }
    return refusal('HOOKGATE_UNSUPPORTED_MEDIA_TYPE', { reason: contentType === undefined ? 'no content-type' : `content-type "${contentType.slice(0, 100)}"` })
  }

  #schemaCompiler (): Ajv {
    if (this.#ajv !== undefined) return this.#ajv
    this.#ownAjv ??= createAjv()
    return this.#ownAjv
  }

  /**
   * User hooks are for metrics: one that throws, or returns a promise that rejects (an async hook),
   * is logged, and never changes the sender's reply nor becomes an unhandled rejection.
   */
  #notify<T> (hook: ((value: T, context: C) => void) | undefined, value: T, options: ReceiveOptions<C>, log: Logger): void {
    if (hook === undefined) return
    try {
      const result: unknown = hook(value, options.context as C)
      if (isThenable(result)) result.then(undefined, (err: unknown) => { hookFailed(err, log) })
    } catch (err) {
      hookFailed(err, log)
    }
  }
}

/** `.on(pattern, handler)` and `.on(pattern, options, handler)`, as `[options, handler]`; shared by the adapters' `on()`. */
export function handlerArguments<H> (optionsOrHandler: HandlerOptions | H, maybeHandler: H | undefined): [HandlerOptions, H | undefined] {
  return typeof optionsOrHandler === 'function' ? [{}, optionsOrHandler] : [optionsOrHandler as HandlerOptions, maybeHandler]
}

/** A sender's own answer (a handshake, a handler's reply) as the outcome the adapters write. */
function outcomeOf<E extends WebhookEvent> ({ reply: { status, body, headers } }: SenderReply, events: readonly E[]): Outcome<E> {
  return headers === undefined ? { status, body, events } : { status, body, headers, events }
}

/** The provider's base schema and the handler's schema apply together: report what both found, within the one limit. */
function mergeIssues (base: readonly ValidationIssue[] | undefined, own: readonly ValidationIssue[] | undefined): readonly ValidationIssue[] | undefined {
  if (base === undefined) return own
  return own === undefined ? base : [...base, ...own].slice(0, MAX_REPORTED_ISSUES)
}

/**
 * Creates the framework-free receiver for one endpoint.
 * @example
 * const receiver = createReceiver(backchannel({ secret }))
 *   .on('order.created', async (event) => { await save(event.data) })
 * const outcome = await receiver.receive(rawBody, headers)
 */
export function createReceiver<E extends WebhookEvent, const Events extends SchemaMap = Record<never, never>> (provider: Provider<E>, options: ReceiverOptions<E, JobContext, Events> & { queue: QueueOptions }): Receiver<E, JobContext, EventMapFor<Events>>
export function createReceiver<E extends WebhookEvent, C = undefined, const Events extends SchemaMap = Record<never, never>> (provider: Provider<E>, options?: ReceiverOptions<E, C, Events>): Receiver<E, C, EventMapFor<Events>>
export function createReceiver<E extends WebhookEvent, C = undefined, const Events extends SchemaMap = Record<never, never>> (provider: Provider<E>, options?: ReceiverOptions<E, C, Events>): Receiver<E, C, EventMapFor<Events>> {
  return new Receiver<E, C, EventMapFor<Events>>(provider, options as ReceiverOptions<E, C, SchemaMap>)
}
