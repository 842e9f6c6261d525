import { test, type TestContext } from 'node:test'
import assert from 'node:assert/strict'
import { connect, createServer, type AddressInfo, type Server, type Socket } from 'node:net'
import type { QueueEngine } from '../../src/core/queue.js'
import { createReceiver } from '../../src/core/receiver.js'
import type { Logger } from '../../src/core/types.js'
import { startWorker } from '../../src/core/worker.js'
import { backchannel } from '../../src/providers/index.js'
import { bullmqQueue } from '../../src/queues/bullmq.js'
import { postgresQueue } from '../../src/queues/postgres.js'
import { REDIS_URL } from '../stores/redis-helpers.js'
import { until } from '../wait.js'
import { bullmqPrefix } from './engines.js'

function errorLog (): Logger & { errors: Array<Record<string, unknown>> } {
  const errors: Array<Record<string, unknown>> = []
  return { errors, debug () {}, info () {}, warn () {}, error (obj) { errors.push(obj as Record<string, unknown>) } }
}

/** A port nothing listens on yet; `open()` then forwards it to the real Redis. */
async function redisLater (t: TestContext): Promise<{ url: string, open: () => Promise<void> }> {
  const probe = createServer()
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve))
  const { port } = probe.address() as AddressInfo
  await new Promise((resolve) => probe.close(resolve))
  const redis = new URL(REDIS_URL)
  const sockets = new Set<Socket>()
  let server: Server | undefined
  t.after(async () => {
    for (const socket of sockets) socket.destroy()
    if (server !== undefined) await new Promise((resolve) => server?.close(resolve))
  })
  return {
    url: `redis://127.0.0.1:${port}`,
    open: async () => {
      server = createServer((client) => {
        const upstream = connect(Number(redis.port || 6379), redis.hostname)
        for (const socket of [client, upstream]) {
          sockets.add(socket)
          socket.on('error', () => { client.destroy(); upstream.destroy() })
        }
        client.pipe(upstream).pipe(client)
      })
      await new Promise<void>((resolve) => server?.listen(port, '127.0.0.1', resolve))
    }
  }
}

interface Unreachable {
  readonly engine: QueueEngine
  /** What the worker needs before it can close: BullMQ closes a worker only once it has connected. */
  readonly beforeClose?: () => Promise<void>
}

const CASES: Array<[string, string, (t: TestContext) => Promise<Unreachable>]> = [
  ['bullmq', 'Redis cannot be reached, and closes once it is back', async (t) => {
    const later = await redisLater(t)
    return { engine: bullmqQueue({ url: later.url, name: 'orders', prefix: bullmqPrefix(t) }), beforeClose: later.open }
  }],
  ['postgres', 'PostgreSQL cannot be reached (each look for jobs), and closes', async () => ({
    engine: postgresQueue({ url: 'postgres://postgres@127.0.0.1:1/postgres', name: 'orders', pollInterval: 100 })
  })]
]

for (const [name, what, unreachable] of CASES) {
  test(`a worker logs each failure of its ${name} engine while ${what}`, { timeout: 30_000 }, async (t) => {
    const log = errorLog()
    const { engine, beforeClose } = await unreachable(t)
    const worker = startWorker(createReceiver(backchannel({ secret: 's' }), { queue: { engine } }).on('*', () => {}), { log })
    await until(() => log.errors.length >= 2, 'two failures in the log')
    assert.deepEqual({ ...log.errors[0], err: undefined }, { engine: name, queue: 'orders', err: undefined })
    assert.match((log.errors[0]?.err as Error).message, /ECONNREFUSED/)
    await beforeClose?.()
    await worker.close()
    await engine.close()
  })
}
