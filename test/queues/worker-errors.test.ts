import { test, type TestContext } from 'node:test'
import assert from 'node:assert/strict'
import { connect, createServer, type Server, type Socket } from 'node:net'
import type { QueueEngine } from '../../src/core/queue.js'
import { createReceiver } from '../../src/core/receiver.js'
import type { Logger } from '../../src/core/types.js'
import { startWorker } from '../../src/core/worker.js'
import { backchannel } from '../../src/providers/index.js'
import { bullmqQueue } from '../../src/queues/bullmq.js'
import { postgresQueue } from '../../src/queues/postgres.js'
import { REDIS_URL } from '../stores/redis-helpers.js'
import { freePort } from '../services.js'
import { until } from '../wait.js'
import { bullmqPrefix, POSTGRES_URL, postgresQueueName } from './engines.js'

function errorLog (): Logger & { errors: Array<Record<string, unknown>> } {
  const errors: Array<Record<string, unknown>> = []
  return { errors, debug () {}, info () {}, warn () {}, error (obj) { errors.push(obj as Record<string, unknown>) } }
}

/** A port nothing listens on yet; `open()` then forwards it to `upstream`'s server (as if it came back). */
async function serverLater (t: TestContext, upstream: string): Promise<{ port: number, open: () => Promise<void> }> {
  const port = await freePort()
  const target = new URL(upstream)
  const sockets = new Set<Socket>()
  let server: Server | undefined
  t.after(async () => {
    for (const socket of sockets) socket.destroy()
    if (server !== undefined) await new Promise((resolve) => server?.close(resolve))
  })
  return {
    port,
    open: async () => {
      server = createServer((client) => {
        const forward = connect(Number(target.port), target.hostname)
        for (const socket of [client, forward]) {
          sockets.add(socket)
          socket.on('error', () => { client.destroy(); forward.destroy() })
        }
        client.pipe(forward).pipe(client)
      })
      await new Promise<void>((resolve) => server?.listen(port, '127.0.0.1', resolve))
    }
  }
}

const CASES: Array<[string, string, (t: TestContext, port: number) => QueueEngine]> = [
  ['bullmq', REDIS_URL, (t, port) => bullmqQueue({ url: `redis://127.0.0.1:${port}`, name: 'orders', prefix: bullmqPrefix(t) })],
  ['postgres', POSTGRES_URL, (t, port) => {
    const url = new URL(POSTGRES_URL)
    url.host = `127.0.0.1:${port}`
    return postgresQueue({ url: url.href, name: postgresQueueName(t), pollInterval: 100 })
  }]
]

for (const [name, upstream, make] of CASES) {
  test(`a worker logs each failure of its ${name} engine while the server cannot be reached, and runs jobs once it is back`, { timeout: 30_000 }, async (t) => {
    const log = errorLog()
    const later = await serverLater(t, upstream)
    const engine = make(t, later.port)
    const runs: string[] = []
    const worker = startWorker(createReceiver(backchannel({ secret: 's' }), { queue: { engine } }).on('*', (event) => { runs.push(event.id) }), { log })
    await until(() => log.errors.length >= 2, 'two failures in the log')
    assert.deepEqual({ ...log.errors[0], err: undefined }, { engine: name, queue: engine.name, err: undefined })
    assert.match((log.errors[0]?.err as Error).message, /ECONNREFUSED/)
    await later.open()
    const record = { v: 1, key: 'backchannel:evt_back', delivery: 'd', endpoint: '/hook', provider: 'backchannel', receivedAt: Date.now(), headers: {}, event: { id: 'evt_back', type: 'order.paid', data: {} } }
    // BullMQ's first connection may still be waiting for its next try: an enqueue refused meanwhile is tried again.
    await until(async () => await engine.enqueue(record as never).then(() => true, () => false), 'an enqueue to succeed')
    await until(() => runs.length === 1, 'the job to run')
    await worker.close()
    await engine.close()
  })
}
