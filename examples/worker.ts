// `npm run worker`: workers only, for the example server started with QUEUE_URL and WORKERS=off.
// The same provider, schemas and handlers as the server's Backchannel endpoint; no HTTP server.
import { backchannel } from 'hookgate/providers'
import { createReceiver, startWorker } from 'hookgate/worker'
import { BACKCHANNEL_SECRET } from './config.js'
import * as handlers from './handlers.js'
import { backchannelQueue } from './queue.js'
import * as schemas from './schemas.js'

const engine = await backchannelQueue()
if (engine === undefined) throw new Error('set QUEUE_URL (redis://… or postgres://…) to the queue the server writes to')

const log = {
  debug: () => {},
  info: (obj: object, msg?: string) => { console.log(JSON.stringify({ level: 'info', msg, ...obj })) },
  warn: (obj: object, msg?: string) => { console.warn(JSON.stringify({ level: 'warn', msg, ...obj })) },
  error: (obj: object, msg?: string) => { console.error(JSON.stringify({ level: 'error', msg, ...obj, err: String((obj as { err?: unknown }).err) })) }
}
const receiver = createReceiver(backchannel({ secret: BACKCHANNEL_SECRET }), { queue: { engine } })
  .on('order.created', { schema: schemas.orderCreated }, handlers.orderCreated)
  .on('order.*', handlers.orderEvent)
  .on('inventory.updated', { schema: schemas.inventoryUpdated }, handlers.inventoryUpdated)
const worker = startWorker(receiver, { log })
log.info({ engine: engine.engine, queue: engine.name }, 'worker ready')

// Stop taking jobs, let running ones finish (or hand them back), then close the connections.
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    worker.close().then(async () => { await engine.close() }).then(() => { process.exit(0) }, (err: unknown) => { console.error(err); process.exit(1) })
  })
}
