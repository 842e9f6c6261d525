import { DelayedError, Job, Queue, UnrecoverableError, Worker, type ConnectionOptions, type JobsOptions } from 'bullmq'
import { resolveRetry, type ConsumeOptions, type Consumer, type DeadLetter, type JobRunner, type QueuedEvent, type QueueEngine, type RetryOptions } from '../core/queue.js'

export interface BullmqQueueOptions extends RetryOptions {
  /** The queue's name; one per endpoint. */
  name: string
  /** A redis:// or rediss:// URL… */
  url?: string
  /**
   * …or BullMQ's connection: ioredis options, or an ioredis client, used as it is (the app closes it;
   * without `enableOfflineQueue: false`, an enqueue while Redis is away waits up to `enqueueTimeout`).
   */
  connection?: ConnectionOptions
  /** Prefix of BullMQ's keys. @default 'bull' */
  prefix?: string
  /**
   * Milliseconds a worker's lock on a running job lasts (renewed while it runs): a worker that dies
   * mid-handler gives its job up at most this long after, plus one stalled check. @default 30000
   */
  lockDuration?: number
  /** Milliseconds between checks for jobs whose worker died. @default 30000 */
  stalledInterval?: number
  /** How long a completed job is kept (and a redelivery of its event answered as a duplicate), in ms. @default 72 h */
  keepCompleted?: number
}

/** BullMQ forbids ':' in custom job ids: the key's ':' are spelled %3A (and '%' as %25), reversibly. */
export function jobIdOf (key: string): string {
  return key.replaceAll('%', '%25').replaceAll(':', '%3A')
}

export function keyOfJobId (id: string): string {
  return id.replaceAll('%3A', ':').replaceAll('%25', '%')
}

function connectionFromUrl (url: string): ConnectionOptions {
  const parsed = new URL(url)
  if (parsed.protocol !== 'redis:' && parsed.protocol !== 'rediss:') throw new TypeError('bullmqQueue(): "url" must be a redis:// or rediss:// URL')
  const db = parsed.pathname.length > 1 ? Number(parsed.pathname.slice(1)) : undefined
  return {
    host: parsed.hostname.replace(/^\[|\]$/g, ''),
    port: parsed.port === '' ? 6379 : Number(parsed.port),
    ...(parsed.username === '' ? {} : { username: decodeURIComponent(parsed.username) }),
    ...(parsed.password === '' ? {} : { password: decodeURIComponent(parsed.password) }),
    ...(db === undefined ? {} : { db }),
    ...(parsed.protocol === 'rediss:' ? { tls: {} } : {})
  }
}

/** An ioredis client (BullMQ takes one, or its options, as a connection), told apart as BullMQ does. */
function isClient (connection: ConnectionOptions): boolean {
  const methods = connection as { connect?: unknown, disconnect?: unknown, duplicate?: unknown }
  return typeof methods.connect === 'function' && typeof methods.disconnect === 'function' && typeof methods.duplicate === 'function'
}

/**
 * For each job key KEYS[i], whether the delivery whose random id is ARGV[i] stored it: 1 if the job's
 * data holds that id, 0 if another delivery stored it, -1 if there is no such job. Run in Redis, once
 * per batch, so that no job's data (the whole event) is sent back to be searched.
 */
const STORED_BY = `local states = {}
for i, key in ipairs(KEYS) do
  local data = redis.call('HGET', key, 'data')
  if not data then states[i] = -1
  elseif string.find(data, ARGV[i], 1, true) then states[i] = 1
  else states[i] = 0 end
end
return states`

/** The connection BullMQ adds jobs with: BullMQ 6 keeps it in the queue's backend, 5 on the queue. */
type RedisClient = Parameters<Job['addJob']>[0]

async function clientOf (queue: Queue): Promise<RedisClient> {
  const holder = queue as unknown as { getBackend?: () => { readonly client: Promise<RedisClient> }, readonly client?: Promise<RedisClient> }
  await queue.waitUntilReady()
  return await (holder.getBackend?.().client ?? holder.client as Promise<RedisClient>)
}

/** What a batch uses of the connection (an ioredis client) beside BullMQ's adds: the check above, and its socket. */
interface BatchClient {
  readonly stream?: { cork (): void, uncork (): void }
  /** No numberOfKeys: each call gives its own (ioredis allows it; its types do not say so). */
  defineCommand (name: string, definition: { lua: string }): void
  /** The number of keys, the keys, then as many delivery ids. */
  hookgateStoredBy (...args: Array<string | number>): Promise<Array<-1 | 0 | 1>>
}

/** Jobs written together at most: one check reads them all in Redis. */
const MAX_BATCH = 256

interface PendingJob {
  readonly record: QueuedEvent
  resolve (outcome: 'queued' | 'duplicate'): void
  reject (err: unknown): void
}

/**
 * BullMQ over Redis: jobs survive restarts, a dead worker's job is picked up again once its lock
 * expires, retries use BullMQ's exponential backoff with jitter, and dead letters are the queue's
 * failed jobs (kept until replayed or purged), so bull-board shows them as they are.
 */
export class BullmqQueue implements QueueEngine {
  readonly engine = 'bullmq'
  readonly durable = true
  readonly name: string
  readonly #connection: ConnectionOptions
  readonly #prefix: string | undefined
  readonly #jobOptions: JobsOptions
  readonly #attempts: number
  readonly #lockDuration: number
  readonly #stalledInterval: number
  readonly #workers = new Set<Worker>()
  #queue: Queue | undefined
  /** The queue's connection, once it has been ready. */
  #client: RedisClient | undefined
  /** The wait for the queue's first connection that enqueues and operations share. */
  #connecting: Promise<RedisClient> | undefined
  /** Enqueues waiting for the end of this turn of the event loop, written to Redis together. */
  #batch: PendingJob[] = []
  /** The batches written and not yet answered (close() waits for them). */
  readonly #writing = new Set<Promise<void>>()
  /** The write of the waiting batch, due at the end of this turn (close() does it at once). */
  #scheduled: { readonly immediate: NodeJS.Immediate, readonly write: () => void } | undefined
  #closed = false

  constructor (options: BullmqQueueOptions) {
    if (options === null || typeof options !== 'object') throw new TypeError('bullmqQueue() needs { name, url } or { name, connection }')
    const { name, url, connection, prefix, lockDuration = 30_000, stalledInterval = 30_000, keepCompleted = 72 * 3600_000, ...retryOptions } = options
    if (typeof name !== 'string' || name === '' || name.includes(':')) throw new TypeError('bullmqQueue(): "name" must be a non-empty string without ":"')
    if ((url === undefined) === (connection === undefined)) throw new TypeError('bullmqQueue(): give exactly one of "url" or "connection"')
    for (const [option, value] of Object.entries({ lockDuration, stalledInterval, keepCompleted })) {
      if (!Number.isSafeInteger(value) || value < 1) throw new TypeError(`bullmqQueue(): "${option}" must be a positive integer number of milliseconds`)
    }
    if (connection !== undefined && isClient(connection) && typeof (connection as { defineCommand?: unknown }).defineCommand !== 'function') {
      throw new TypeError('bullmqQueue(): a client given as "connection" must be an ioredis client (hookgate runs its duplicate check as an ioredis command)')
    }
    const retry = resolveRetry(retryOptions, 'bullmqQueue()')
    this.name = name
    this.#connection = url === undefined ? connection as ConnectionOptions : connectionFromUrl(url)
    this.#prefix = prefix
    this.#attempts = retry.attempts
    this.#lockDuration = lockDuration
    this.#stalledInterval = stalledInterval
    this.#jobOptions = {
      attempts: retry.attempts,
      backoff: { type: 'exponential', delay: retry.delay, jitter: retry.jitter },
      removeOnComplete: { age: Math.ceil(keepCompleted / 1000) },
      removeOnFail: false
    }
  }

  /** The BullMQ queue (for bull-board, or anything BullMQ offers that hookgate does not). */
  get queue (): Queue {
    if (this.#queue === undefined) {
      // Fail fast while Redis is away: the sender is answered 503 instead of the request waiting. A
      // client given as the connection is used as it is, with its own offline queue.
      const connection = isClient(this.#connection) ? this.#connection : { ...this.#connection as object, enableOfflineQueue: false } as ConnectionOptions
      this.#queue = new Queue(this.name, { connection, ...this.#prefixOption() })
      // Before the first connection, its errors fail the calls waiting for it (see #connected), which
      // reach the sender (503) and the log through hookgate; after, each call fails by itself. BullMQ
      // 6 would print every one.
      this.#queue.on('error', () => {})
    }
    return this.#queue
  }

  #prefixOption (): { prefix?: string } {
    return this.#prefix === undefined ? {} : { prefix: this.#prefix }
  }

  /**
   * Stores the event as a job keyed by its idempotency key. The deliveries that reach this point in
   * one turn of the event loop are written to Redis together when the turn ends (see #write): a
   * delivery waits no longer than the turn it arrived in.
   */
  async enqueue (record: QueuedEvent): Promise<'queued' | 'duplicate'> {
    if (this.#closed) throw new Error(`bullmq queue "${this.name}" is closed`)
    const queue = this.queue
    const client = await this.#connected()
    if (this.#closed) throw new Error(`bullmq queue "${this.name}" is closed`)
    return await new Promise((resolve, reject) => {
      if (this.#batch.push({ record, resolve, reject }) === 1) {
        const write = (): void => { this.#write(queue, client) }
        this.#scheduled = { immediate: setImmediate(write), write }
      }
    })
  }

  /**
   * The queue's connection: once it has been ready, kept (ioredis reconnects the same client); until
   * then, waited for, and refused with the first error it reports (refused, wrong password), so that
   * a call fails at once with the cause instead of at its timeout with none.
   */
  async #connected (): Promise<RedisClient> {
    if (this.#client !== undefined) return this.#client
    this.#connecting ??= this.#connect(this.queue).finally(() => { this.#connecting = undefined })
    return await this.#connecting
  }

  async #connect (queue: Queue): Promise<RedisClient> {
    let refuse: (err: unknown) => void = () => {}
    const failed = new Promise<never>((_resolve, reject) => { refuse = reject })
    queue.on('error', refuse)
    try {
      const client = await Promise.race([clientOf(queue), failed])
      if (!('hookgateStoredBy' in client)) (client as unknown as BatchClient).defineCommand('hookgateStoredBy', { lua: STORED_BY })
      this.#client = client
      return client
    } finally {
      queue.off('error', refuse)
    }
  }

  /** Writes the enqueues waiting for this turn, in batches of at most MAX_BATCH jobs. */
  #write (queue: Queue, client: RedisClient): void {
    const waiting = this.#batch
    this.#batch = []
    this.#scheduled = undefined
    // Bounded, so that one check does not hold Redis long, nor its arguments outgrow a call.
    for (let start = 0; start < waiting.length; start += MAX_BATCH) this.#writeBatch(waiting.slice(start, start + MAX_BATCH), queue, client)
  }

  /**
   * Adds the batch's jobs, then checks which of them this batch stored, with the connection's socket
   * corked, so that they leave in one write. Under load a write per command cost the server more CPU
   * than all of hookgate's own work; an ioredis pipeline would also write once, but builds an object
   * with every one of BullMQ's scripts per batch, which cost more than it saved.
   */
  #writeBatch (batch: PendingJob[], queue: Queue, client: RedisClient): void {
    const redis = client as unknown as BatchClient
    const ids = batch.map(({ record }) => jobIdOf(record.key))
    const keys = ids.map((id) => queue.toKey(id))
    let added: Array<Promise<unknown>>
    let checked: Promise<Array<-1 | 0 | 1>>
    redis.stream?.cork()
    try {
      added = batch.map(({ record }, i) => this.#addJob(record, ids[i] as string, queue, client))
      // BullMQ answers an existing id with that id, as for a new job: the stored job's data holds a
      // delivery's random id only if that delivery stored it.
      checked = redis.hookgateStoredBy(batch.length, ...keys, ...batch.map(({ record }) => record.delivery))
    } finally {
      redis.stream?.uncork()
    }
    // Each job's answer awaits the check after its add; when every add fails (BullMQ refuses them,
    // or the connection is gone for good), none gets to it, and its rejection must not go unhandled.
    checked.catch(() => {})
    const answered = batch.map(async (pending, i) => {
      try {
        await added[i]
        let state = (await checked)[i]
        // No job right after its add: the add ran after the check, as ioredis resends a script Redis
        // no longer holds (NOSCRIPT) once the check has been answered. Check it again.
        if (state === -1) state = (await redis.hookgateStoredBy(1, keys[i] as string, pending.record.delivery))[0]
        pending.resolve(state === 1 ? 'queued' : 'duplicate')
      } catch (err) {
        pending.reject(err)
      }
    })
    const written = Promise.all(answered).then(() => {})
    this.#writing.add(written)
    void written.finally(() => { this.#writing.delete(written) })
  }

  /** What Queue.add does for a job without a parent, a repeat or a delay; a job BullMQ refuses is a rejection. */
  async #addJob (record: QueuedEvent, id: string, queue: Queue, client: RedisClient): Promise<unknown> {
    return await new Job(queue, record.event.type, record, { ...this.#jobOptions, jobId: id }, id).addJob(client, { parentDependenciesKey: '' })
  }

  consume (run: JobRunner, { concurrency, onError = () => {} }: ConsumeOptions): Consumer {
    const worker = new Worker(this.name, async (job: Job, token?: string) => {
      // BullMQ keeps the last attempt's start only: the first is kept in the job's progress, for dead letters.
      if (job.progress === 0) await job.updateProgress({ firstAttemptAt: Date.now() })
      const result = await run({ id: keyOfJobId(job.id ?? ''), data: job.data, attempt: job.attemptsMade + 1, maxAttempts: job.opts.attempts ?? this.#attempts })
      if (result.kind === 'completed') return result.duplicate ? 'duplicate' : 'done'
      if (result.kind === 'handed-back') {
        // Back to the queue, with no attempt counted: the next worker runs it.
        await job.moveToDelayed(Date.now() + (result.delayMs ?? 0), token)
        throw new DelayedError()
      }
      if (result.kind === 'dead') throw new UnrecoverableError(result.error.message)
      throw result.error
    }, { connection: this.#connection, concurrency, lockDuration: this.#lockDuration, stalledInterval: this.#stalledInterval, ...this.#prefixOption() })
    // BullMQ's own errors (a lost connection) reach the log, and must not crash the process.
    worker.on('error', onError)
    this.#workers.add(worker)
    return {
      close: async () => {
        this.#workers.delete(worker)
        await worker.close()
      }
    }
  }

  async deadLetters (limit = 100): Promise<DeadLetter[]> {
    await this.#connected()
    const jobs = await this.queue.getFailed(0, limit - 1)
    return jobs.reverse().map((job) => {
      const data = job.data as Partial<QueuedEvent> | undefined
      return {
        id: keyOfJobId(job.id ?? ''),
        eventId: data?.event?.id,
        type: data?.event?.type,
        endpoint: data?.endpoint,
        attempts: job.attemptsMade,
        lastError: job.failedReason,
        firstAttemptAt: typeof job.progress === 'object' && job.progress !== null && 'firstAttemptAt' in job.progress ? Number(job.progress.firstAttemptAt) : job.processedOn,
        lastAttemptAt: job.finishedOn
      }
    })
  }

  async #failed (id: string | undefined): Promise<Job[]> {
    await this.#connected()
    if (id === undefined) return await this.queue.getFailed(0, -1)
    const job = await Job.fromId(this.queue, jobIdOf(id))
    return job !== undefined && await job.isFailed() ? [job] : []
  }

  async replay (id?: string): Promise<number> {
    const jobs = await this.#failed(id)
    for (const job of jobs) await job.retry('failed', { resetAttemptsMade: true, resetAttemptsStarted: true })
    return jobs.length
  }

  async purge (id?: string): Promise<number> {
    const jobs = await this.#failed(id)
    for (const job of jobs) await job.remove()
    return jobs.length
  }

  async close (): Promise<void> {
    // Enqueues still waiting for Redis fail from here; a batch waiting for its turn is written now.
    this.#closed = true
    const scheduled = this.#scheduled
    if (scheduled !== undefined) {
      clearImmediate(scheduled.immediate)
      scheduled.write()
    }
    await Promise.all(this.#writing)
    await Promise.all([...this.#workers].map(async (worker) => { await worker.close() }))
    this.#workers.clear()
    await this.#queue?.close()
  }
}

/** A BullMQ queue for one endpoint's events. */
export function bullmqQueue (options: BullmqQueueOptions): BullmqQueue {
  return new BullmqQueue(options)
}
