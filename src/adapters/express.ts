import type { Request, Response } from 'express'
import type { EventMapFor, SchemaMap } from '../core/receiver.js'
import type { WebhookEvent, Provider } from '../core/types.js'
import type { EventMap, OpenEventMap } from '../core/typing.js'
import { createNodeEndpoint, type NodeEndpointOptions, type NodeWebhookEndpoint, type QueuedNodeEndpointOptions } from './node.js'
import type { JobContext, QueueOptions } from '../core/queue.js'

export type ExpressEndpointOptions<E extends WebhookEvent, Events extends SchemaMap = SchemaMap> = NodeEndpointOptions<E, Request, Events>

/** Express middleware for one endpoint; `.on()` declares handlers and chains. */
export type ExpressWebhookEndpoint<E extends WebhookEvent, M extends EventMap = OpenEventMap> = NodeWebhookEndpoint<E, Request, Response, M>

/**
 * A webhook endpoint as Express (4 or 5) middleware. Mount it before `express.json()` or any body
 * parser: hookgate reads the raw bytes itself (raw-body, with `bodyLimit`); if a parser got there
 * first the request is answered 500 `HOOKGATE_BODY_ALREADY_PARSED` with a log line naming the fix.
 * A body left as a Buffer by `express.raw()` is used as is.
 * @example
 * app.post('/webhooks/backchannel', webhooks(backchannel({ secret }))
 *   .on('order.created', async (event, req) => { await save(event.data) }))
 */
export function webhooks<E extends WebhookEvent, const Events extends SchemaMap = Record<never, never>> (provider: Provider<E>, options: QueuedNodeEndpointOptions<E, Request, Events>): NodeWebhookEndpoint<E, Request, Response, EventMapFor<Events>, JobContext>
export function webhooks<E extends WebhookEvent, const Events extends SchemaMap = Record<never, never>> (provider: Provider<E>, options?: ExpressEndpointOptions<E, Events>): ExpressWebhookEndpoint<E, EventMapFor<Events>>
export function webhooks<E extends WebhookEvent> (provider: Provider<E>, options?: ExpressEndpointOptions<E> & { queue?: QueueOptions }): unknown {
  // Typed by the signature above; the shared implementation works on the open map.
  return createNodeEndpoint<E, Request, Response>(provider, options as unknown as NodeEndpointOptions<E, Request>) as never
}
export { expectContinue } from './expect-continue.js'
