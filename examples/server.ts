// The example from the README, runnable: `npm start` (PORT and BC_WEBHOOK_SECRET override the defaults).
import Fastify from 'fastify'
import hookgate from 'hookgate'
import { backchannel } from 'hookgate/providers'
import { inventoryUpdated, orderCreated } from './schemas.js'

const DEMO_SECRET = 'hookgate-demo-secret'
const secret = process.env.BC_WEBHOOK_SECRET ?? DEMO_SECRET

const app = Fastify({ logger: true })
await app.register(hookgate)

app.webhooks('/webhooks/backchannel', backchannel({ secret }))
  .on('order.created', { schema: orderCreated }, async (event, request) => {
    request.log.info({ eventId: event.id, order: event.data }, 'order created')
  })
  .on('order.*', async (event, request) => {
    request.log.info({ eventId: event.id, type: event.type }, 'order event')
  })
  .on('inventory.updated', { schema: inventoryUpdated }, async (event, request) => {
    request.log.info({ eventId: event.id, stock: event.data }, 'inventory updated')
  })

app.get('/health', async () => ({ ok: true }))

if (secret === DEMO_SECRET) {
  app.log.warn(`BC_WEBHOOK_SECRET is not set: using the demo secret "${DEMO_SECRET}"`)
}
await app.listen({ host: process.env.HOST ?? '127.0.0.1', port: Number(process.env.PORT ?? 3000) })
