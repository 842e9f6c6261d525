// Type tests for typed handlers (compiled by `npm run typecheck`, part of `npm test`).
import { IncomingMessage } from 'node:http'
import { Socket } from 'node:net'
import Fastify from 'fastify'
import { Type } from '@sinclair/typebox'
import hookgate, { createReceiver } from 'hookgate'
import { webhooks as expressWebhooks } from 'hookgate/express'
import { webhooks as nodeWebhooks } from 'hookgate/node'
import { backchannel, bread, type BackchannelEvent, type BreadEvent } from 'hookgate/providers'

type Equals<A, B> = (<T>() => T extends A ? 1 : 2) extends (<T>() => T extends B ? 1 : 2) ? true : false
function expectType<T extends true> (_: T): void {}

const orderCreated = {
  type: 'object',
  required: ['order_id', 'amount'],
  properties: { order_id: { type: 'string' }, amount: { type: 'integer' }, note: { type: 'string' } },
  additionalProperties: false
} as const

const orderPaid = {
  type: 'object',
  required: ['order_id', 'paid_at'],
  properties: { order_id: { type: 'string' }, paid_at: { type: 'integer' } },
  additionalProperties: false
} as const

const inventoryUpdated = {
  type: 'object',
  required: ['sku', 'quantity'],
  properties: { sku: { type: 'string' }, quantity: { type: 'integer' } },
  additionalProperties: false
} as const

const app = Fastify()
await app.register(hookgate)

// 1. A handler's `as const` schema types its event.data; without a schema data is unknown, never any.
app.webhooks('/a', backchannel({ secret: 's' }))
  .on('order.created', { schema: orderCreated }, (event) => {
    expectType<Equals<typeof event.data, { order_id: string, amount: number, note?: string }>>(true)
    expectType<Equals<typeof event.createdAt, number | undefined>>(true)
    // @ts-expect-error not in the schema
    void event.data.customer
  })
  .on('order.paid', (event) => {
    expectType<Equals<typeof event.data, unknown>>(true)
  })

// 2. A TypeBox schema types event.data through its Static type.
const OrderShipped = Type.Object({ order_id: Type.String(), carrier: Type.Union([Type.Literal('ups'), Type.Literal('dhl')]) })
app.webhooks('/b', backchannel({ secret: 's' }))
  .on('order.shipped', { schema: OrderShipped }, (event) => {
    expectType<Equals<typeof event.data, { order_id: string, carrier: 'ups' | 'dhl' }>>(true)
  })

// 3. An endpoint declared with its events: keys are checked, handlers narrow, wildcards give unions.
const shop = app.webhooks('/c', backchannel({ secret: 's' }), {
  events: { 'order.created': orderCreated, 'order.paid': orderPaid, 'inventory.updated': inventoryUpdated }
})
shop
  .on('order.created', (event) => {
    expectType<Equals<typeof event.type, 'order.created'>>(true)
    expectType<Equals<typeof event.data, { order_id: string, amount: number, note?: string }>>(true)
  })
  .on('order.*', (event) => {
    expectType<Equals<typeof event.type, 'order.created' | 'order.paid'>>(true)
    if (event.type === 'order.paid') expectType<Equals<typeof event.data, { order_id: string, paid_at: number }>>(true)
    else expectType<Equals<typeof event.data, { order_id: string, amount: number, note?: string }>>(true)
  })
  .on('*', (event) => {
    expectType<Equals<typeof event.type, 'order.created' | 'order.paid' | 'inventory.updated'>>(true)
  })
// @ts-expect-error a typo in an event type is a compile error
shop.on('order.craeted', () => {})
// @ts-expect-error a namespace that matches no declared type
shop.on('orders.*', () => {})
// @ts-expect-error a wildcard may only close a namespace
shop.on('order*', () => {})

// 4. Types of the presets' envelopes.
app.webhooks('/d', bread({ keys: { k: 's' }, basicAuth: { username: 'u', password: 'p' } }), { events: { integration_test_event: { type: 'object', required: ['identity'], properties: { identity: { type: 'object', required: ['tenantID'], properties: { tenantID: { type: 'string' } } } } } } })
  .on({ source: 'breadpayments.webhooks.*', type: 'integration_test_event' }, (event) => {
    expectType<Equals<typeof event.source, string>>(true)
    expectType<Equals<typeof event.time, string | undefined>>(true)
    expectType<Equals<typeof event.specversion, '1.0'>>(true)
    expectType<Equals<typeof event.data.identity.tenantID, string>>(true)
    expectType<typeof event extends Omit<BreadEvent, 'data' | 'type'> ? true : false>(true)
  })

// 5. The same typing on Express, node:http and the bare core.
expressWebhooks(backchannel({ secret: 's' }), { events: { 'order.paid': orderPaid } })
  .on('order.paid', (event) => { expectType<Equals<typeof event.data.paid_at, number>>(true) })
nodeWebhooks(backchannel({ secret: 's' }), { events: { 'order.paid': orderPaid } })
  // @ts-expect-error only declared types
  .on('order.created', () => {})
createReceiver(backchannel({ secret: 's' }), { events: { 'inventory.updated': inventoryUpdated } })
  .on('inventory.*', (event, context) => {
    expectType<Equals<typeof event.data, { sku: string, quantity: number }>>(true)
    expectType<Equals<typeof context, undefined>>(true)
    expectType<typeof event extends Omit<BackchannelEvent, 'data' | 'type'> ? true : false>(true)
  })

// 6. createReceiver(): withContext<C>() types the context receive() passes, keeping the events map.
const withRequest = createReceiver(backchannel({ secret: 's' }), { events: { 'order.paid': orderPaid } })
  .withContext<IncomingMessage>()
  .on('order.paid', (event, request) => {
    expectType<Equals<typeof event.data.paid_at, number>>(true)
    expectType<Equals<typeof request, IncomingMessage>>(true)
  })
await withRequest.receive(Buffer.alloc(0), {}, { context: new IncomingMessage(new Socket()) })
// @ts-expect-error the context has the declared type
await withRequest.receive(Buffer.alloc(0), {}, { context: 'not a request' })
// @ts-expect-error the events map still narrows the types
withRequest.on('order.created', () => {})

// 7. Slash-separated types (Shopify's orders/create) have namespaces too, as the router splits them.
createReceiver(backchannel({ secret: 's' }), { events: { 'orders/create': orderCreated, 'orders/paid': orderPaid, 'inventory.stock/updated': inventoryUpdated } })
  .on('orders/*', (event) => {
    expectType<Equals<typeof event.type, 'orders/create' | 'orders/paid'>>(true)
    if (event.type === 'orders/paid') expectType<Equals<typeof event.data.paid_at, number>>(true)
  })
  .on('inventory.*', (event) => { expectType<Equals<typeof event.type, 'inventory.stock/updated'>>(true) })
  .on('inventory.stock/*', (event) => { expectType<Equals<typeof event.data.quantity, number>>(true) })
  // @ts-expect-error "orders.*" is no namespace of the declared types
  .on('orders.*', () => {})
