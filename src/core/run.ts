import { DeadlineQueue } from './deadlines.js'
import { HookgateError } from './errors.js'
import type { ClaimResult, ResolvedIdempotency } from './idempotency.js'
import { StoreFullError } from './memory-store.js'
import type { DataValidator } from './schemas.js'
import type { StandardValidator } from './standard-schema.js'
import { handlerChannel, type ReceiveMessage } from './diagnostics.js'
import type { Handler, Logger, WebhookEvent } from './types.js'

/**
 * The run, the last phase of a delivery (inline) or of a job (queue mode): claim the event, run its
 * handler within the timeout, settle the claim with the result.
 */

/** A declared handler, as the registry holds it. */
export interface Route<E, C> {
  readonly pattern: string
  readonly handler: Handler<E, C>
  readonly validate: DataValidator | undefined
  /** The handler's Standard Schema (Zod, Valibot, …), run after the JSON Schemas; its output becomes `event.data`. */
  readonly standard: StandardValidator | undefined
}

/** The claim a run holds on an event: the key it was claimed under and its token. */
export interface HeldClaim { readonly key: string, readonly token: string }

/** 5 s: how long close() waits for handlers past their timeout to end, well within Fastify's 10 s for close hooks. */
const LATE_HANDLER_GRACE = 5_000

export function isThenable (value: unknown): value is PromiseLike<unknown> {
  return value !== null && (typeof value === 'object' || typeof value === 'function') && typeof (value as { then?: unknown }).then === 'function'
}

/** Runs handlers for one endpoint: its timeout, its claims, and the handlers still running past their timeout. */
export class HandlerRun<E extends WebhookEvent, C> {
  readonly #handlerTimeout: number
  /** One timer for every running handler's timeout; `undefined` when the timeout is Infinity. */
  readonly #deadlines: DeadlineQueue | undefined
  readonly #idempotency: ResolvedIdempotency | undefined
  /** Handlers past their timeout that still run, each until it has ended and its result is recorded. */
  readonly #late = new Set<Promise<void>>()

  /** The endpoint and provider named in diagnostics messages. */
  readonly #where: { readonly endpoint: string, readonly provider: string }

  constructor (handlerTimeout: number, idempotency: ResolvedIdempotency | undefined, where: { readonly endpoint: string, readonly provider: string }) {
    this.#where = where
    this.#handlerTimeout = handlerTimeout
    this.#deadlines = handlerTimeout === Infinity ? undefined : new DeadlineQueue(handlerTimeout)
    this.#idempotency = idempotency
  }

  /** Whether events are claimed (de-duplication is on). */
  get claims (): boolean {
    return this.#idempotency !== undefined
  }

  /** Claims the event (de-duplication is on); `undefined` when the store failed and the endpoint fails open. */
  async claim (key: string, event: E, log: Logger): Promise<ClaimResult | HookgateError | undefined> {
    const idempotency = this.#idempotency as ResolvedIdempotency
    try {
      return await idempotency.store.claim(key, idempotency.lease)
    } catch (err) {
      if (!idempotency.failOpen) return new HookgateError('HOOKGATE_STORE_UNAVAILABLE', { eventId: event.id, reason: err instanceof StoreFullError ? err.message : 'claim failed', cause: err, headers: { 'retry-after': retryAfter(err) } })
      log.warn({ eventId: event.id, err }, 'idempotency store unavailable: running the handler without a claim (failOpen)')
      return undefined
    }
  }

  /**
   * Records the handler's result. A failure here is logged, not answered: after success the work is
   * done (a 5xx would only make the sender repeat it), after failure the lease expires on its own.
   */
  async #settle (action: 'complete' | 'release', { key, token }: HeldClaim, event: E, log: Logger): Promise<void> {
    const idempotency = this.#idempotency as ResolvedIdempotency
    try {
      if (action === 'complete') await idempotency.store.complete(key, token, idempotency.ttl)
      else await idempotency.store.release(key, token)
    } catch (err) {
      log.error({ eventId: event.id, err }, `idempotency store unavailable: could not ${action} the claim`)
    }
  }

  /**
   * Records a run's result in its claim: done after success, released after a failure so a retry runs
   * it again. A handler past its timeout still runs and keeps its claim: it is settled when it ends.
   */
  async record (held: HeldClaim, failure: HookgateError | undefined, event: E, log: Logger): Promise<void> {
    if (failure === undefined) await this.#settle('complete', held, event, log)
    else if (failure.code !== 'HOOKGATE_HANDLER_TIMEOUT') await this.#settle('release', held, event, log)
  }

  /**
   * Runs one handler within the timeout; a throw, a rejection or the timeout becomes the failure to
   * report. A handler past its timeout keeps running and keeps its claim (`held`), so a retry meanwhile
   * gets 409 rather than a second run; when it ends, the claim is completed or released as usual.
   */
  run (route: Route<E, C>, event: E, context: C, held: HeldClaim | undefined, log: Logger, delivery?: ReceiveMessage, keep?: (value: unknown) => void): HookgateError | undefined | Promise<HookgateError | undefined> {
    let result: unknown
    try {
      result = handlerChannel.hasSubscribers
        ? handlerChannel.tracePromise(async () => await route.handler(event, context), { ...this.#where, pattern: route.pattern, event, delivery })
        : route.handler(event, context)
    } catch (err) {
      return handlerFailed(route, event, err)
    }
    if (!isThenable(result)) {
      keep?.(result)
      return undefined
    }
    const deadlines = this.#deadlines
    if (deadlines === undefined) return Promise.resolve(result).then((value) => { keep?.(value); return undefined }, (err: unknown) => handlerFailed(route, event, err))
    // One promise per handler and no timer of its own: Promise.race and a setTimeout per request cost more.
    return new Promise((resolve) => {
      const entry = deadlines.add(() => {
        // The handler cannot be cancelled; it keeps running, but the sender is told to retry.
        resolve(new HookgateError('HOOKGATE_HANDLER_TIMEOUT', { eventId: event.id, reason: `handler for "${route.pattern}" took more than ${this.#handlerTimeout} ms` }))
        this.#recordWhenEnded(route, event, result, held, log)
      })
      result.then(
        (value) => {
          if (!deadlines.settle(entry)) return
          keep?.(value)
          resolve(undefined)
        },
        (err: unknown) => { if (deadlines.settle(entry)) resolve(handlerFailed(route, event, err)) }
      )
    })
  }

  /**
   * A handler that was answered for with a timeout still runs: when it ends, its claim is completed
   * or released as if it had been in time, and `close()` waits for that (for a short grace).
   */
  #recordWhenEnded (route: Route<E, C>, event: E, result: PromiseLike<unknown>, held: HeldClaim | undefined, log: Logger): void {
    const settle = async (action: 'complete' | 'release'): Promise<void> => { if (held !== undefined) await this.#settle(action, held, event, log) }
    const recorded = Promise.resolve(result).then(
      async () => {
        log.warn({ eventId: event.id }, `handler for "${route.pattern}" succeeded after its timeout`)
        await settle('complete')
      },
      async (err: unknown) => {
        log.error({ eventId: event.id, err }, `handler for "${route.pattern}" failed after its timeout`)
        await settle('release')
      }
    )
    if (held === undefined) return // nothing to record: close() need not wait for it
    const forget = (): void => { this.#late.delete(recorded) }
    this.#late.add(recorded)
    recorded.then(forget, forget)
  }

  /**
   * Resolves once handlers past their timeout have ended and recorded their result (for a short
   * grace), then closes the idempotency store if hookgate created it.
   */
  async close (): Promise<void> {
    if (this.#late.size > 0) await this.#lateRecorded()
    if (this.#idempotency?.owned === true) await this.#idempotency.store.close?.()
  }

  /**
   * Waits for handlers past their timeout to end and record their result, for a short grace: one
   * that has not ended by then loses its claim when the lease ends, and must not hold a shutdown up.
   */
  async #lateRecorded (): Promise<void> {
    let timer: NodeJS.Timeout | undefined
    const graceOver = new Promise<void>((resolve) => { timer = setTimeout(resolve, Math.min(LATE_HANDLER_GRACE, this.#idempotency?.lease ?? 0)) })
    await Promise.race([Promise.allSettled(this.#late), graceOver])
    clearTimeout(timer)
  }
}

/** A handler's throw or rejection, as the failure to report. */
export function handlerFailed (route: { readonly pattern: string }, event: WebhookEvent, err: unknown): HookgateError {
  return new HookgateError('HOOKGATE_HANDLER_FAILED', { eventId: event.id, reason: `handler for "${route.pattern}" threw`, cause: err })
}

/** Seconds until a claim may succeed: when the memory store's oldest key expires (at most an hour), else 5. */
function retryAfter (err: unknown): string {
  return err instanceof StoreFullError ? String(Math.min(3600, Math.max(1, Math.ceil(err.retryAfterMs / 1000)))) : '5'
}
