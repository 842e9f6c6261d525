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

async function deleteKeys (client: Redis, prefix: string): Promise<void> {
  const keys = await client.keys(`${prefix}*`)
  if (keys.length > 0) await client.del(...keys)
}

/** A store under a prefix no other test uses; its keys are deleted after the test. */
export function isolatedRedisStore (t: TestContext, options: { prefix?: string } = {}): { store: RedisIdempotencyStore, prefix: string } {
  const prefix = options.prefix ?? `hookgate-test:${randomUUID()}:`
  const store = redisStore({ url: REDIS_URL, prefix })
  const cleaner = new Redis(REDIS_URL, { maxRetriesPerRequest: 1 })
  t.after(async () => {
    await deleteKeys(cleaner, prefix)
    await cleaner.quit()
    await store.close()
  })
  return { store, prefix }
}

/** A client of the test's own (for a store given `{ client }`) and a prefix no other test uses; both cleaned up after it. */
export function isolatedRedisClient (t: TestContext, options: { lazyConnect?: boolean } = {}): { client: Redis, prefix: string } {
  const prefix = `hookgate-test:${randomUUID()}:`
  const client = new Redis(REDIS_URL, { maxRetriesPerRequest: 1, ...options })
  t.after(async () => {
    await deleteKeys(client, prefix)
    await client.quit()
  })
  return { client, prefix }
}
