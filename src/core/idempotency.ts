import type { WebhookEvent } from './types.js'
import type { IdempotencyStore } from './idempotency-store.js'
import { MemoryIdempotencyStore } from './memory-store.js'

export type { ClaimResult, IdempotencyStore } from './idempotency-store.js'

export interface IdempotencyOptions {
  /** Where claims live; share a Redis store across instances. @default memoryStore() (this process only) */
  store?: IdempotencyStore
  /** Prefix of this endpoint's keys, without ":"; give endpoints of the same sender distinct ones. @default the provider's name */
  namespace?: string
  /**
   * How long a claim holds before a crashed process's claim expires, in ms; longer than `handlerTimeout`.
   * Without a timeout (`Infinity`), longer than your slowest handler. @default handlerTimeout + 10 s (5 min without a timeout)
   */
  lease?: number
  /** How long a done event is remembered, in ms: at least as long as the sender retries. @default 72 h */
  ttl?: number
  /**
   * When the store cannot be reached: `false` answers 503 so the sender retries later; `true` runs
   * the handler without a claim (at-least-once, duplicates possible). @default false
   */
  failOpen?: boolean
}

/**
 * An endpoint's idempotency options over the plugin's: an object refines the plugin's object field by
 * field (a namespace of its own keeps the plugin's shared store), `false` turns de-duplication off.
 */
export function refineIdempotency (defaults: IdempotencyOptions | false | undefined, endpoint: IdempotencyOptions | false | undefined): IdempotencyOptions | false | undefined {
  if (endpoint === undefined) return defaults
  if (typeof defaults !== 'object' || typeof endpoint !== 'object' || endpoint === null) return endpoint
  return { ...defaults, ...endpoint }
}

/** 72 h: longer than Stripe (3 days) and most senders keep retrying. */
export const DEFAULT_DONE_TTL = 72 * 60 * 60 * 1000

/** Idempotency options after `resolveIdempotency()`: defaults applied, the key function built. */
export interface ResolvedIdempotency {
  readonly store: IdempotencyStore
  readonly owned: boolean
  readonly key: (event: WebhookEvent) => string
  readonly lease: number
  readonly ttl: number
  readonly failOpen: boolean
}

function positiveMs (value: number | undefined, fallback: number, option: string): number {
  const ms = value ?? fallback
  if (!Number.isSafeInteger(ms) || ms < 1) throw new TypeError(`"${option}" must be a positive integer number of milliseconds`)
  return ms
}

/** Checks the options once, at startup, and fills in the defaults. */
export function resolveIdempotency (options: IdempotencyOptions | false | undefined, providerName: string, handlerTimeout: number, now: () => number): ResolvedIdempotency | undefined {
  if (options === false) return undefined
  if (options !== undefined && (options === null || typeof options !== 'object')) throw new TypeError('"idempotency" must be an object or false')
  const { store, namespace = providerName, failOpen = false } = options ?? {}
  if (store !== undefined && (typeof store?.claim !== 'function' || typeof store.complete !== 'function' || typeof store.release !== 'function')) {
    throw new TypeError('"idempotency.store" must implement claim, complete and release')
  }
  if (typeof namespace !== 'string' || namespace === '') throw new TypeError('"idempotency.namespace" must be a non-empty string')
  // The first ':' of a key ends its namespace: with one inside, "shop" + "eu:1" and "shop:eu" + "1" would share a key.
  if (namespace.includes(':')) throw new TypeError(`"idempotency.namespace" must not contain ":" (it ends the namespace in each key); got ${JSON.stringify(namespace)}`)
  // The lease must outlive a handler that is still running, or a retry would run it a second time.
  const lease = positiveMs(options?.lease, handlerTimeout === Infinity ? 5 * 60_000 : handlerTimeout + 10_000, 'idempotency.lease')
  if (handlerTimeout !== Infinity && lease <= handlerTimeout) {
    throw new TypeError(`"idempotency.lease" (${lease} ms) must be longer than "handlerTimeout" (${handlerTimeout} ms): a handler still running would lose its claim, and a retry would run it a second time`)
  }
  const ttl = positiveMs(options?.ttl, DEFAULT_DONE_TTL, 'idempotency.ttl')
  const key = eventKey(namespace)
  return { store: store ?? new MemoryIdempotencyStore({ now }), owned: store === undefined, key, lease, ttl, failOpen: failOpen === true }
}

/**
 * The key of an event under `namespace`: CloudEvents 1.0 make source + id unique, plain events have
 * only an id. The source's length comes first: a separator alone could be spelled inside a
 * (percent-decoded) source or id, and two different events would then share a key.
 */
export function eventKey (namespace: string): (event: WebhookEvent) => string {
  return (event) => event.source === undefined ? `${namespace}:${event.id}` : `${namespace}:${event.source.length}:${event.source}:${event.id}`
}
