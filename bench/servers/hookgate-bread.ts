// hookgate's Fastify plugin with the Bread preset: Basic + detached JWS (HS256) + CloudEvents binary mode.
import Fastify from 'fastify'
import hookgate from 'hookgate'
import { bread } from 'hookgate/providers'
import { PATH } from '../lib/config.js'
import { BREAD_BASIC, BREAD_KID, BREAD_SECRET, EVENT_TYPE, ORDER_SCHEMA } from '../lib/fixtures.js'
import { listenFastify, type RunningServer } from '../lib/listen.js'

export async function start (): Promise<RunningServer> {
  const app = Fastify()
  await app.register(hookgate)
  app.webhooks(PATH, bread({ keys: { [BREAD_KID]: BREAD_SECRET }, basicAuth: BREAD_BASIC }), { idempotency: false })
    .on(EVENT_TYPE, { schema: ORDER_SCHEMA }, async () => {})
  return await listenFastify(app)
}
