import { randomUUID } from 'node:crypto'
import type { TestContext } from 'node:test'
import { Redis } from 'ioredis'
import { redisStore, type RedisIdempotencyStore } from '../../src/stores/redis.js'

/** The real Redis every machine and CI runs (`.ci/run` starts one if none answers). Never skipped. */
export const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379'

/** A client for the test's own checks, closed after the test. */
export function redisClient (t: TestContext): Redis {
  const client = new Redis(REDIS_URL, { maxRetriesPerRequest: 1 })
  t.after(async () => { await client.quit() })
  return client
}

/** A store under a prefix no other test uses; its keys are deleted after the test. */
export function isolatedRedisStore (t: TestContext, options: { prefix?: string } = {}): { store: RedisIdempotencyStore, prefix: string } {
  const prefix = options.prefix ?? `hookgate-test:${randomUUID()}:`
  const store = redisStore({ url: REDIS_URL, prefix })
  const cleaner = new Redis(REDIS_URL, { maxRetriesPerRequest: 1 })
  t.after(async () => {
    const keys = await cleaner.keys(`${prefix}*`)
    if (keys.length > 0) await cleaner.del(...keys)
    await cleaner.quit()
    await store.close()
  })
  return { store, prefix }
}
