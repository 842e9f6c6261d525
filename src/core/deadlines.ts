import { performance } from 'node:perf_hooks'

/** The longest delay a Node timer holds (2^31-1 ms, about 24 days): a longer one fires after 1 ms. Every timeout option is checked against it. */
export const MAX_TIMER_DELAY = 2 ** 31 - 1

/** One entry of the queue; pass it to `settle()` once its work has finished. */
export interface Pending {
  readonly deadline: number
  readonly expire: () => void
  prev: Pending | undefined
  next: Pending | undefined
}

/**
 * Runs `onTimeout` for entries not settled within one fixed timeout, with a single timer instead of
 * one per entry. Every entry gets the same timeout, so deadlines arrive in insertion order: the head
 * of the list is always the next to expire, a settled entry unlinks itself in O(1), and memory is
 * bounded by what is in flight.
 */
export class DeadlineQueue {
  readonly #ms: number
  #head: Pending | undefined
  #tail: Pending | undefined
  #timer: NodeJS.Timeout | undefined

  constructor (ms: number) {
    this.#ms = ms
  }

  /** Starts the clock for one entry; give it to `settle()` once its work has finished. */
  add (onTimeout: () => void): Pending {
    const entry: Pending = { deadline: performance.now() + this.#ms, expire: onTimeout, prev: this.#tail, next: undefined }
    if (this.#tail === undefined) this.#head = entry
    else this.#tail.next = entry
    this.#tail = entry
    if (this.#timer === undefined) this.#timer = this.#arm(this.#ms)
    else if (entry.prev === undefined) this.#timer.ref()
    return entry
  }

  /** Stops the clock for an entry: `true` if it was running, `false` (and nothing done) if it had expired or settled already. */
  settle (entry: Pending): boolean {
    if (entry.prev === undefined && this.#head !== entry) return false
    if (entry.prev === undefined) this.#head = entry.next
    else entry.prev.next = entry.next
    if (entry.next === undefined) this.#tail = entry.prev
    else entry.next.prev = entry.prev
    entry.prev = entry.next = undefined
    // An empty queue keeps its timer, unreferenced so that it holds no process open: arming and
    // clearing a timer per entry costs more than letting it fire once for nothing.
    if (this.#head === undefined) this.#timer?.unref()
    return true
  }

  // `ms` is at most a checked timeout option, so within MAX_TIMER_DELAY.
  #arm (ms: number): NodeJS.Timeout {
    return setTimeout(() => { this.#expire() }, Math.max(1, Math.ceil(ms)))
  }

  #expire (): void {
    this.#timer = undefined
    const now = performance.now()
    while (this.#head !== undefined && this.#head.deadline <= now) {
      const entry = this.#head
      this.settle(entry)
      entry.expire()
    }
    if (this.#head !== undefined) this.#timer = this.#arm(this.#head.deadline - now)
  }
}

/** `promise`, unless the queue's timeout passes first: then a rejection with `timedOut()`, and whatever `promise` does later is ignored. */
export async function beforeDeadline<T> (deadlines: DeadlineQueue, promise: Promise<T> | T, timedOut: () => Error): Promise<T> {
  return await new Promise<T>((resolve, reject) => {
    const entry = deadlines.add(() => { reject(timedOut()) })
    Promise.resolve(promise).then((value) => { if (deadlines.settle(entry)) resolve(value) }, (err: unknown) => { if (deadlines.settle(entry)) reject(err) })
  })
}
