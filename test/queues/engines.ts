import { randomUUID } from 'node:crypto'
import type { TestContext } from 'node:test'
import { Redis } from 'ioredis'
import type { QueueEngine, RetryOptions } from '../../src/core/queue.js'
import { bullmqQueue, type BullmqQueue } from '../../src/queues/bullmq.js'
import { memoryQueue } from '../../src/queues/memory.js'
import { postgresQueue } from '../../src/queues/postgres.js'
import { REDIS_URL } from '../stores/redis-helpers.js'
import pg from 'pg'

/** The real PostgreSQL every machine and CI runs (npm test starts one when none answers). */
export const POSTGRES_URL = process.env.POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres'

/** A queue name of the test's own, its rows deleted after it. */
export function postgresQueueName (t: TestContext): string {
  const name = `test-${randomUUID()}`
  t.after(async () => {
    const client = new pg.Client({ connectionString: POSTGRES_URL })
    await client.connect()
    await client.query('DELETE FROM hookgate_jobs WHERE queue = $1', [name]).catch(() => {})
    await client.end()
  })
  return name
}

export interface EngineUnderTest {
  readonly name: string
  readonly durable: boolean
  /** A new engine on a queue no other test uses (on `like`'s queue when given), removed after the test. */
  make (t: TestContext, options?: RetryOptions & { like?: QueueEngine }): QueueEngine
}

/** A BullMQ prefix of the test's own, its keys deleted after it. */
export function bullmqPrefix (t: TestContext): string {
  const prefix = `hookgate-test-${randomUUID()}`
  t.after(async () => {
    const client = new Redis(REDIS_URL, { maxRetriesPerRequest: 1 })
    const keys = await client.keys(`${prefix}:*`)
    if (keys.length > 0) await client.del(...keys)
    await client.quit()
  })
  return prefix
}

/** Fast retries for tests: 50 ms, 100 ms, … with no jitter, and a short lock so a dead worker's job returns quickly. */
export const FAST = { delay: 50, jitter: 0 } as const

const prefixes = new WeakMap<QueueEngine, string>()

const ALL_ENGINES: readonly EngineUnderTest[] = [
  {
    name: 'memory',
    durable: false,
    make: (_t, options = {}) => memoryQueue({ ...FAST, ...options })
  },
  {
    name: 'bullmq',
    durable: true,
    make: (t, options = {}) => {
      const { like, ...retry } = options
      // Closed before its keys are deleted (after-hooks run in the order they were added): a queue
      // still open would write its meta key back.
      t.after(async () => { await engine.close() })
      const prefix = like === undefined ? bullmqPrefix(t) : prefixes.get(like) as string
      const engine = bullmqQueue({ url: REDIS_URL, name: 'webhooks', prefix, lockDuration: 2000, stalledInterval: 1000, ...FAST, ...retry })
      prefixes.set(engine, prefix)
      return engine
    }
  },
  {
    name: 'postgres',
    durable: true,
    make: (t, options = {}) => {
      const { like, ...retry } = options
      const engine = postgresQueue({ url: POSTGRES_URL, name: like?.name ?? postgresQueueName(t), lease: 2000, pollInterval: 200, ...FAST, ...retry })
      t.after(async () => { await engine.close() })
      return engine
    }
  }
]

/** The engines the contract runs on: all, or those HOOKGATE_TEST_ENGINES names (`bullmq,postgres`). */
export const ENGINES = process.env.HOOKGATE_TEST_ENGINES === undefined
  ? ALL_ENGINES
  : ALL_ENGINES.filter(({ name }) => process.env.HOOKGATE_TEST_ENGINES?.split(',').includes(name))

/** `inner` behind an engine that also keeps, as JSON, each record it is given to store. */
export function recordingEnqueues (inner: QueueEngine): { engine: QueueEngine, stored: string[] } {
  const stored: string[] = []
  const engine: QueueEngine = {
    engine: inner.engine,
    name: inner.name,
    durable: inner.durable,
    enqueue: async (record) => { stored.push(JSON.stringify(record)); return await inner.enqueue(record) },
    consume: (run, options) => inner.consume(run, options),
    deadLetters: async (limit) => await inner.deadLetters(limit),
    replay: async (id) => await inner.replay(id),
    purge: async (id) => await inner.purge(id),
    close: async () => { await inner.close() }
  }
  return { engine, stored }
}

/** The connection a bullmq engine adds its jobs with: BullMQ 6 keeps it in the queue's backend, 5 on the queue. */
export async function bullmqConnection<T> (engine: QueueEngine): Promise<T> {
  const { queue } = engine as BullmqQueue
  await queue.waitUntilReady()
  const holder = queue as unknown as { getBackend?: () => { client: Promise<T> }, client?: Promise<T> }
  return await (holder.getBackend?.().client ?? holder.client as Promise<T>)
}
