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
