import { randomUUID } from 'node:crypto'
import type { ClaimResult, IdempotencyStore } from '../core/idempotency.js'

export interface MemoryStoreOptions {
  /** Most keys kept; the least recently used go first. @default 10000 */
  maxEntries?: number
  /** The clock, in ms. @default Date.now */
  now?: () => number
}

interface Entry {
  readonly token: string | undefined
  readonly expiresAt: number
}

/**
 * Claims in this process's memory: bounded (LRU) and expiring. Enough for one instance; several
 * instances need a shared store such as `redisStore()`.
 */
export class MemoryIdempotencyStore implements IdempotencyStore {
  /** Insertion order is recency: a touched key is re-inserted at the end. `token` undefined = done. */
  readonly #entries = new Map<string, Entry>()
  readonly #maxEntries: number
  readonly #now: () => number

  constructor (options: MemoryStoreOptions = {}) {
    const { maxEntries = 10_000, now = Date.now } = options
    if (!Number.isSafeInteger(maxEntries) || maxEntries < 1) throw new TypeError('"maxEntries" must be a positive integer')
    this.#maxEntries = maxEntries
    this.#now = now
  }

  get size (): number {
    return this.#entries.size
  }

  async claim (key: string, leaseMs: number): Promise<ClaimResult> {
    const now = this.#now()
    const entry = this.#entries.get(key)
    if (entry !== undefined && entry.expiresAt > now) {
      this.#set(key, entry)
      return entry.token === undefined ? { state: 'done' } : { state: 'running', retryAfterMs: entry.expiresAt - now }
    }
    const token = randomUUID()
    this.#set(key, { token, expiresAt: now + leaseMs })
    return { state: 'claimed', token }
  }

  async complete (key: string, token: string, ttlMs: number): Promise<void> {
    const entry = this.#entries.get(key)
    // Our lease expired and another delivery holds the key now: it will complete it.
    if (entry !== undefined && entry.token !== token && entry.expiresAt > this.#now()) return
    this.#set(key, { token: undefined, expiresAt: this.#now() + ttlMs })
  }

  async release (key: string, token: string): Promise<void> {
    if (this.#entries.get(key)?.token === token) this.#entries.delete(key)
  }

  #set (key: string, entry: Entry): void {
    this.#entries.delete(key)
    this.#entries.set(key, entry)
    if (this.#entries.size > this.#maxEntries) {
      const oldest = this.#entries.keys().next().value
      if (oldest !== undefined) this.#entries.delete(oldest)
    }
  }
}

/** The default store: one process, bounded, expiring. */
export function memoryStore (options?: MemoryStoreOptions): MemoryIdempotencyStore {
  return new MemoryIdempotencyStore(options)
}
