import { Buffer } from 'node:buffer'
import type { Ajv } from 'ajv'
import type { FastifyError, FastifyInstance, FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify'
import fp from 'fastify-plugin'
import { HookgateError, type HookgateErrorCode } from '../core/errors.js'
import { refineIdempotency } from '../core/idempotency.js'
import { validateReceiverOptions } from '../core/options.js'
import { DEFAULT_BODY_LIMIT, handlerArguments, queueOf, Receiver, receivePrechecked, type EventMapFor, type HandlerOptions, type ReceiverOptions, type SchemaMap } from '../core/receiver.js'
import type { EventFor, EventMap, EventWithSchema, OpenEventMap, SchemaLike, TypePattern } from '../core/typing.js'
import { describePattern, type EventPattern } from '../core/registry.js'
import { addSharedSchemas, createAjv } from '../core/schemas.js'
import type { Pending } from '../core/deadlines.js'
import type { JobContext, QueueEngine, QueueOptions } from '../core/queue.js'
import { closeEndpoint, inProcessWorker, type Worker } from '../core/worker.js'
import { BodyTimeoutError, closeAfterAnswer, watchBody } from './body-deadline.js'
import { checkRouteOptions, type WebhookRouteOptions } from './fastify-route.js'
import { connectionClosing, isClosing, markClosing } from './closing-connections.js'
import type { Handler, Outcome, Provider, WebhookEvent } from '../core/types.js'

declare module 'fastify' {
  interface FastifyInstance {
    /**
     * Declares a webhook endpoint at `path` (inside the current prefix) for one sender, and returns
     * it so handlers can be declared with `.on(pattern, [options,] handler)`.
     */
    webhooks: WebhooksDecorator
  }
  interface FastifyRequest {
    /** The verified event being handled; set only on hookgate's routes, `null` elsewhere. */
    webhook: WebhookEvent | null
  }
}

/** Options for one endpoint; each falls back to the plugin's option of the same name. */
export type EndpointOptions<E extends WebhookEvent = WebhookEvent, Events extends SchemaMap = SchemaMap> = Omit<ReceiverOptions<E, FastifyRequest, Events>, 'ajv' | 'queue'> & {
  /**
   * Fastify route options for this route: `config` (e.g. `{ rateLimit }`), `logLevel`,
   * `constraints`, hooks such as an `onRequest` allow-list (run before hookgate's checks), and a
   * `schema` for @fastify/swagger (`hide`, `summary`, `tags`). Those that would break verification
   * (`bodyLimit`, `preParsing`, `schema.body`, …) throw at registration, naming the option.
   */
  route?: WebhookRouteOptions
}

/**
 * Options of an endpoint in queue mode: its handlers run on workers (docs/queue.md). `queue: true`
 * takes the plugin's `queue` (its engine made for this endpoint's path).
 */
export type QueuedEndpointOptions<E extends WebhookEvent = WebhookEvent, Events extends SchemaMap = SchemaMap> = EndpointOptions<E, Events> & { queue: QueueOptions | true }

/** The plugin's queue defaults: the engine of each endpoint that says `queue: true`, made from its path. */
export type PluginQueueOptions = Omit<QueueOptions, 'engine'> & {
  /** Makes the queue of one endpoint, e.g. `(path) => bullmqQueue({ url, name: path.slice(1).replaceAll('/', '-') })`. */
  engine: (endpoint: string) => QueueEngine
}

/** Options given to `app.register(hookgate, options)`: defaults for every endpoint, and the shared ajv. */
export interface HookgatePluginOptions extends Omit<EndpointOptions, 'events' | 'route'> {
  /** The ajv instance compiling every endpoint's schemas. @default createAjv() (ajv-formats; first error per schema) */
  ajv?: Ajv
  /**
   * Queue mode for the endpoints declared with `queue: true`: an engine per endpoint, made by
   * `engine(path)`, and the other queue options they share. Opt-in per endpoint, because a queued
   * endpoint's handlers get a `JobContext` instead of the request.
   */
  queue?: PluginQueueOptions
}

/** Declares an endpoint; with a `queue`, its handlers run on workers and get a `JobContext` instead of the request. */
export interface WebhooksDecorator {
  <E extends WebhookEvent, const Events extends SchemaMap = Record<never, never>>(path: string, provider: Provider<E>, options: QueuedEndpointOptions<E, Events>): WebhookEndpoint<E, EventMapFor<Events>, JobContext>
  <E extends WebhookEvent, const Events extends SchemaMap = Record<never, never>>(path: string, provider: Provider<E>, options?: EndpointOptions<E, Events>): WebhookEndpoint<E, EventMapFor<Events>>
}

/**
 * One Fastify webhook route; `.on()` declares a handler per event type and chains. Handlers get the
 * Fastify request as their second argument, or in queue mode the job's `JobContext`.
 */
export class WebhookEndpoint<E extends WebhookEvent = WebhookEvent, M extends EventMap = OpenEventMap, C = FastifyRequest> {
  /** The framework-free receiver behind the route. */
  readonly receiver: Receiver<E, C>

  constructor (receiver: Receiver<E, C>) {
    this.receiver = receiver
  }

  /**
   * Declares the handler for an event type, an `order.*` namespace or the catch-all `*`; it gets the
   * event and the Fastify request (whose `webhook` is the event).
   */
  on<const P extends TypePattern<M> | { readonly source?: string, readonly type: TypePattern<M> }, const S extends SchemaLike> (pattern: P, options: HandlerOptions<S> & { schema: S }, handler: Handler<EventWithSchema<E, M, P, S>, C>): this
  on<const P extends TypePattern<M> | { readonly source?: string, readonly type: TypePattern<M> }> (pattern: P, handler: Handler<EventFor<E, M, P>, C>): this
  on<const P extends TypePattern<M> | { readonly source?: string, readonly type: TypePattern<M> }> (pattern: P, options: HandlerOptions<never>, handler: Handler<EventFor<E, M, P>, C>): this
  on (pattern: EventPattern, optionsOrHandler: HandlerOptions | Handler<never, C>, maybeHandler?: Handler<never, C>): this {
    const [options, handler] = handlerArguments(optionsOrHandler, maybeHandler)
    if (typeof handler !== 'function') throw new TypeError(`the handler for "${describePattern(pattern)}" must be a function`)
    const typed = handler as Handler<E, C>
    if (this.receiver[queueOf] !== undefined) {
      this.receiver.addHandler(pattern, options, typed)
      return this
    }
    this.receiver.addHandler(pattern, options, (event, request) => {
      (request as FastifyRequest).webhook = event
      return typed(event, request)
    })
    return this
  }
}

// Handlers here send and return nothing: a returned reply is a thenable, so Fastify would wait for
// it, that is for the response to finish, with stream listeners set up on every request.
function send (reply: FastifyReply, outcome: Outcome): void {
  reply.code(outcome.status)
  if (outcome.headers !== undefined) reply.headers(outcome.headers)
  reply.send(outcome.body)
}

/**
 * Errors raised while the body is read, by Fastify or by an app's preParsing hook (@fastify/compress
 * refusing an encoding, say), in hookgate's terms: the status decides, whatever the error's code.
 * `undefined` for an answer of the app's own on this route (a 429 from @fastify/rate-limit, a 403
 * from an allow-list hook, a 503 from @fastify/under-pressure, a 400 from its `route.schema`), which
 * the app's error handling gives as on its other routes. An error without a status is hookgate's 500.
 */
function fromFastifyError (error: FastifyError): HookgateError | undefined {
  let code: HookgateErrorCode = 'HOOKGATE_INTERNAL'
  if (error instanceof BodyTimeoutError) code = 'HOOKGATE_BODY_TIMEOUT'
  else if (error.code === 'FST_ERR_VALIDATION') return undefined
  else if (error.statusCode === 413) code = 'HOOKGATE_BODY_TOO_LARGE'
  else if (error.statusCode === 415) code = 'HOOKGATE_UNSUPPORTED_MEDIA_TYPE'
  else if (error.statusCode === 400) code = 'HOOKGATE_BODY_UNREADABLE'
  else if (error.statusCode !== undefined) return undefined
  return new HookgateError(code, { reason: error.message, cause: error })
}

const EMPTY_BODY = Buffer.alloc(0)

/**
 * Each webhook request's body deadline, from onRequest until the body is read or refused. A request
 * decoration (declared on every request, so requests keep one shape), keyed by a symbol no one else sees.
 */
const bodyClock = Symbol('hookgate.bodyClock')
interface BodyClock { [bodyClock]: Pending | null }

function hooksOf<H> (hooks: H | readonly H[] | undefined): readonly H[] {
  return hooks === undefined ? [] : Array.isArray(hooks) ? hooks : [hooks as H]
}
const KNOWN_MEDIA_TYPES = ['application/json', 'application/cloudevents+json', 'application/cloudevents-batch+json']

/** Mounts one endpoint in its own encapsulated scope, so its raw-body parser touches no other route. */
function mountEndpoint (app: FastifyInstance, path: string, receiver: Receiver<WebhookEvent, FastifyRequest>, route: WebhookRouteOptions): void {
  // An async plugin, so that a mistake here (a path declared twice) rejects ready() instead of escaping avvio.
  app.register(async function hookgateEndpoint (scope) {
    scope.removeAllContentTypeParsers()
    // A parser per media type the sender uses: Fastify finds those in its cache, while the catch-all
    // parses the Content-Type on every request. The catch-all still reads a JSON type the envelope
    // accepts that Fastify did not match to a listed parser (the onRequest check below has already
    // refused every other). Fastify enforces `bodyLimit` while reading.
    // Each request's body is on the clock (bodyTimeout) from its headers until it is read, refused or dropped.
    const bodyDone = (request: FastifyRequest): void => {
      const deadline = (request as unknown as BodyClock)[bodyClock]
      if (deadline !== null) receiver.bodyDeadlines.settle(deadline)
    }
    const keepRawBody = (request: FastifyRequest, body: Buffer, done: (err: null, body: Buffer) => void): void => {
      bodyDone(request)
      done(null, body)
    }
    const parserOptions = { parseAs: 'buffer', bodyLimit: receiver.bodyLimit } as const
    const mediaTypes = KNOWN_MEDIA_TYPES.filter((type) => receiver.provider.envelope.accepts(type))
    if (mediaTypes.length > 0) scope.addContentTypeParser(mediaTypes, parserOptions, keepRawBody)
    scope.addContentTypeParser('*', parserOptions, keepRawBody)
    scope.setErrorHandler((error: FastifyError, request, reply) => {
      bodyDone(request)
      const refused = fromFastifyError(error)
      // Thrown on to the error handler of the app (or Fastify's default), which answers it as on its other routes.
      if (refused === undefined) throw error
      if (refused.code === 'HOOKGATE_BODY_TIMEOUT') {
        if (request.raw.httpVersionMajor === 1) reply.header('connection', 'close')
        closeAfterAnswer(reply.raw, request.raw)
      }
      send(reply, receiver.reject(refused, { context: request, log: request.log }))
    })
    scope.post(path, {
      ...route,
      bodyLimit: receiver.bodyLimit,
      // Refuse what the headers already condemn (not the sender's JSON, an encoding or charset, a
      // Content-Length over the limit) before the body is read, after the app's own onRequest hooks
      // for this route (an allow-list, say). Callback style: no promise per request.
      onRequest: [...hooksOf(route.onRequest), (request, reply, done) => {
        const http1 = request.raw.httpVersionMajor === 1
        const early = http1 && isClosing(request.raw.socket) ? connectionClosing() : receiver.precheck(request.headers, request.raw.rawHeaders)
        if (early === undefined) {
          (request as unknown as BodyClock)[bodyClock] = watchBody(receiver.bodyDeadlines, request.raw)
          done()
          return
        }
        // The body stays unread: close the connection (as Fastify does after a body it refuses), or
        // Node would go on reading and discarding however much the client sends. HTTP/1 only: HTTP/2
        // has no such header (Node warns and drops it) and resets the stream itself.
        if (http1) {
          reply.header('connection', 'close')
          markClosing(request.raw.socket)
        }
        send(reply, receiver.reject(early, { context: request, log: request.log }))
      }]
    }, (request, reply) => {
      bodyDone(request)
      const body = Buffer.isBuffer(request.body) ? request.body : EMPTY_BODY
      // The URL as the sender called it (behind a proxy, set Fastify's trustProxy), built only for
      // schemes that sign it.
      const url = (): string => `${request.protocol}://${request.host}${request.url}`
      // Not an async handler: the reply goes out when the outcome is ready, and Fastify has no
      // promise of ours to follow. An unexpected rejection reaches the error handler (500).
      receiver[receivePrechecked](body, request.headers, { context: request, log: request.log, url })
        .then((outcome) => { send(reply, outcome) }, (err: unknown) => { reply.send(err) })
    })
    if (receiver.answersGet) {
      scope.get(path, route, (request, reply) => {
        const { status, text } = receiver.answerGet(request.raw.url ?? '', request.log)
        reply.code(status).header('content-type', 'text/plain; charset=utf-8').send(text)
      })
    }
    if (receiver.handshakeEnabled) {
      scope.options(path, route, async (request, reply) => {
        const { status, headers } = receiver.handshake(request.headers)
        reply.code(status).headers(headers).send()
      })
    }
  })
}

const plugin: FastifyPluginAsync<HookgatePluginOptions> = async (app, options) => {
  const { ajv = createAjv(), queue: pluginQueue, ...defaults } = options
  validateReceiverOptions({ ...defaults, ajv })
  if (pluginQueue !== undefined && (pluginQueue === null || typeof pluginQueue !== 'object' || typeof pluginQueue.engine !== 'function')) {
    throw new TypeError('the plugin\'s "queue.engine" must be a function of the endpoint\'s path that returns its queue engine, e.g. (path) => bullmqQueue({ url, name })')
  }
  const receivers: Array<Receiver<WebhookEvent, FastifyRequest>> = []
  const workers = new Map<Receiver<WebhookEvent, FastifyRequest>, Worker | undefined>()
  // Workers start once every handler is declared, and take jobs until the app closes.
  app.addHook('onReady', async () => {
    for (const receiver of receivers) workers.set(receiver, inProcessWorker(receiver, app.log))
  })
  // Before the server stops: new deliveries get 503, in-flight ones finish and record their result,
  // and queued endpoints shut their workers and queues down.
  app.addHook('preClose', async () => {
    await Promise.all(receivers.map(async (receiver) => { await closeEndpoint(receiver, workers.get(receiver)) }))
  })
  app.decorateRequest('webhook', null)
  app.decorateRequest(bodyClock as unknown as string, null)
  function webhooks<E extends WebhookEvent> (this: FastifyInstance, path: string, provider: Provider<E>, { queue: ownQueue, route: routeOptions, ...endpointOptions }: EndpointOptions<E> & { queue?: QueueOptions | true } = {}): WebhookEndpoint<E, OpenEventMap, unknown> {
    if (typeof path !== 'string' || !path.startsWith('/')) {
      throw new TypeError(`webhooks(path): "path" must be a string starting with "/"; got ${JSON.stringify(path)}`)
    }
    if (ownQueue === true && pluginQueue === undefined) throw new TypeError(`webhooks("${path}"): "queue: true" takes the plugin's queue, and app.register(hookgate, { queue }) gave none`)
    const queue = ownQueue === true ? { ...pluginQueue as PluginQueueOptions, engine: (pluginQueue as PluginQueueOptions).engine(path) } : ownQueue
    const route = checkRouteOptions(routeOptions, `webhooks("${path}")`)
    // Schemas added with app.addSchema() in this context (or a parent) can be $ref'd by event schemas.
    addSharedSchemas(ajv, this.getSchemas(), `webhooks("${path}")`)
    // Without a limit from hookgate's options, the app's own bodyLimit applies, as on its other routes.
    const bodyLimit = endpointOptions.bodyLimit ?? defaults.bodyLimit ?? this.initialConfig.bodyLimit ?? DEFAULT_BODY_LIMIT
    const idempotency = refineIdempotency(defaults.idempotency, endpointOptions.idempotency)
    const receiver = new Receiver<E, FastifyRequest>(provider, { ...defaults as ReceiverOptions<E, FastifyRequest>, ...endpointOptions as ReceiverOptions<E, FastifyRequest>, bodyLimit, ajv, endpoint: endpointOptions.endpoint ?? path, ...(idempotency === undefined ? {} : { idempotency }), ...(queue === undefined ? {} : { queue }) })
    mountEndpoint(this, path, receiver as unknown as Receiver<WebhookEvent, FastifyRequest>, route)
    receivers.push(receiver as unknown as Receiver<WebhookEvent, FastifyRequest>)
    return new WebhookEndpoint<E, OpenEventMap, unknown>(receiver as Receiver<E, unknown>)
  }
  // The typed signature (with the events map) is WebhooksDecorator; the body above is its erasure.
  app.decorate('webhooks', webhooks as never)
}

/**
 * The hookgate Fastify plugin: register it once, then declare endpoints with `app.webhooks()`.
 * @example
 * await app.register(hookgate)
 * app.webhooks('/webhooks/backchannel', backchannel({ secret }))
 *   .on('order.created', { schema }, async (event) => { await save(event.data) })
 */
export const hookgate = fp(plugin, { name: 'hookgate', fastify: '5.x' })
export default hookgate
