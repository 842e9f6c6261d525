import { DeadlineQueue, MAX_TIMER_DELAY } from './deadlines.js'
import { wholeEvent, type SharedFields, type StoredEvent } from './stored-event.js'
import type { Logger, WebhookEvent } from './types.js'

/**
 * What hookgate stores for each verified event in queue mode: enough to run its handler without the
 * HTTP request, and nothing secret. `v` versions the format: a worker reads every version up to its
 * own, and dead-letters (never drops) a job it cannot read. Version 2 added `shared`; a job with
 * nothing shared is still written as version 1, which older workers read.
 */
export interface QueuedEvent<E extends WebhookEvent = WebhookEvent> {
  readonly v: 1 | 2
  /** The event's idempotency key (`<namespace>:<id>`, with the source for CloudEvents): the job's id. */
  readonly key: string
  /** A random id of the HTTP delivery that stored the job (tells a new job from a duplicate). */
  readonly delivery: string
  /** The endpoint's name (the route path on Fastify). */
  readonly endpoint: string
  /** The provider preset's name, e.g. `backchannel`. */
  readonly provider: string
  /** When the delivery was received, in milliseconds since the epoch. */
  readonly receivedAt: number
  /** The delivery headers on the endpoint's allow-list, lower-case. */
  readonly headers: Readonly<Record<string, string>>
  /** The verified, validated event, as handlers receive it but for the fields `shared` names. */
  readonly event: StoredEvent<E>
  /** (v: 2) The event's fields stored once, each with the path to where its value is in the stored event. */
  readonly shared?: SharedFields
}

/** The newest stored format this release writes and reads. */
export const QUEUED_EVENT_VERSION = 2

/**
 * Reads a stored job, with its event whole (the fields `shared` names put back), or says why it
 * cannot be read (it is then dead-lettered with that reason).
 */
export function readQueuedEvent (data: unknown): QueuedEvent | string {
  if (data === null || typeof data !== 'object') return 'not a hookgate job: its data is not an object'
  const record = data as Partial<Record<keyof QueuedEvent, unknown>>
  if (typeof record.v !== 'number') return 'not a hookgate job: it has no format version "v"'
  if (record.v > QUEUED_EVENT_VERSION) return `written by a newer hookgate (format v: ${record.v}; this worker reads up to ${QUEUED_EVENT_VERSION})`
  if (record.v !== 1 && record.v !== 2) return `unknown format version v: ${String(record.v)}`
  const stored = record.event as Partial<WebhookEvent> | null | undefined
  if (stored === null || typeof stored !== 'object' || typeof stored.id !== 'string' || typeof stored.type !== 'string') return 'the stored event has no string id and type'
  if (typeof record.key !== 'string' || typeof record.endpoint !== 'string' || typeof record.provider !== 'string' || typeof record.receivedAt !== 'number') {
    return 'the job lacks its key, endpoint, provider or receivedAt'
  }
  if (record.headers === null || typeof record.headers !== 'object') return 'the job lacks its headers'
  if (record.v === 1 || record.shared === undefined) return data as QueuedEvent
  const event = wholeEvent(stored, record.shared)
  if (typeof event === 'string') return `the stored event cannot be rebuilt: ${event}`
  const { shared: _, ...whole } = data as QueuedEvent
  return { ...whole, event: event as StoredEvent }
}

/** What a queued handler gets as its second argument, in place of the HTTP request. */
export interface JobContext {
  /** Aborts when the handler's timeout passes and when the worker shuts down: pass it on to fetch(), database calls, … */
  readonly signal: AbortSignal
  /** This run's number, from 1. */
  readonly attempt: number
  /** Runs allowed before the event is dead-lettered. */
  readonly maxAttempts: number
  readonly jobId: string
  readonly endpoint: string
  readonly provider: string
  /** When the delivery was received, in milliseconds since the epoch. */
  readonly receivedAt: number
  /** The delivery headers on the endpoint's allow-list. */
  readonly headers: Readonly<Record<string, string>>
  readonly log: Logger
}

/** A job as an engine hands it to a worker. */
export interface ConsumedJob {
  /** The engine's id for the job: the event's key, in the spelling the engine allows. */
  readonly id: string
  /** What was stored: a `QueuedEvent` when hookgate wrote it. */
  readonly data: unknown
  /** This run's number, from 1. */
  readonly attempt: number
  /** Runs allowed before the job is dead-lettered. */
  readonly maxAttempts: number
}

/**
 * How a run ended, for the engine to act on: complete the job, schedule a retry (dead-letter once its
 * attempts are used up), dead-letter it at once, or give it back with no attempt counted, to run again
 * after `delayMs` (at shutdown; or while another run still holds the event's claim).
 */
export type RunResult =
  | { readonly kind: 'completed', readonly duplicate: boolean }
  | { readonly kind: 'retry', readonly error: Error }
  | { readonly kind: 'dead', readonly error: Error }
  | { readonly kind: 'handed-back', readonly delayMs?: number }

/** Runs one consumed job to its result; never throws. */
export type JobRunner = (job: ConsumedJob) => Promise<RunResult>

/** A running consumer: `close()` stops taking jobs and resolves once the ones in flight have ended. */
export interface Consumer {
  close (): Promise<void>
}

/** A dead-lettered job, for operators. */
export interface DeadLetter {
  readonly id: string
  readonly eventId: string | undefined
  readonly type: string | undefined
  readonly endpoint: string | undefined
  readonly attempts: number
  readonly lastError: string
  /** Milliseconds since the epoch; `undefined` when the engine did not record it. */
  readonly firstAttemptAt: number | undefined
  readonly lastAttemptAt: number | undefined
}

/**
 * A durable queue engine: one named queue of one endpoint's events. An engine is an adapter file
 * (`hookgate/queues/bullmq`, `hookgate/queues/memory`); docs/custom-queue.md shows how to write one.
 */
export interface QueueEngine {
  /** Names the engine in logs, e.g. `bullmq`. */
  readonly engine: string
  /** The queue's name. */
  readonly name: string
  /** Whether a job survives this process (false only for the memory queue). */
  readonly durable: boolean
  /**
   * Stores the job under the id its `key` gives, unless a job with that id exists (waiting, running,
   * done or dead): resolves `'queued'` once it is durably stored, `'duplicate'` when it was there
   * already. Rejects when the engine cannot be reached (hookgate answers 503 after `enqueueTimeout`
   * anyway), and should fail fast rather than wait for a connection.
   */
  enqueue (record: QueuedEvent): Promise<'queued' | 'duplicate'>
  /** Starts taking jobs, at most `concurrency` at a time. */
  consume (run: JobRunner, options: ConsumeOptions): Consumer
  /** At most `limit` dead-lettered jobs, oldest first (BullMQ: the `limit` most recent ones). */
  deadLetters (limit?: number): Promise<DeadLetter[]>
  /** Puts dead-lettered jobs back to run with fresh attempts: the one with `id`, or all. Resolves how many. */
  replay (id?: string): Promise<number>
  /** Deletes dead-lettered jobs: the one with `id`, or all. Resolves how many. */
  purge (id?: string): Promise<number>
  /** Closes the engine's connections (consumers first). */
  close (): Promise<void>
}

/** How a consumer runs: `startWorker()` gives them. */
export interface ConsumeOptions {
  /** Jobs run at once, at most. */
  readonly concurrency: number
  /**
   * Told of each failure the consumer gets over by itself (a lost connection, a look for jobs that
   * failed, a result it could not record, which the job's lock or lease then retries), for the log:
   * without it, a worker that cannot reach its engine is silent.
   */
  readonly onError?: (err: unknown) => void
}

/** Retries of a failed run: `attempts` runs in all, exponential backoff from `delay`, with jitter. */
export interface RetryOptions {
  /** Runs in all, the first included, before the job is dead-lettered. @default 5 */
  attempts?: number
  /** Backoff before the second run, in ms; doubled for each further one. @default 1000 */
  delay?: number
  /** Share of each delay drawn at random (0: none, 1: anywhere from 0 to the delay). @default 0.5 */
  jitter?: number
}

export interface ResolvedRetry {
  readonly attempts: number
  readonly delay: number
  readonly jitter: number
}

export function resolveRetry (options: RetryOptions = {}, call: string): ResolvedRetry {
  const { attempts = 5, delay = 1000, jitter = 0.5 } = options
  if (!Number.isSafeInteger(attempts) || attempts < 1) throw new TypeError(`${call}: "attempts" must be a positive integer`)
  if (!Number.isSafeInteger(delay) || delay < 0) throw new TypeError(`${call}: "delay" must be a non-negative integer number of milliseconds`)
  if (typeof jitter !== 'number' || !(jitter >= 0 && jitter <= 1)) throw new TypeError(`${call}: "jitter" must be a number from 0 to 1`)
  return { attempts, delay, jitter }
}

/** The delay before run `attempt + 1`: `delay · 2^(attempt-1)`, the `jitter` share of it random. */
export function backoffDelay ({ delay, jitter }: ResolvedRetry, attempt: number, random: () => number = Math.random): number {
  const full = delay * 2 ** (attempt - 1)
  return Math.round(full * (1 - jitter) + full * jitter * random())
}

/** Headers never stored, whatever the allow-list says. */
const NEVER_STORED = new Set(['authorization', 'proxy-authorization', 'cookie', 'set-cookie'])

/** Delivery headers stored by default: none carries a secret. */
export const DEFAULT_STORED_HEADERS: readonly string[] = ['content-type', 'user-agent']

export interface QueueOptions {
  /** The engine, e.g. `bullmqQueue({ url, name })`. */
  engine: QueueEngine
  /**
   * Run workers for this endpoint in this process (the default), at most `concurrency` jobs at a
   * time; `false` only enqueues, for an app whose workers run elsewhere (`hookgate/worker`).
   * @default { concurrency: 4 }
   */
  workers?: { concurrency?: number } | false
  /** Delivery headers stored with each job, for handlers to read; never `Authorization` or cookies. @default ['content-type', 'user-agent'] */
  headers?: readonly string[]
  /** Milliseconds an enqueue may take before the sender gets 503 and retries. @default 2000 */
  enqueueTimeout?: number
  /** Milliseconds `close()` lets running handlers finish before their signal aborts and their jobs are handed back. @default 10000 */
  shutdownGrace?: number
  /** Called for each step of each queued event; for metrics. */
  onJob?: (record: JobRecord) => void
}

/** One step of a queued event's life, for metrics: what happened, and how long the run took. */
export interface JobRecord {
  readonly step: 'queued' | 'duplicate' | 'started' | 'succeeded' | 'retried' | 'dead-lettered' | 'handed-back'
  readonly jobId: string
  readonly event: WebhookEvent | undefined
  readonly attempt?: number
  /** Milliseconds the handler ran (`succeeded`, `retried`, `dead-lettered`). */
  readonly durationMs?: number
  readonly error?: Error
}

export interface ResolvedQueue {
  readonly engine: QueueEngine
  readonly concurrency: number | undefined
  readonly headers: readonly string[]
  readonly enqueueTimeout: number
  /** The clock of enqueues in flight: one timer for all of them. */
  readonly enqueueDeadlines: DeadlineQueue
  readonly shutdownGrace: number
  readonly onJob: ((record: JobRecord) => void) | undefined
}

/** Checks the queue option once, at startup. */
export function resolveQueue (options: QueueOptions | undefined): ResolvedQueue | undefined {
  if (options === undefined) return undefined
  if (options === null || typeof options !== 'object') throw new TypeError('"queue" must be an object: { engine }')
  const { engine, workers = {}, headers = DEFAULT_STORED_HEADERS, enqueueTimeout = 2000, shutdownGrace = 10_000, onJob } = options
  if (engine === null || typeof engine !== 'object' || typeof engine.enqueue !== 'function' || typeof engine.consume !== 'function') {
    throw new TypeError('"queue.engine" must be a queue engine such as bullmqQueue({ url, name }) or memoryQueue()')
  }
  if (workers !== false && (workers === null || typeof workers !== 'object')) throw new TypeError('"queue.workers" must be { concurrency } or false')
  const concurrency = workers === false ? undefined : workers.concurrency ?? 4
  if (concurrency !== undefined && (!Number.isSafeInteger(concurrency) || concurrency < 1)) throw new TypeError('"queue.workers.concurrency" must be a positive integer')
  if (!Array.isArray(headers) || headers.some((h) => typeof h !== 'string' || h === '')) throw new TypeError('"queue.headers" must be a list of header names')
  const lower = headers.map((h: string) => h.toLowerCase())
  const secret = lower.find((h) => NEVER_STORED.has(h))
  if (secret !== undefined) throw new TypeError(`"queue.headers" must not list "${secret}": hookgate never stores credentials with a job`)
  if (!Number.isSafeInteger(enqueueTimeout) || enqueueTimeout < 1 || enqueueTimeout > MAX_TIMER_DELAY) throw new TypeError(`"queue.enqueueTimeout" must be a positive integer number of milliseconds up to ${MAX_TIMER_DELAY}`)
  if (!Number.isSafeInteger(shutdownGrace) || shutdownGrace < 0) throw new TypeError('"queue.shutdownGrace" must be a non-negative integer number of milliseconds')
  if (onJob !== undefined && typeof onJob !== 'function') throw new TypeError('"queue.onJob" must be a function')
  return { engine, concurrency, headers: lower, enqueueTimeout, enqueueDeadlines: new DeadlineQueue(enqueueTimeout), shutdownGrace, onJob }
}

/** Rejects with a timeout error if `promise` has not settled within `ms`. */
export function withTimeout<T> (promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<never>((_resolve, reject) => { timer = setTimeout(() => { reject(new Error(`${what} took more than ${ms} ms`)) }, ms) })
  return Promise.race([promise, timeout]).finally(() => { clearTimeout(timer) })
}
