// The README's quick start, verbatim above the marker (test/docs.test.ts checks): it must compile
// under strict settings and give a typed event.data.
import Fastify from 'fastify'
import hookgate from 'hookgate'
import { backchannel } from 'hookgate/providers'

const orderCreated = {
  type: 'object',
  required: ['order_id', 'amount'],
  properties: { order_id: { type: 'string' }, amount: { type: 'integer' } }
} as const

const app = Fastify({ logger: true })
await app.register(hookgate)

app.webhooks('/webhooks/backchannel', backchannel({ secret: process.env.BC_WEBHOOK_SECRET! }))
  .on('order.created', { schema: orderCreated }, async (event, request) => {
    request.log.info({ id: event.id, amount: event.data.amount }, 'order created') // data is typed
  })
  .on('inventory.*', async (event, request) => { request.log.info({ type: event.type }, 'stock changed') })

await app.listen({ port: 3000 })
// --- type checks below ---
type Equals<A, B> = (<T>() => T extends A ? 1 : 2) extends (<T>() => T extends B ? 1 : 2) ? true : false
app.webhooks('/check', backchannel({ secret: 's' })).on('order.created', { schema: orderCreated }, (event) => {
  const typed: Equals<typeof event.data.amount | typeof event.data.order_id, number | string> = true
  void typed
})
