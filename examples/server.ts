// The example from the README, runnable: `npm start`. PORT, BC_WEBHOOK_SECRET and BREAD_* override the demo values.
// QUEUE_URL (redis://… or postgres://…) puts the Backchannel endpoint in queue mode (docs/queue.md);
// WORKERS=off leaves its jobs to `npm run worker`; BOARD_PASSWORD mounts bull-board for a BullMQ queue.
import Fastify from 'fastify'
import hookgate from 'hookgate'
import { backchannel, bread } from 'hookgate/providers'
import { redisStore } from 'hookgate/stores/redis'
import { BACKCHANNEL_SECRET, BREAD, PORT, UNSET_SECRETS } from './config.js'
import * as handlers from './handlers.js'
import { backchannelQueue } from './queue.js'
import { inventoryUpdated, orderCreated } from './schemas.js'

const app = Fastify({ logger: true })

// Each event is handled once: in this process's memory by default, across instances with REDIS_URL.
const store = process.env.REDIS_URL === undefined ? undefined : redisStore({ url: process.env.REDIS_URL })
if (store !== undefined) app.addHook('onClose', async () => { await store.close() })
await app.register(hookgate, store === undefined ? {} : { idempotency: { store } })

const queue = await backchannelQueue()
if (queue === undefined) {
  app.webhooks('/webhooks/backchannel', backchannel({ secret: BACKCHANNEL_SECRET }))
    .on('order.created', { schema: orderCreated }, handlers.orderCreated)
    .on('order.*', handlers.orderEvent)
    .on('inventory.updated', { schema: inventoryUpdated }, handlers.inventoryUpdated)
} else {
  app.webhooks('/webhooks/backchannel', backchannel({ secret: BACKCHANNEL_SECRET }), { queue: { engine: queue, workers: process.env.WORKERS === 'off' ? false : { concurrency: 4 } } })
    .on('order.created', { schema: orderCreated }, handlers.orderCreated)
    .on('order.*', handlers.orderEvent)
    .on('inventory.updated', { schema: inventoryUpdated }, handlers.inventoryUpdated)
  if (process.env.BOARD_PASSWORD !== undefined) {
    const { mountBoard } = await import('./board.js')
    await mountBoard(app, queue, process.env.BOARD_PASSWORD)
  }
}

app.webhooks('/webhooks/bread', bread({ keys: { [BREAD.kid]: BREAD.secret }, basicAuth: BREAD.basicAuth }))
  .on({ source: 'breadpayments.webhooks.*', type: '*' }, async (event, request) => {
    request.log.info({ eventId: event.id, type: event.type, data: event.data }, 'bread event')
  })

app.get('/health', async () => ({ ok: true }))

for (const { variable, provider, demo } of UNSET_SECRETS) {
  app.log.warn(`${variable} is not set: ${provider} uses the demo secret from examples/config.ts ("${demo}")`)
}

// SIGINT (Ctrl-C) and SIGTERM close the app: new deliveries get 503, those in flight finish and are
// recorded, workers finish or hand back their jobs; a second signal exits at once.
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    app.log.info({ signal }, 'closing: draining deliveries in flight')
    process.once(signal, () => { process.exit(1) })
    app.close().then(() => { process.exit(0) }, (err: unknown) => { app.log.error({ err }, 'close failed'); process.exit(1) })
  })
}
await app.listen({ host: process.env.HOST ?? '127.0.0.1', port: PORT })
