// The ceiling: Fastify's default JSON route, with no verification at all.
import Fastify from 'fastify'
import { PATH } from '../lib/config.js'
import { OK_REPLY } from '../lib/fixtures.js'
import { listenFastify, type RunningServer } from '../lib/listen.js'

export async function start (): Promise<RunningServer> {
  const app = Fastify()
  app.post(PATH, async () => OK_REPLY)
  return await listenFastify(app)
}
