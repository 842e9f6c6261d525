// hookgate's Express adapter (Express 5) with the Backchannel preset; idempotency off, logger silent.
import { createServer } from 'node:http'
import express from 'express'
import { webhooks } from 'hookgate/express'
import { backchannel } from 'hookgate/providers'
import { PATH } from '../lib/config.js'
import { BACKCHANNEL_SECRET, EVENT_TYPE, ORDER_SCHEMA } from '../lib/fixtures.js'
import { listenNode, silentLog, type RunningServer } from '../lib/listen.js'

export async function start (): Promise<RunningServer> {
  const app = express()
  app.post(PATH, webhooks(backchannel({ secret: BACKCHANNEL_SECRET }), { idempotency: false, log: silentLog })
    .on(EVENT_TYPE, { schema: ORDER_SCHEMA }, async () => {}))
  return await listenNode(createServer(app))
}
