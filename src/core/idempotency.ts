/** What a store answers when a delivery asks to run an event. */
export type ClaimResult =
  | { readonly state: 'claimed', readonly token: string }
  | { readonly state: 'done' }
  | { readonly state: 'running', readonly retryAfterMs: number }

/**
 * Remembers which events are running and which are done, so each is handled once. `claim` must be
 * atomic: of two concurrent claims for one key exactly one gets `claimed`. The token names the
 * claim, so a holder whose lease expired cannot complete or release a claim that is now another's.
 */
export interface IdempotencyStore {
  /** Claims `key` for `leaseMs` (after which a crashed holder's claim expires). */
  claim (key: string, leaseMs: number): Promise<ClaimResult>
  /** Marks the claimed `key` done, remembered for `ttlMs`. */
  complete (key: string, token: string, ttlMs: number): Promise<void>
  /** Gives a claim up (the handler failed), so the sender's retry runs the handler again. */
  release (key: string, token: string): Promise<void>
  /** Frees what the store owns (a connection it opened). */
  close? (): Promise<void>
}

export interface IdempotencyOptions {
  /** Where claims live; share a Redis store across instances. @default memoryStore() (this process only) */
  store?: IdempotencyStore
  /** Prefix of this endpoint's keys; give endpoints of the same sender distinct ones. @default the provider's name */
  namespace?: string
  /** How long a claim holds before a crashed process's claim expires, in ms. @default handlerTimeout + 10 s (5 min without a timeout) */
  lease?: number
  /** How long a done event is remembered, in ms: at least as long as the sender retries. @default 72 h */
  ttl?: number
  /**
   * When the store cannot be reached: `false` answers 503 so the sender retries later; `true` runs
   * the handler without a claim (at-least-once, duplicates possible). @default false
   */
  failOpen?: boolean
}

/** 72 h: longer than Stripe (3 days) and most senders keep retrying. */
export const DEFAULT_DONE_TTL = 72 * 60 * 60 * 1000
