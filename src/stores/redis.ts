import { randomUUID } from 'node:crypto'
import { once } from 'node:events'
import type { Redis } from 'ioredis'
import type { ClaimResult, IdempotencyStore } from '../core/idempotency-store.js'

export interface RedisStoreOptions {
  /** A client the application already has (it keeps owning it). */
  client?: Redis
  /** Or a URL; the store then opens, owns and closes its own connection. */
  url?: string
  /** Prefix of every key. @default 'hookgate:' */
  prefix?: string
  /** Milliseconds before a command counts as failed (→ 503, the sender retries). @default 2000 */
  timeout?: number
}

// One round trip each, atomic in Redis. A running claim is "running:<token>", a done one "done".
// A claim found running under its own token was taken by this very command, whose reply was lost
// and which ioredis sent again after reconnecting: it is still this delivery's.
const CLAIM = `
local v = redis.call('GET', KEYS[1])
if not v then
  redis.call('SET', KEYS[1], 'running:' .. ARGV[1], 'PX', ARGV[2])
  return {'claimed'}
end
if v == 'done' then return {'done'} end
if v == 'running:' .. ARGV[1] then return {'claimed'} end
return {'running', redis.call('PTTL', KEYS[1])}`

const COMPLETE = `
local v = redis.call('GET', KEYS[1])
if v and v ~= 'running:' .. ARGV[1] then return 0 end
redis.call('SET', KEYS[1], 'done', 'PX', ARGV[2])
return 1`

const RELEASE = `
if redis.call('GET', KEYS[1]) == 'running:' .. ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0`

/** Fail fast when Redis is away: the sender is told to retry instead of the request hanging. */
const OWN_CLIENT_OPTIONS = { enableOfflineQueue: false, maxRetriesPerRequest: 1, connectTimeout: 2000 } as const

/**
 * Claims shared by every instance through Redis: `SET NX PX`-style claims in Lua, a completion marker
 * with its own TTL, keys under `prefix` + the endpoint's namespace.
 */
export class RedisIdempotencyStore implements IdempotencyStore {
  readonly #client: Promise<Redis>
  readonly #owned: boolean
  readonly #prefix: string
  readonly #timeout: number
  #ready: Promise<unknown> | undefined

  constructor (options: RedisStoreOptions) {
    if (options === null || typeof options !== 'object') throw new TypeError('redisStore() needs { client } or { url }')
    const { client, url, prefix = 'hookgate:', timeout = 2000 } = options
    if ((client === undefined) === (url === undefined)) throw new TypeError('redisStore(): give exactly one of "client" or "url"')
    if (client !== undefined && typeof (client as { eval?: unknown }).eval !== 'function') throw new TypeError('"client" must be an ioredis client')
    if (url !== undefined && (typeof url !== 'string' || !/^rediss?:\/\//.test(url))) throw new TypeError('"url" must be a redis:// or rediss:// URL')
    if (typeof prefix !== 'string') throw new TypeError('"prefix" must be a string')
    if (!Number.isSafeInteger(timeout) || timeout < 1) throw new TypeError('"timeout" must be a positive number of ms')
    this.#owned = client === undefined
    // ioredis is an optional peer: loaded only when the store opens its own connection.
    this.#client = client !== undefined
      ? Promise.resolve(client)
      : import('ioredis').then(({ Redis: Client }) => {
        const own = new Client(url as string, OWN_CLIENT_OPTIONS)
        // Connection errors reach the sender as the failed command's 503, logged by the receiver; with
        // no listener, ioredis would print each one to the console, past the application's logger.
        own.on('error', () => {})
        return own
      })
    this.#client.catch(() => {})
    this.#prefix = prefix
    this.#timeout = timeout
  }

  async claim (key: string, leaseMs: number): Promise<ClaimResult> {
    const token = randomUUID()
    const [state, pttl] = await this.#eval(CLAIM, key, [token, String(leaseMs)], (late) => {
      // Redis took the claim after its deadline, when the sender had been answered 503: nobody holds it.
      if (Array.isArray(late) && late[0] === 'claimed') this.release(key, token).catch(() => {})
    }) as [string, number?]
    if (state === 'claimed') return { state, token }
    if (state === 'done') return { state }
    return { state: 'running', retryAfterMs: Math.max(0, Number(pttl ?? 0)) }
  }

  async complete (key: string, token: string, ttlMs: number): Promise<void> {
    await this.#eval(COMPLETE, key, [token, String(ttlMs)])
  }

  async release (key: string, token: string): Promise<void> {
    await this.#eval(RELEASE, key, [token])
  }

  async close (): Promise<void> {
    if (!this.#owned) return
    const client = await this.#client
    // quit() waits for a connection that may never come; a client that is not ready is just dropped.
    if (client.status === 'ready') await client.quit().catch(() => {})
    else client.disconnect()
  }

  /**
   * The next 'ready' (or 'error') of a client that is not ready, one wait shared by every request:
   * a listener pair per request would pile up for as long as Redis stays away.
   */
  #connecting (client: Redis): Promise<unknown> {
    if (this.#ready === undefined) {
      this.#ready = once(client, 'ready').finally(() => { this.#ready = undefined })
      // A client made with lazyConnect waits for a first command, which waits for 'ready': start it.
      if (client.status === 'wait') client.connect().catch(() => {})
    }
    return this.#ready
  }

  /**
   * Runs a script within the timeout. A command cannot be called back once sent: when the deadline
   * wins, `abandoned` gets the command's result should it still arrive.
   */
  async #eval (script: string, key: string, args: readonly string[], abandoned?: (result: unknown) => void): Promise<unknown> {
    const client = await this.#client
    let timer: NodeJS.Timeout | undefined
    let timedOut = false
    const timeout = new Promise<never>((_resolve, reject) => {
      timer = setTimeout(() => {
        timedOut = true
        reject(new Error(`redis did not answer within ${this.#timeout} ms`))
      }, this.#timeout)
    })
    // A connection still being (re)established gets the same deadline as a command.
    const ready = client.status === 'ready' ? undefined : this.#connecting(client)
    const command = (ready ?? Promise.resolve()).then(async () => await client.eval(script, 1, this.#prefix + key, ...args))
    try {
      return await Promise.race([command, timeout])
    } catch (err) {
      if (timedOut && abandoned !== undefined) command.then(abandoned, () => {})
      throw err
    } finally {
      clearTimeout(timer)
    }
  }
}

/**
 * The idempotency store for several instances: claims in a Redis the application already runs.
 * @example idempotency: { store: redisStore({ url: process.env.REDIS_URL! }) }
 */
export function redisStore (options: RedisStoreOptions): RedisIdempotencyStore {
  return new RedisIdempotencyStore(options)
}
