// The example from the README, runnable: `npm start`. PORT, BC_WEBHOOK_SECRET and BREAD_* override the demo values.
import Fastify from 'fastify'
import hookgate from 'hookgate'
import { backchannel, bread } from 'hookgate/providers'
import { redisStore } from 'hookgate/stores/redis'
import { BACKCHANNEL_SECRET, BREAD, PORT, USING_DEMO_SECRETS } from './config.js'
import { inventoryUpdated, orderCreated } from './schemas.js'

const app = Fastify({ logger: true })

// Each event is handled once: in this process's memory by default, across instances with REDIS_URL.
const store = process.env.REDIS_URL === undefined ? undefined : redisStore({ url: process.env.REDIS_URL })
if (store !== undefined) app.addHook('onClose', async () => { await store.close() })
await app.register(hookgate, store === undefined ? {} : { idempotency: { store } })

app.webhooks('/webhooks/backchannel', backchannel({ secret: BACKCHANNEL_SECRET }))
  .on('order.created', { schema: orderCreated }, async (event, request) => {
    request.log.info({ eventId: event.id, order: event.data }, 'order created')
  })
  .on('order.*', async (event, request) => {
    request.log.info({ eventId: event.id, type: event.type }, 'order event')
  })
  .on('inventory.updated', { schema: inventoryUpdated }, async (event, request) => {
    request.log.info({ eventId: event.id, stock: event.data }, 'inventory updated')
  })

app.webhooks('/webhooks/bread', bread({ keys: { [BREAD.kid]: BREAD.secret }, basicAuth: BREAD.basicAuth }))
  .on({ source: 'breadpayments.webhooks.*', type: '*' }, async (event, request) => {
    request.log.info({ eventId: event.id, type: event.type, data: event.data }, 'bread event')
  })

app.get('/health', async () => ({ ok: true }))

if (USING_DEMO_SECRETS) {
  app.log.warn('BC_WEBHOOK_SECRET or BREAD_SECRET is not set: using the demo secrets from examples/config.ts (backchannel: "hookgate-demo-secret")')
}
await app.listen({ host: process.env.HOST ?? '127.0.0.1', port: PORT })
