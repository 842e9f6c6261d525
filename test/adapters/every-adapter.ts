// One endpoint at /wh on each adapter over real HTTP (Fastify, Express, node:http), for tests that
// talk raw HTTP/1 to all three alike.
import type { TestContext } from 'node:test'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import express from 'express'
import Fastify from 'fastify'
import hookgate from '../../src/index.js'
import { webhooks as nodeWebhooks } from '../../src/adapters/node.js'
import { webhooks as expressWebhooks } from '../../src/adapters/express.js'
import type { ReceiverOptions } from '../../src/core/receiver.js'
import type { Provider, WebhookEvent } from '../../src/core/types.js'
import { silentLogger } from '../../src/core/log.js'

async function listen (server: Server, t: TestContext): Promise<number> {
  await new Promise<void>((resolve) => { server.listen(0, '127.0.0.1', resolve) })
  t.after(async () => { await new Promise((resolve) => { server.closeAllConnections(); server.close(resolve) }) })
  return (server.address() as AddressInfo).port
}

/** The port of each adapter's endpoint; each handled event's id is pushed to `ran` as `<adapter> <id>`. */
export async function everyAdapter (t: TestContext, provider: Provider, options: Pick<ReceiverOptions, 'bodyTimeout' | 'now'>, ran: string[]): Promise<Array<[string, number]>> {
  const record = (adapter: string) => (event: WebhookEvent): void => { ran.push(`${adapter} ${event.id}`) }
  const app = Fastify()
  await app.register(hookgate, options)
  app.webhooks('/wh', provider).on('*', record('fastify'))
  await app.listen({ host: '127.0.0.1', port: 0 })
  t.after(async () => { app.server.closeAllConnections(); await app.close() })
  const expressApp = express()
  expressApp.post('/wh', expressWebhooks(provider, { ...options, log: silentLogger }).on('*', record('express')))
  const node = createServer(nodeWebhooks(provider, { ...options, path: '/wh', log: silentLogger }).on('*', record('node')))
  return [
    ['fastify', (app.server.address() as AddressInfo).port],
    ['express', await listen(createServer(expressApp), t)],
    ['node', await listen(node, t)]
  ]
}
