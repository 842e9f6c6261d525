// bull-board for the example's BullMQ queue at /admin/queues, behind HTTP Basic (user "admin",
// BOARD_PASSWORD): the board can retry and delete jobs, so it is never left open.
import { timingSafeEqual } from 'node:crypto'
import basicAuth from '@fastify/basic-auth'
import { createBullBoard } from '@bull-board/api'
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter'
import { FastifyAdapter } from '@bull-board/fastify'
import type { FastifyInstance } from 'fastify'
import type { QueueEngine } from 'hookgate/core'
import { BullmqQueue } from 'hookgate/queues/bullmq'

function same (given: string, expected: string): boolean {
  const a = Buffer.from(given)
  const b = Buffer.from(expected)
  return a.length === b.length && timingSafeEqual(a, b)
}

export async function mountBoard (app: FastifyInstance, queue: QueueEngine, password: string): Promise<void> {
  if (!(queue instanceof BullmqQueue)) {
    app.log.warn('BOARD_PASSWORD is set but the queue is not BullMQ: bull-board shows BullMQ queues only')
    return
  }
  const board = new FastifyAdapter()
  createBullBoard({ queues: [new BullMQAdapter(queue.queue)], serverAdapter: board })
  board.setBasePath('/admin/queues')
  await app.register(async (scope) => {
    await scope.register(basicAuth, {
      authenticate: { realm: 'hookgate queues' },
      validate: async (username, given) => { if (!(same(username, 'admin') && same(given, password))) throw new Error('wrong credentials') }
    })
    scope.addHook('onRequest', scope.basicAuth)
    await scope.register(board.registerPlugin(), { prefix: '/admin/queues' })
  })
}
