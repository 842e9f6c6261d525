import { randomUUID } from 'node:crypto'
import type { TestContext } from 'node:test'
import { Redis } from 'ioredis'
import type { QueueEngine, RetryOptions } from '../../src/core/queue.js'
import { bullmqQueue } from '../../src/queues/bullmq.js'
import { memoryQueue } from '../../src/queues/memory.js'
import { REDIS_URL } from '../stores/redis-helpers.js'

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

export const ENGINES: readonly EngineUnderTest[] = [
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
      const prefix = like === undefined ? bullmqPrefix(t) : prefixes.get(like) as string
      const engine = bullmqQueue({ url: REDIS_URL, name: 'webhooks', prefix, lockDuration: 2000, stalledInterval: 1000, ...FAST, ...retry })
      prefixes.set(engine, prefix)
      t.after(async () => { await engine.close() })
      return engine
    }
  }
]
