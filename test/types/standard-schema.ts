// Type tests: a handler's Standard Schema (Zod 4, Valibot) types event.data with the schema's output.
import Fastify from 'fastify'
import * as v from 'valibot'
import { z } from 'zod'
import hookgate, { createReceiver } from 'hookgate'
import { webhooks as expressWebhooks } from 'hookgate/express'
import { backchannel } from 'hookgate/providers'

type Equals<A, B> = (<T>() => T extends A ? 1 : 2) extends (<T>() => T extends B ? 1 : 2) ? true : false
function expectType<T extends true> (_: T): void {}

const zodOrder = z.object({ order_id: z.string(), amount: z.number().int(), note: z.string().optional() })
const valibotOrder = v.object({ order_id: v.string(), amount: v.pipe(v.number(), v.integer()) })
const cents = z.object({ amount: z.number() }).transform((data) => ({ cents: Math.round(data.amount * 100) }))

const app = Fastify()
await app.register(hookgate)
app.webhooks('/wh', backchannel({ secret: 's' }))
  .on('order.created', { schema: zodOrder }, (event) => {
    expectType<Equals<typeof event.data, { order_id: string, amount: number, note?: string | undefined }>>(true)
  })
  .on('order.paid', { schema: valibotOrder }, (event) => {
    expectType<Equals<typeof event.data, { order_id: string, amount: number }>>(true)
  })
  .on('order.refunded', { schema: cents }, (event) => {
    // The output type, after the transform: what the handler is given.
    expectType<Equals<typeof event.data, { cents: number }>>(true)
  })

createReceiver(backchannel({ secret: 's' })).on('order.created', { schema: zodOrder }, (event) => {
  expectType<Equals<typeof event.data.amount, number>>(true)
})
expressWebhooks(backchannel({ secret: 's' })).on('order.created', { schema: valibotOrder }, (event) => {
  expectType<Equals<typeof event.data.order_id, string>>(true)
})
