// hookgate's Fastify plugin with the Backchannel preset. Idempotency is off: every timed request
// carries the same event id, and a duplicate would be answered without running the pipeline's end.
import Fastify from 'fastify'
import hookgate from 'hookgate'
import { backchannel } from 'hookgate/providers'
import { PATH } from '../lib/config.js'
import { BACKCHANNEL_SECRET, EVENT_TYPE, ORDER_SCHEMA } from '../lib/fixtures.js'
import { listenFastify, type RunningServer } from '../lib/listen.js'

export async function start (): Promise<RunningServer> {
  const app = Fastify()
  await app.register(hookgate)
  app.webhooks(PATH, backchannel({ secret: BACKCHANNEL_SECRET }), { idempotency: false })
    .on(EVENT_TYPE, { schema: ORDER_SCHEMA }, async () => {})
  return await listenFastify(app)
}
