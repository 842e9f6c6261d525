// Type tests for queue mode (compiled by `npm run typecheck`, part of `npm test`): with a queue, a
// handler's second argument is the job's context on every adapter; without one it stays the request.
import type { IncomingMessage } from 'node:http'
import Fastify, { type FastifyRequest } from 'fastify'
import type { Request } from 'express'
import hookgate from 'hookgate'
import type { JobContext } from 'hookgate/core'
import { webhooks as expressWebhooks } from 'hookgate/express'
import { webhooks as nodeWebhooks } from 'hookgate/node'
import { backchannel } from 'hookgate/providers'
import { memoryQueue } from 'hookgate/queues/memory'
import { createReceiver, startWorker } from 'hookgate/worker'

type Equals<A, B> = (<T>() => T extends A ? 1 : 2) extends (<T>() => T extends B ? 1 : 2) ? true : false
function expectType<T extends true> (_: T): void {}

const schema = { type: 'object', required: ['order_id'], properties: { order_id: { type: 'string' } } } as const
const app = Fastify()
await app.register(hookgate)

app.webhooks('/queued', backchannel({ secret: 's' }), { queue: { engine: memoryQueue() } })
  .on('order.created', { schema }, (event, job) => {
    expectType<Equals<typeof job, JobContext>>(true)
    expectType<Equals<typeof event.data.order_id, string>>(true)
    expectType<Equals<typeof job.signal, AbortSignal>>(true)
  })
app.webhooks('/inline', backchannel({ secret: 's' }))
  .on('order.created', (_event, request) => { expectType<Equals<typeof request, FastifyRequest>>(true) })

// @ts-expect-error the plugin's queue makes an engine per endpoint: a function of its path
await app.register(hookgate, { queue: { engine: memoryQueue() } })
const withDefault = Fastify()
await withDefault.register(hookgate, { queue: { engine: (path) => memoryQueue({ name: path }), workers: { concurrency: 2 } } })
withDefault.webhooks('/default', backchannel({ secret: 's' }), { queue: true })
  .on('*', (_event, job) => { expectType<Equals<typeof job, JobContext>>(true) })

nodeWebhooks(backchannel({ secret: 's' }), { queue: { engine: memoryQueue() } })
  .on('*', (_event, job) => { expectType<Equals<typeof job, JobContext>>(true) })
nodeWebhooks(backchannel({ secret: 's' }))
  .on('*', (_event, request) => { expectType<Equals<typeof request, IncomingMessage>>(true) })
expressWebhooks(backchannel({ secret: 's' }), { queue: { engine: memoryQueue() } })
  .on('*', (_event, job) => { expectType<Equals<typeof job, JobContext>>(true) })
expressWebhooks(backchannel({ secret: 's' }))
  .on('*', (_event, request) => { expectType<Equals<typeof request, Request>>(true) })

const receiver = createReceiver(backchannel({ secret: 's' }), { queue: { engine: memoryQueue() } })
  .on('order.*', (_event, job) => { expectType<Equals<typeof job.attempt, number>>(true) })
startWorker(receiver)
