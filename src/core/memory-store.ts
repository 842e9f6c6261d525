import { randomUUID } from 'node:crypto'
import type { ClaimResult, IdempotencyStore } from './idempotency-store.js'

export interface MemoryStoreOptions {
  /**
   * Most done keys kept; the least recently used go first. Running claims are not counted: they are
   * never evicted before their lease ends, or a duplicate could run beside the first. @default 10000
   */
  maxEntries?: number
  /** The clock, in ms. @default Date.now */
  now?: () => number
}

interface Claim {
  readonly token: string
  readonly expiresAt: number
}

/**
 * Claims in this process's memory: bounded (LRU) and expiring. Enough for one instance; several
 * instances need a shared store such as `redisStore()`.
 */
export class MemoryIdempotencyStore implements IdempotencyStore {
  /** Claims of handlers still running, until completed, released or their lease ends. */
  readonly #running = new Map<string, Claim>()
  /** Done keys and when they expire. Insertion order is recency: a touched key is re-inserted at the end. */
  readonly #done = new Map<string, number>()
  readonly #maxEntries: number
  readonly #now: () => number

  constructor (options: MemoryStoreOptions = {}) {
    const { maxEntries = 10_000, now = Date.now } = options
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
    if (doneUntil !== undefined && doneUntil > now) {
      this.#remember(key, doneUntil)
      return { state: 'done' }
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
    this.#remember(key, now + ttlMs)
  }

  async release (key: string, token: string): Promise<void> {
    if (this.#running.get(key)?.token === token) this.#running.delete(key)
  }

  #remember (key: string, doneUntil: number): void {
    this.#done.delete(key)
    this.#done.set(key, doneUntil)
    if (this.#done.size > this.#maxEntries) {
      const oldest = this.#done.keys().next().value
      if (oldest !== undefined) this.#done.delete(oldest)
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
