// One HTTP contract, every adapter: each adapter here mounts the same endpoint at /hook and answers
// requests as { status, headers, body }. The contract suite runs its cases against all of them.
import { createServer, request as httpRequest, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import express from 'express'
import Fastify, { type FastifyInstance } from 'fastify'
import hookgate from '../../src/index.js'
import type { HandlerOptions, ReceiverOptions } from '../../src/core/receiver.js'
import type { EventPattern } from '../../src/core/registry.js'
import type { Handler, Provider, WebhookEvent } from '../../src/core/types.js'
import { webhooks as expressWebhooks } from '../../src/adapters/express.js'
import { webhooks as nodeWebhooks } from '../../src/adapters/node.js'
import { silentLogger } from '../../src/core/log.js'

export interface Reply {
  readonly status: number
  readonly headers: Readonly<Record<string, string | undefined>>
  readonly body: unknown
}

export interface Delivery {
  readonly method?: string
  readonly headers: Readonly<Record<string, string>>
  readonly body?: Buffer | string
}

/** Anything with hookgate's `.on()`: the Fastify endpoint, the Express middleware, the node listener. */
export interface Declarable {
  on (pattern: EventPattern, handler: Handler<WebhookEvent, never>): unknown
  on (pattern: EventPattern, options: HandlerOptions, handler: Handler<WebhookEvent, never>): unknown
}

export interface Harness {
  /** The endpoint's URL as a sender calls it. */
  readonly url: string
  send (delivery: Delivery): Promise<Reply>
  /** Streams `chunks` without a Content-Length until the server answers; resolves with the status and bytes written. */
  stream?: (headers: Record<string, string>, chunk: Buffer, maxBytes: number) => Promise<{ status: number, written: number }>
  close (): Promise<void>
}

/** The options every adapter takes alike (hooks differ only in their context argument). */
export type ContractOptions = Pick<ReceiverOptions, 'bodyLimit' | 'handlerTimeout' | 'handshake' | 'now' | 'unknownEvents' | 'idempotency'>

export interface Adapter {
  readonly name: string
  start (provider: Provider, options: ContractOptions, declare: (endpoint: Declarable) => void): Promise<Harness>
}

async function parseReply (status: number, headers: Record<string, string | undefined>, text: string): Promise<Reply> {
  const json = (headers['content-type'] ?? '').startsWith('application/json')
  return { status, headers, body: json ? JSON.parse(text) as unknown : text }
}

async function overHttp (server: Server, close: () => Promise<void>): Promise<Harness> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}/hook`,
    async send ({ method = 'POST', headers, body }) {
      const res = await fetch(`http://127.0.0.1:${port}/hook`, { method, headers, ...(body === undefined ? {} : { body }) })
      return await parseReply(res.status, Object.fromEntries(res.headers), await res.text())
    },
    async stream (headers, chunk, maxBytes) {
      return await new Promise((resolve, reject) => {
        let written = 0
        let answered = false
        const req = httpRequest({ host: '127.0.0.1', port, path: '/hook', method: 'POST', headers }, (res) => {
          answered = true
          res.resume()
          resolve({ status: res.statusCode ?? 0, written })
        })
        req.on('error', (err) => { if (!answered) reject(err) })
        const pump = (): void => {
          while (!answered && written < maxBytes) {
            written += chunk.length
            if (!req.write(chunk)) { req.once('drain', pump); return }
          }
          if (!answered) req.end()
        }
        pump()
      })
    },
    close
  }
}

function closer (server: Server): () => Promise<void> {
  return async () => { server.closeAllConnections(); await new Promise((resolve) => server.close(resolve)) }
}

/** The same Fastify app for both depths: `inject` and a real socket. */
async function fastifyApp (provider: Provider, options: ContractOptions, declare: (endpoint: Declarable) => void): Promise<FastifyInstance> {
  const app = Fastify({ logger: false })
  await app.register(hookgate, options)
  declare(app.webhooks('/hook', provider) as unknown as Declarable)
  await app.ready()
  return app
}

const fastifyInject: Adapter = {
  name: 'fastify (inject)',
  async start (provider, options, declare) {
    const app = await fastifyApp(provider, options, declare)
    return {
      url: 'http://localhost:80/hook',
      async send ({ method = 'POST', headers, body }) {
        const res = await app.inject({ method: method as 'POST', url: '/hook', headers, ...(body === undefined ? {} : { payload: body }) })
        return await parseReply(res.statusCode, res.headers as Record<string, string>, res.body)
      },
      close: async () => { await app.close() }
    }
  }
}

const fastifyHttp: Adapter = {
  name: 'fastify (http)',
  async start (provider, options, declare) {
    const app = await fastifyApp(provider, options, declare)
    return await overHttp(app.server, async () => { await app.close() })
  }
}

const expressHttp: Adapter = {
  name: 'express (http)',
  async start (provider, options, declare) {
    const app = express()
    const endpoint = expressWebhooks(provider, { ...options, log: silentLogger })
    declare(endpoint as unknown as Declarable)
    app.post('/hook', endpoint)
    app.options('/hook', endpoint)
    app.post('/api/json', express.json(), (req, res) => { res.json({ parsed: req.body as unknown }) })
    const server = createServer(app)
    return await overHttp(server, closer(server))
  }
}

const nodeHttp: Adapter = {
  name: 'node:http',
  async start (provider, options, declare) {
    const endpoint = nodeWebhooks(provider, { ...options, path: '/hook', log: silentLogger })
    declare(endpoint as unknown as Declarable)
    const server = createServer(endpoint)
    return await overHttp(server, closer(server))
  }
}

export const ADAPTERS: readonly Adapter[] = [fastifyInject, fastifyHttp, expressHttp, nodeHttp]
