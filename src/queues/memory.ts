import { backoffDelay, resolveRetry, type ConsumeOptions, type Consumer, type DeadLetter, type JobRunner, type QueuedEvent, type QueueEngine, type ResolvedRetry, type RetryOptions } from '../core/queue.js'

export interface MemoryQueueOptions extends RetryOptions {
  /** @default 'webhooks' */
  name?: string
  /** Finished jobs remembered for de-duplication; the oldest go first. @default 10000 */
  maxFinished?: number
}

interface MemoryJob {
  readonly id: string
  readonly data: QueuedEvent
  state: 'waiting' | 'active' | 'completed' | 'dead'
  attemptsMade: number
  runAt: number
  firstAttemptAt: number | undefined
  lastAttemptAt: number | undefined
  lastError: string
}

interface Worker {
  readonly run: JobRunner
  readonly concurrency: number
  readonly running: Set<Promise<void>>
  closed: boolean
}

/**
 * A queue in this process's memory, for development and tests: retries, backoff and dead letters
 * behave as on a durable engine, but every job is lost when the process ends. Not durable.
 */
export class MemoryQueue implements QueueEngine {
  readonly engine = 'memory'
  readonly durable = false
  readonly name: string
  readonly #retry: ResolvedRetry
  readonly #maxFinished: number
  readonly #jobs = new Map<string, MemoryJob>()
  /** The jobs in state `waiting`, in the order they became so. */
  readonly #waiting = new Set<MemoryJob>()
  /** Completed and dead jobs in the order they finished: the oldest is forgotten first. */
  readonly #finished = new Set<string>()
  readonly #workers = new Set<Worker>()
  #timer: NodeJS.Timeout | undefined

  constructor (options: MemoryQueueOptions = {}) {
    const { name = 'webhooks', maxFinished = 10_000, ...retry } = options
    this.name = name
    this.#retry = resolveRetry(retry, 'memoryQueue()')
    if (!Number.isSafeInteger(maxFinished) || maxFinished < 1) throw new TypeError('memoryQueue(): "maxFinished" must be a positive integer')
    this.#maxFinished = maxFinished
  }

  async enqueue (record: QueuedEvent): Promise<'queued' | 'duplicate'> {
    if (this.#jobs.has(record.key)) return 'duplicate'
    const job: MemoryJob = { id: record.key, data: record, state: 'waiting', attemptsMade: 0, runAt: 0, firstAttemptAt: undefined, lastAttemptAt: undefined, lastError: '' }
    this.#jobs.set(record.key, job)
    this.#wait(job, 0)
    this.#pump()
    return 'queued'
  }

  consume (run: JobRunner, { concurrency }: ConsumeOptions): Consumer {
    const worker: Worker = { run, concurrency, running: new Set(), closed: false }
    this.#workers.add(worker)
    this.#pump()
    return {
      close: async () => {
        worker.closed = true
        this.#workers.delete(worker)
        await Promise.allSettled(worker.running)
      }
    }
  }

  /** Hands due jobs to workers with room, and wakes itself for the next delayed one. */
  #pump (): void {
    clearTimeout(this.#timer)
    this.#timer = undefined
    const now = Date.now()
    let next = Infinity
    for (const job of this.#waiting) {
      if (job.runAt > now) {
        next = Math.min(next, job.runAt)
        continue
      }
      let worker: Worker | undefined
      for (const w of this.#workers) if (!w.closed && w.running.size < w.concurrency) { worker = w; break }
      if (worker === undefined) return
      this.#start(worker, job)
    }
    if (next !== Infinity && this.#workers.size > 0) {
      this.#timer = setTimeout(() => { this.#pump() }, next - now)
      this.#timer.unref()
    }
  }

  #wait (job: MemoryJob, delayMs: number): void {
    job.state = 'waiting'
    job.runAt = delayMs === 0 ? 0 : Date.now() + delayMs
    this.#waiting.add(job)
  }

  #start (worker: Worker, job: MemoryJob): void {
    this.#waiting.delete(job)
    job.state = 'active'
    job.attemptsMade++
    job.lastAttemptAt = Date.now()
    job.firstAttemptAt ??= job.lastAttemptAt
    const running = worker.run({ id: job.id, data: job.data, attempt: job.attemptsMade, maxAttempts: this.#retry.attempts }).then((result) => {
      if (result.kind === 'completed') this.#finish(job, 'completed')
      else if (result.kind === 'handed-back') {
        job.attemptsMade--
        this.#wait(job, result.delayMs ?? 0)
      } else {
        job.lastError = result.error.message
        if (result.kind === 'dead' || job.attemptsMade >= this.#retry.attempts) this.#finish(job, 'dead')
        else this.#wait(job, backoffDelay(this.#retry, job.attemptsMade))
      }
    }).finally(() => {
      worker.running.delete(running)
      this.#pump()
    })
    worker.running.add(running)
  }

  #finish (job: MemoryJob, state: 'completed' | 'dead'): void {
    job.state = state
    this.#finished.delete(job.id)
    this.#finished.add(job.id)
    if (this.#finished.size > this.#maxFinished) {
      const oldest = this.#finished.values().next().value as string
      this.#finished.delete(oldest)
      this.#jobs.delete(oldest)
    }
  }

  #dead (id: string | undefined): MemoryJob[] {
    return [...this.#jobs.values()].filter((job) => job.state === 'dead' && (id === undefined || job.id === id))
  }

  async deadLetters (limit = 100): Promise<DeadLetter[]> {
    return this.#dead(undefined).slice(0, limit).map((job) => ({
      id: job.id,
      eventId: job.data.event.id,
      type: job.data.event.type,
      endpoint: job.data.endpoint,
      attempts: job.attemptsMade,
      lastError: job.lastError,
      firstAttemptAt: job.firstAttemptAt,
      lastAttemptAt: job.lastAttemptAt
    }))
  }

  async replay (id?: string): Promise<number> {
    const jobs = this.#dead(id)
    for (const job of jobs) {
      this.#finished.delete(job.id)
      job.attemptsMade = 0
      this.#wait(job, 0)
    }
    this.#pump()
    return jobs.length
  }

  async purge (id?: string): Promise<number> {
    const jobs = this.#dead(id)
    for (const job of jobs) {
      this.#finished.delete(job.id)
      this.#jobs.delete(job.id)
    }
    return jobs.length
  }

  async close (): Promise<void> {
    clearTimeout(this.#timer)
    await Promise.allSettled([...this.#workers].map(async (worker) => {
      worker.closed = true
      await Promise.allSettled(worker.running)
    }))
    this.#workers.clear()
  }
}

/** A queue in memory: for development and tests only, since its jobs die with the process. */
export function memoryQueue (options?: MemoryQueueOptions): MemoryQueue {
  return new MemoryQueue(options)
}
