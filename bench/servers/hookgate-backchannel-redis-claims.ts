// hookgate-backchannel inline with de-duplication on and its claims in Redis, as two instances of a
// receiver run it: a claim before the handler and its completion after, per event. In bench:queue,
// the inline path that queue mode replaces in such a deployment.
import { randomBytes } from 'node:crypto'
import Fastify from 'fastify'
import hookgate from 'hookgate'
import { backchannel } from 'hookgate/providers'
import { redisStore } from 'hookgate/stores/redis'
import { PATH } from '../lib/config.js'
import { BACKCHANNEL_SECRET, EVENT_TYPE, ORDER_SCHEMA } from '../lib/fixtures.js'
import { listenFastify, type RunningServer } from '../lib/listen.js'
import { BENCH_PREFIX, REDIS_URL } from '../lib/queue-servers.js'

export async function start (): Promise<RunningServer> {
  const app = Fastify()
  // Under the prefix bench:queue deletes after each round, so that every run starts with no claims.
  const store = redisStore({ url: REDIS_URL, prefix: `${BENCH_PREFIX}:claims-${randomBytes(4).toString('hex')}:` })
  await app.register(hookgate, { idempotency: { store } })
  app.webhooks(PATH, backchannel({ secret: BACKCHANNEL_SECRET }))
    .on(EVENT_TYPE, { schema: ORDER_SCHEMA }, async () => {})
  return await listenFastify(app)
}
