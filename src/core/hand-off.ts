import { randomUUID } from 'node:crypto'
import { HookgateError } from './errors.js'
import { readHeader } from './headers.js'
import { hookFailed } from './log.js'
import { beforeDeadline } from './deadlines.js'
import { readQueuedEvent, type ConsumedJob, type JobContext, type JobRecord, type QueuedEvent, type ResolvedQueue, type RunResult } from './queue.js'
import type { HandlerRun, Route } from './run.js'
import { storedForm } from './stored-event.js'
import type { HeaderSource, Logger, WebhookEvent } from './types.js'

/**
 * The hand-off of queue mode, between the door (verify → parse → envelope → validate → route) and
 * the run: store each routed event as a job; and, on a worker, take a stored job to its run.
 */

/** What the hand-off needs of a receiver in queue mode. */
export interface QueuedEndpoint<E extends WebhookEvent, C> {
  readonly queue: ResolvedQueue
  readonly endpoint: string
  readonly provider: string
  readonly now: () => number
  readonly run: HandlerRun<E, C>
  key (event: E): string
  route (event: E): Route<E, C> | undefined
  /** Reports a handler's success (`onEvent`). */
  succeeded (event: E, context: JobContext, log: Logger): void
}

/**
 * Stores each routed event as a job keyed by its idempotency key; the sender gets 202 only once
 * every one is stored. A job that exists already (queued, running, done or dead) is a duplicate; an
 * engine that fails or is too slow is a refusal (503).
 */
export async function enqueueEvents<E extends WebhookEvent, C> (endpoint: QueuedEndpoint<E, C>, events: readonly E[], routes: ReadonlyArray<Route<E, C> | undefined>, headers: HeaderSource, log: Logger): Promise<{ queued: number, duplicates: number } | HookgateError> {
  const { queue } = endpoint
  const delivery = randomUUID()
  const receivedAt = endpoint.now()
  const stored: Record<string, string> = {}
  for (const name of queue.headers) {
    const value = readHeader(headers, name)
    if (value !== undefined) stored[name] = value
  }
  let queued = 0
  let duplicates = 0
  // The same event twice in one delivery is stored once: engines could not tell its two copies apart.
  const keys = events.length > 1 ? new Set<string>() : undefined
  for (let i = 0; i < events.length; i++) {
    const event = events[i] as E
    if (routes[i] === undefined) {
      log.info({ eventId: event.id, type: event.type, endpoint: endpoint.endpoint, provider: endpoint.provider }, 'webhook acknowledged: no handler for its type')
      continue
    }
    const key = endpoint.key(event)
    let result: 'queued' | 'duplicate' = 'duplicate'
    if (keys?.has(key) !== true) {
      keys?.add(key)
      const form = storedForm(withStoredHeaders(event, headers, stored))
      const record: QueuedEvent<E> = { v: form.shared === undefined ? 1 : 2, key, delivery, endpoint: endpoint.endpoint, provider: endpoint.provider, receivedAt, headers: stored, ...form }
      try {
        result = await beforeDeadline(queue.enqueueDeadlines, queue.engine.enqueue(record), () => new Error(`enqueue on ${queue.engine.engine} took more than ${queue.enqueueTimeout} ms`))
      } catch (err) {
        return new HookgateError('HOOKGATE_QUEUE_UNAVAILABLE', { eventId: event.id, reason: `${queue.engine.engine} queue "${queue.engine.name}" did not store the event`, cause: err, headers: { 'retry-after': '5' } })
      }
    }
    if (result === 'duplicate') {
      duplicates++
      log.info({ eventId: event.id, type: event.type, endpoint: endpoint.endpoint, provider: endpoint.provider }, 'webhook duplicate: already queued')
    } else {
      queued++
    }
    notifyJob(queue, { step: result, jobId: key, event }, log)
  }
  return { queued, duplicates }
}

/**
 * The event as it is stored: a field that is the request's own headers (a CloudEvent's `headers`,
 * credentials included) holds only the stored ones, the endpoint's allow-list. Found by identity,
 * not by name: an event's own field called `headers` (an e-mail's, say) is kept as it is.
 */
function withStoredHeaders<E extends WebhookEvent> (event: E, request: HeaderSource, stored: Readonly<Record<string, string>>): E {
  const fields = event as unknown as Readonly<Record<string, unknown>>
  let copy: Record<string, unknown> | undefined
  for (const name of Object.keys(fields)) {
    if (fields[name] !== request) continue
    copy ??= { ...fields }
    copy[name] = stored
  }
  return copy === undefined ? event : copy as unknown as E
}

/**
 * The run of queue mode: reads the stored job, claims its event, runs its handler with an
 * `AbortSignal` (aborted at the handler timeout and when `shutdown` aborts), and settles the claim.
 * Never throws: the result tells the engine to complete, retry, dead-letter or hand the job back.
 */
export async function runJob<E extends WebhookEvent, C> (endpoint: QueuedEndpoint<E, C>, job: ConsumedJob, shutdown: AbortSignal, log: Logger): Promise<RunResult> {
  const { queue, run } = endpoint
  const record = readQueuedEvent(job.data)
  if (typeof record === 'string') return jobEnded(queue, job, undefined, { kind: 'dead', error: new Error(`unreadable job: ${record}`) }, 0, log)
  const event = record.event as E
  const route = endpoint.route(event)
  if (route === undefined) return jobEnded(queue, job, event, { kind: 'dead', error: new Error(`no handler for type "${event.type}" on this worker`) }, 0, log)
  if (shutdown.aborted) return { kind: 'handed-back' }
  const claim = run.claims ? await run.claim(record.key, event, log) : undefined
  if (claim instanceof HookgateError) return jobEnded(queue, job, event, { kind: 'retry', error: claim }, 0, log)
  if (claim?.state === 'done') return jobEnded(queue, job, event, { kind: 'completed', duplicate: true }, 0, log)
  // A run that still holds the claim (a worker that lost its lock, or died within its lease): try again once the lease ends.
  if (claim?.state === 'running') return jobEnded(queue, job, event, { kind: 'handed-back', delayMs: claim.retryAfterMs }, 0, log)
  const held = claim === undefined ? undefined : { key: record.key, token: claim.token }
  const controller = new AbortController()
  const onShutdown = (): void => { controller.abort(shutdown.reason) }
  shutdown.addEventListener('abort', onShutdown)
  const context: JobContext = {
    signal: controller.signal,
    attempt: job.attempt,
    maxAttempts: job.maxAttempts,
    jobId: job.id,
    endpoint: record.endpoint,
    provider: record.provider,
    receivedAt: record.receivedAt,
    headers: record.headers,
    log
  }
  notifyJob(queue, { step: 'started', jobId: job.id, event, attempt: job.attempt }, log)
  const started = performance.now()
  try {
    let failure = run.run(route, event, context as C, held, log)
    if (failure instanceof Promise) failure = await failure
    const ms = performance.now() - started
    if (held !== undefined) await run.record(held, failure, event, log)
    if (failure === undefined) {
      endpoint.succeeded(event, context, log)
      return jobEnded(queue, job, event, { kind: 'completed', duplicate: false }, ms, log)
    }
    if (failure.code === 'HOOKGATE_HANDLER_TIMEOUT') controller.abort(failure)
    if (shutdown.aborted) return jobEnded(queue, job, event, { kind: 'handed-back' }, ms, log)
    return jobEnded(queue, job, event, { kind: 'retry', error: runFailure(failure) }, ms, log)
  } finally {
    shutdown.removeEventListener('abort', onShutdown)
  }
}

/** Reports a run's end to `onJob` and the log; a retry with no attempt left is reported as dead-lettered. */
function jobEnded<E extends WebhookEvent> (queue: ResolvedQueue, job: ConsumedJob, event: E | undefined, result: RunResult, durationMs: number, log: Logger): RunResult {
  const last = result.kind === 'dead' || (result.kind === 'retry' && job.attempt >= job.maxAttempts)
  if (result.kind === 'retry' || result.kind === 'dead') {
    const fields = { jobId: job.id, eventId: event?.id, attempt: job.attempt, err: result.error }
    if (last) log.error(fields, 'queued webhook dead-lettered')
    else log.warn(fields, 'queued webhook failed: retrying')
  }
  const step = result.kind === 'completed' ? 'succeeded' : result.kind === 'handed-back' ? 'handed-back' : last ? 'dead-lettered' : 'retried'
  const error = result.kind === 'retry' || result.kind === 'dead' ? { error: result.error } : {}
  notifyJob(queue, { step, jobId: job.id, event, attempt: job.attempt, durationMs, ...error }, log)
  return result
}

function notifyJob (queue: ResolvedQueue, record: JobRecord, log: Logger): void {
  if (queue.onJob === undefined) return
  try {
    queue.onJob(record)
  } catch (err) {
    hookFailed(err, log)
  }
}

/**
 * A failed run as the engine records it (the dead letter's last error): what failed and the handler's
 * own message, since no sender reads it; the hookgate error stays its cause.
 */
function runFailure (failure: HookgateError): Error {
  const cause: unknown = failure.cause
  const detail = cause instanceof Error ? `: ${cause.message}` : cause === undefined ? '' : `: ${String(cause)}`
  const error = new Error(`${failure.reason ?? failure.message}${detail}`, { cause: failure })
  error.name = failure.code
  return error
}
