import { Buffer } from 'node:buffer'
import type { IncomingMessage, ServerResponse } from 'node:http'
import { HookgateError } from '../core/errors.js'
import type { Logger } from '../core/types.js'
import { handlerArguments, queueOf, Receiver, receivePrechecked, type EventMapFor, type HandlerOptions, type ReceiverOptions, type SchemaMap } from '../core/receiver.js'
import type { EventFor, EventMap, EventWithSchema, OpenEventMap, SchemaLike, TypePattern } from '../core/typing.js'
import type { EventPattern } from '../core/registry.js'
import type { HandshakeOutcome, Handler, Outcome, Provider, WebhookEvent } from '../core/types.js'
import { connectionClosing, isClosing, markClosing } from './closing-connections.js'
import { closeAfterAnswer, watchBody } from './body-deadline.js'
import { readBody } from './read-body.js'
import type { JobContext, QueueOptions } from '../core/queue.js'
import { closeEndpoint, inProcessWorker, type Worker } from '../core/worker.js'

export interface NodeEndpointOptions<E extends WebhookEvent, Req, Events extends SchemaMap = SchemaMap> extends Omit<ReceiverOptions<E, Req, Events>, 'queue'> {
  /** Where refusals and failures are logged. @default console (warn and error only) */
  log?: Logger
  /**
   * Handle only requests for this path (query string ignored); others go to `next()`, or get 404
   * when there is none. Without it every request is handled. Under Express it is matched against
   * `req.url`, which is relative to where the endpoint is mounted (`app.use('/webhooks', …)`).
   */
  path?: string
}

/** Options of an endpoint in queue mode: its handlers run on workers (docs/queue.md). */
export type QueuedNodeEndpointOptions<E extends WebhookEvent, Req, Events extends SchemaMap = SchemaMap> = NodeEndpointOptions<E, Req, Events> & { queue: QueueOptions }

type Next = (err?: unknown) => void

/** A request listener or middleware for one endpoint; `.on()` declares handlers and chains. */
/**
 * A request listener or middleware for one endpoint; `.on()` declares handlers and chains. Handlers
 * get the request as their second argument, or in queue mode (`C` = `JobContext`) the job's context.
 */
export interface NodeWebhookEndpoint<E extends WebhookEvent, Req extends IncomingMessage = IncomingMessage, Res extends ServerResponse = ServerResponse, M extends EventMap = OpenEventMap, C = Req> {
  (request: Req, response: Res, next?: Next): void
  readonly receiver: Receiver<E, C>
  /**
   * New deliveries get 503; resolves once in-flight ones have finished. In queue mode the endpoint's
   * workers also stop (running handlers finish or are handed back) and the queue's connections close.
   * Call it on shutdown.
   */
  close (): Promise<void>
  on<const P extends TypePattern<M> | { readonly source?: string, readonly type: TypePattern<M> }, const S extends SchemaLike> (pattern: P, options: HandlerOptions<S> & { schema: S }, handler: Handler<EventWithSchema<E, M, P, S>, C>): NodeWebhookEndpoint<E, Req, Res, M, C>
  on<const P extends TypePattern<M> | { readonly source?: string, readonly type: TypePattern<M> }> (pattern: P, handler: Handler<EventFor<E, M, P>, C>): NodeWebhookEndpoint<E, Req, Res, M, C>
  on<const P extends TypePattern<M> | { readonly source?: string, readonly type: TypePattern<M> }> (pattern: P, options: HandlerOptions<never>, handler: Handler<EventFor<E, M, P>, C>): NodeWebhookEndpoint<E, Req, Res, M, C>
}

const ignore = (): void => {}
/** A quiet default: only refusals and failures, as one line each. */
const consoleLogger: Logger = {
  debug: ignore,
  info: ignore,
  warn: (obj, msg) => { console.warn(msg ?? '', JSON.stringify(obj)) },
  error: (obj, msg) => { console.error(msg ?? '', obj) }
}

function write (response: ServerResponse, outcome: Outcome | HandshakeOutcome, close: boolean): void {
  const body = 'body' in outcome ? outcome.body : undefined
  const text = typeof body === 'string' ? body : body === undefined ? '' : JSON.stringify(body)
  // A 204 carries no body, and no Content-Length either.
  const headers: Record<string, string | number> = outcome.status === 204 ? { ...outcome.headers } : { ...outcome.headers, 'content-length': Buffer.byteLength(text) }
  if (text !== '' && headers['content-type'] === undefined) headers['content-type'] = 'application/json; charset=utf-8'
  // A refusal sent before the body was read in full closes the connection, so the sender stops
  // streaming instead of the server reading (and discarding) the rest.
  if (close) {
    headers.connection = 'close'
    markClosing(response.socket)
  }
  response.writeHead(outcome.status, headers)
  response.end(text)
}

/**
 * Body parsers (express.json(), body-parser, …) mark a request they consumed with `_body`, and its
 * stream has ended. A `body` alone is no mark: Express 4's parsers set `req.body = {}` on every
 * request, also those whose content type they leave unread.
 */
function alreadyParsed (request: IncomingMessage & { body?: unknown, _body?: unknown }): Buffer | HookgateError | undefined {
  if (Buffer.isBuffer(request.body)) return request.body
  if (request._body === true || request.readableEnded) {
    return new HookgateError('HOOKGATE_BODY_ALREADY_PARSED', {
      reason: 'a body parser consumed the request before hookgate: mount hookgate before express.json() (or any body parser), or on a router of its own'
    })
  }
  return undefined
}

type ExpressRequest = IncomingMessage & { protocol?: unknown, originalUrl?: unknown, app?: { get?: (setting: string) => unknown } }

/**
 * The host the sender called: `X-Forwarded-Host` when Express trusts the proxy that sent it (as
 * Express's own `req.host` decides), else `Host`, or HTTP/2's `:authority`.
 */
function requestHost (request: ExpressRequest): string {
  const direct = request.headers.host ?? (request.headers[':authority'] as string | undefined) ?? 'localhost'
  const forwarded = request.headers['x-forwarded-host']
  const trust = request.app?.get?.('trust proxy fn')
  if (typeof forwarded !== 'string' || typeof trust !== 'function' || trust(request.socket.remoteAddress, 0) !== true) return direct
  const comma = forwarded.indexOf(',')
  return (comma === -1 ? forwarded : forwarded.slice(0, comma)).trim()
}

/**
 * The URL as the sender called it, for schemes that sign it. Express's `protocol` and `originalUrl`
 * honour its `trust proxy` setting and mounting; plain node:http sees the socket.
 */
function requestUrl (request: ExpressRequest): string {
  const protocol = typeof request.protocol === 'string' ? request.protocol : (request.socket as { encrypted?: boolean }).encrypted === true ? 'https' : 'http'
  const path = typeof request.originalUrl === 'string' ? request.originalUrl : request.url ?? '/'
  return `${protocol}://${requestHost(request)}${path}`
}

/** The path of a request target, also in absolute form (`http://host/path`, which servers must accept), as Fastify and Express route it. */
function pathOf (url: string | undefined): string {
  if (url === undefined) return '/'
  let start = 0
  if (!url.startsWith('/')) {
    const authority = url.indexOf('://')
    start = authority === -1 ? 0 : url.indexOf('/', authority + 3)
    if (start === -1) return '/'
  }
  const query = url.indexOf('?', start)
  return query === -1 ? url.slice(start) : url.slice(start, query)
}

/**
 * Builds the handler shared by the node:http and Express adapters: read the bytes with a limit, run
 * the core, write its outcome. Nothing else happens here.
 */
export function createNodeEndpoint<E extends WebhookEvent, Req extends IncomingMessage, Res extends ServerResponse, M extends EventMap = OpenEventMap> (provider: Provider<E>, options: NodeEndpointOptions<E, Req, SchemaMap> & { queue?: QueueOptions } = {}): NodeWebhookEndpoint<E, Req, Res, M> {
  const { log = consoleLogger, path, ...receiverOptions } = options
  if (path !== undefined && (typeof path !== 'string' || !path.startsWith('/'))) throw new TypeError('"path" must start with "/"')
  const receiver = new Receiver<E, Req>(provider, { endpoint: path ?? provider.name, ...receiverOptions } as ReceiverOptions<E, Req>)
  // In queue mode the workers start once the handlers declared right after this call (.on() chains) are in.
  let worker: Worker | undefined
  const starting = receiver[queueOf] === undefined ? undefined : setImmediate(() => { worker = inProcessWorker(receiver, log) })

  async function handle (request: Req, response: Res): Promise<void> {
    const context = { context: request, log }
    if (request.method === 'OPTIONS' && receiver.handshakeEnabled) {
      write(response, receiver.handshake(request.headers), false)
      return
    }
    if (request.method === 'GET') {
      const { status, text } = receiver.answerGet(request.url ?? '', log)
      write(response, { status, body: text, headers: { 'content-type': 'text/plain; charset=utf-8' } }, false)
      return
    }
    // Closing after a refusal is HTTP/1's; HTTP/2 has no Connection header.
    const http1 = request.httpVersionMajor === 1
    if (http1 && isClosing(request.socket)) {
      write(response, receiver.reject(connectionClosing(), context), true)
      return
    }
    const early = receiver.precheck(request.headers, request.rawHeaders)
    if (early !== undefined) {
      write(response, receiver.reject(early, context), http1)
      return
    }
    let body = alreadyParsed(request)
    if (body === undefined) {
      const deadline = watchBody(receiver.bodyDeadlines, request)
      try {
        body = await readBody(request, receiver.bodyLimit)
      } catch (err) {
        write(response, receiver.reject(err as HookgateError, context), http1)
        if ((err as HookgateError).code === 'HOOKGATE_BODY_TIMEOUT') closeAfterAnswer(response, request)
        return
      } finally {
        receiver.bodyDeadlines.settle(deadline)
      }
    }
    if (body instanceof HookgateError) {
      write(response, receiver.reject(body, context), false)
      return
    }
    write(response, await receiver[receivePrechecked](body, request.headers, { context: request, log, url: () => requestUrl(request) }), false)
  }

  const endpoint = function hookgateEndpoint (request: Req, response: Res, next?: Next): void {
    if ((path !== undefined && pathOf(request.url) !== path) || (request.method !== 'POST' && !(request.method === 'OPTIONS' && receiver.handshakeEnabled) && !(request.method === 'GET' && receiver.answersGet))) {
      if (next !== undefined) {
        next()
        return
      }
      const allow = ['POST', ...(receiver.answersGet ? ['GET'] : []), ...(receiver.handshakeEnabled ? ['OPTIONS'] : [])].join(', ')
      // A body still arriving is not read: close, as for the other refusals made before reading.
      const bodyPending = !request.complete && (request.headers['transfer-encoding'] !== undefined || Number(request.headers['content-length'] ?? 0) > 0)
      write(response, { status: path !== undefined && pathOf(request.url) !== path ? 404 : 405, headers: { allow } }, request.httpVersionMajor === 1 && bodyPending)
      return
    }
    handle(request, response).catch((err: unknown) => {
      const outcome = receiver.reject(new HookgateError('HOOKGATE_INTERNAL', { reason: 'unexpected error', cause: err }), { context: request, log })
      if (!response.headersSent) write(response, outcome, request.httpVersionMajor === 1)
      else response.destroy()
    })
  } as NodeWebhookEndpoint<E, Req, Res, M>

  Object.defineProperty(endpoint, 'receiver', { value: receiver, enumerable: true })
  endpoint.close = async () => {
    clearImmediate(starting)
    await closeEndpoint(receiver, worker)
  }
  endpoint.on = function on (pattern: EventPattern, optionsOrHandler: HandlerOptions | Handler<E, Req>, maybeHandler?: Handler<E, Req>) {
    const [handlerOptions, handler] = handlerArguments(optionsOrHandler, maybeHandler)
    receiver.addHandler(pattern, handlerOptions, handler as Handler<E, Req>)
    return endpoint
  } as NodeWebhookEndpoint<E, Req, Res, M>['on']
  return endpoint
}

/**
 * A webhook endpoint as a node:http request listener (or Connect-style middleware).
 * @example
 * http.createServer(webhooks(backchannel({ secret }), { path: '/webhooks/backchannel' })
 *   .on('order.created', async (event) => { await save(event.data) }))
 */
export function webhooks<E extends WebhookEvent, const Events extends SchemaMap = Record<never, never>> (provider: Provider<E>, options: QueuedNodeEndpointOptions<E, IncomingMessage, Events>): NodeWebhookEndpoint<E, IncomingMessage, ServerResponse, EventMapFor<Events>, JobContext>
export function webhooks<E extends WebhookEvent, const Events extends SchemaMap = Record<never, never>> (provider: Provider<E>, options?: NodeEndpointOptions<E, IncomingMessage, Events>): NodeWebhookEndpoint<E, IncomingMessage, ServerResponse, EventMapFor<Events>>
export function webhooks<E extends WebhookEvent> (provider: Provider<E>, options?: NodeEndpointOptions<E, IncomingMessage> & { queue?: QueueOptions }): unknown {
  return createNodeEndpoint<E, IncomingMessage, ServerResponse>(provider, options)
}
export { expectContinue } from './expect-continue.js'
