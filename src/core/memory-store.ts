import { randomUUID } from 'node:crypto'
import type { ClaimResult, IdempotencyStore } from './idempotency-store.js'

export interface MemoryStoreOptions {
  /**
   * Most done keys kept. A done key is never forgotten before its TTL ends (a replay of its event
   * would run again): when this many are within their TTL, a new event's claim fails with
   * `StoreFullError` (answered 503 with `Retry-After`, and logged) until the oldest expires. Running
   * claims are not counted: there are as many as handlers running. About 220 bytes per key of 36 characters (22 MB at the default).
   * @default 100000
   */
  maxEntries?: number
  /** The clock, in ms. @default Date.now */
  now?: () => number
}

/**
 * A claim refused because the store holds `maxEntries` done keys that are all within their TTL:
 * forgetting one would let a replay of its event run again. Answered 503 with `Retry-After`.
 */
export class StoreFullError extends Error {
  /** Milliseconds until the oldest done key expires and makes room. */
  readonly retryAfterMs: number
  constructor (entries: number, retryAfterMs: number) {
    super(`the memory idempotency store is full: ${entries} event ids are within their TTL; raise "maxEntries", shorten "idempotency.ttl" or use a shared store such as redisStore()`)
    this.name = 'StoreFullError'
    this.retryAfterMs = retryAfterMs
  }
}

interface Claim {
  readonly token: string
  readonly expiresAt: number
}

/**
 * Claims in this process's memory: bounded and expiring, never forgetting a done key before its TTL.
 * Enough for one instance; several instances need a shared store such as `redisStore()`.
 */
export class MemoryIdempotencyStore implements IdempotencyStore {
  /** Claims of handlers still running, until completed, released or their lease ends. */
  readonly #running = new Map<string, Claim>()
  /** Done keys and when they expire, in the order they were done: with one TTL, the first expires first. */
  readonly #done = new Map<string, number>()
  readonly #maxEntries: number
  readonly #now: () => number

  constructor (options: MemoryStoreOptions = {}) {
    const { maxEntries = 100_000, now = Date.now } = options
    if (!Number.isSafeInteger(maxEntries) || maxEntries < 1) throw new TypeError('"maxEntries" must be a positive integer')
    this.#maxEntries = maxEntries
    this.#now = now
  }

  /** Keys held: running claims and done keys. */
  get size (): number {
    return this.#running.size + this.#done.size
  }

  async claim (key: string, leaseMs: number): Promise<ClaimResult> {
    const now = this.#now()
    const running = this.#running.get(key)
    if (running !== undefined && running.expiresAt > now) return { state: 'running', retryAfterMs: running.expiresAt - now }
    const doneUntil = this.#done.get(key)
    if (doneUntil !== undefined && doneUntil > now) return { state: 'done' }
    this.#dropExpiredDone(now)
    if (this.#done.size >= this.#maxEntries) {
      const oldest = this.#done.values().next().value as number
      throw new StoreFullError(this.#done.size, oldest - now)
    }
    if (this.#running.size >= this.#maxEntries) this.#dropExpiredClaims(now)
    const token = randomUUID()
    this.#running.set(key, { token, expiresAt: now + leaseMs })
    return { state: 'claimed', token }
  }

  async complete (key: string, token: string, ttlMs: number): Promise<void> {
    const now = this.#now()
    const running = this.#running.get(key)
    // Our lease expired and another delivery holds the key now: it will complete it.
    if (running !== undefined && running.token !== token && running.expiresAt > now) return
    this.#running.delete(key)
    // Done by now: kept even past maxEntries (claims already taken may complete), and refused to new claims meanwhile.
    this.#done.delete(key)
    this.#done.set(key, now + ttlMs)
  }

  async release (key: string, token: string): Promise<void> {
    if (this.#running.get(key)?.token === token) this.#running.delete(key)
  }

  /** Done keys whose TTL ended, from the oldest on (a later TTL ahead of an earlier one only delays this). */
  #dropExpiredDone (now: number): void {
    for (const [key, doneUntil] of this.#done) {
      if (doneUntil > now) return
      this.#done.delete(key)
    }
  }

  /** Claims whose holder never completed or released them (a handler that never ended) expire here. */
  #dropExpiredClaims (now: number): void {
    for (const [key, claim] of this.#running) if (claim.expiresAt <= now) this.#running.delete(key)
  }
}

/** The default store: one process, bounded, expiring. */
export function memoryStore (options?: MemoryStoreOptions): MemoryIdempotencyStore {
  return new MemoryIdempotencyStore(options)
}
