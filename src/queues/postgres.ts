import { randomUUID } from 'node:crypto'
import pg from 'pg'
import { backoffDelay, resolveRetry, type ConsumeOptions, type Consumer, type DeadLetter, type JobRunner, type QueuedEvent, type QueueEngine, type ResolvedRetry, type RetryOptions, type RunResult } from '../core/queue.js'

export interface PostgresQueueOptions extends RetryOptions {
  /** The queue's name; one per endpoint. Queues share one table. */
  name: string
  /** A postgres:// URL… */
  url?: string
  /** …or a `pg.Pool` the application already has (it keeps owning it). */
  pool?: pg.Pool
  /** The table holding every queue's jobs, created on first use; may be schema-qualified. @default 'hookgate_jobs' */
  table?: string
  /**
   * Milliseconds a worker's lease on a running job lasts (renewed every third of it while the job
   * runs): a worker that dies mid-handler gives its job up this long after its last renewal. @default 30000
   */
  lease?: number
  /** Milliseconds between looks for due jobs when no notification came (delayed retries, expired leases). @default 1000 */
  pollInterval?: number
  /** How long a completed job is kept (and a redelivery of its event answered as a duplicate), in ms. @default 72 h */
  keepCompleted?: number
}

interface JobRow {
  id: string
  data: unknown
  attempts_made: number
  max_attempts: number
  lock_token: string
}

const NOTIFY_CHANNEL = 'hookgate_jobs'

/**
 * Jobs in one PostgreSQL table, with no extension and no other library than `pg`: an `INSERT … ON
 * CONFLICT DO NOTHING` on (queue, id) is the de-duplication, `FOR UPDATE SKIP LOCKED` hands each job
 * to one worker, a lease renewed while the handler runs brings a dead worker's job back, and
 * `LISTEN`/`NOTIFY` wakes idle workers at once. Dead letters are rows in state `dead`.
 */
export class PostgresQueue implements QueueEngine {
  readonly engine = 'postgres'
  readonly durable = true
  readonly name: string
  readonly #pool: pg.Pool
  readonly #ownsPool: boolean
  readonly #table: string
  readonly #retry: ResolvedRetry
  readonly #lease: number
  readonly #pollInterval: number
  readonly #keepCompleted: number
  readonly #consumers = new Set<Consumer>()
  #ready: Promise<void> | undefined

  constructor (options: PostgresQueueOptions) {
    if (options === null || typeof options !== 'object') throw new TypeError('postgresQueue() needs { name, url } or { name, pool }')
    const { name, url, pool, table = 'hookgate_jobs', lease = 30_000, pollInterval = 1000, keepCompleted = 72 * 3600_000, ...retry } = options
    if (typeof name !== 'string' || name === '') throw new TypeError('postgresQueue(): "name" must be a non-empty string')
    if ((url === undefined) === (pool === undefined)) throw new TypeError('postgresQueue(): give exactly one of "url" or "pool"')
    if (url !== undefined && (typeof url !== 'string' || !/^postgres(ql)?:\/\//.test(url))) throw new TypeError('postgresQueue(): "url" must be a postgres:// or postgresql:// URL')
    if (typeof table !== 'string' || !/^[a-z_][a-z0-9_]*(\.[a-z_][a-z0-9_]*)?$/.test(table)) throw new TypeError('postgresQueue(): "table" must be a lower-case SQL name, optionally schema-qualified')
    for (const [option, value] of Object.entries({ lease, pollInterval, keepCompleted })) {
      if (!Number.isSafeInteger(value) || value < 1) throw new TypeError(`postgresQueue(): "${option}" must be a positive integer number of milliseconds`)
    }
    this.name = name
    this.#retry = resolveRetry(retry, 'postgresQueue()')
    // Fail fast while the database is away: the sender gets 503 instead of a request waiting.
    this.#pool = pool ?? new pg.Pool({ connectionString: url, connectionTimeoutMillis: 2000 })
    this.#ownsPool = pool === undefined
    // The pool reports a dropped idle connection as an 'error' event; the next query reconnects.
    if (this.#ownsPool) this.#pool.on('error', () => {})
    this.#table = table
    this.#lease = lease
    this.#pollInterval = pollInterval
    this.#keepCompleted = keepCompleted
  }

  /**
   * Creates the table once, under an advisory lock so that two processes starting together do not
   * race. A failure (the database unreachable) is tried again by the next call.
   */
  #schema (): Promise<void> {
    this.#ready ??= (async () => {
      let client: pg.PoolClient
      try {
        client = await this.#pool.connect()
      } catch (err) {
        this.#ready = undefined
        throw err
      }
      try {
        await client.query('BEGIN')
        await client.query('SELECT pg_advisory_xact_lock(hashtext($1))', [this.#table])
        await client.query(`CREATE TABLE IF NOT EXISTS ${this.#table} (
          queue text NOT NULL,
          id text NOT NULL,
          data jsonb NOT NULL,
          state text NOT NULL DEFAULT 'waiting' CHECK (state IN ('waiting', 'active', 'completed', 'dead')),
          attempts_made integer NOT NULL DEFAULT 0,
          max_attempts integer NOT NULL,
          run_at timestamptz NOT NULL DEFAULT now(),
          locked_until timestamptz,
          lock_token uuid,
          first_attempt_at timestamptz,
          last_attempt_at timestamptz,
          last_error text NOT NULL DEFAULT '',
          created_at timestamptz NOT NULL DEFAULT now(),
          finished_at timestamptz,
          PRIMARY KEY (queue, id))`)
        await client.query(`CREATE INDEX IF NOT EXISTS ${this.#table.replace('.', '_')}_due ON ${this.#table} (queue, run_at) WHERE state IN ('waiting', 'active')`)
        await client.query('COMMIT')
      } catch (err) {
        await client.query('ROLLBACK').catch(() => {})
        this.#ready = undefined
        throw err
      } finally {
        client.release()
      }
    })()
    return this.#ready
  }

  async enqueue (record: QueuedEvent): Promise<'queued' | 'duplicate'> {
    await this.#schema()
    const { rowCount } = await this.#pool.query(
      `WITH stored AS (INSERT INTO ${this.#table} (queue, id, data, max_attempts) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING RETURNING id)
       SELECT pg_notify('${NOTIFY_CHANNEL}', $1) FROM stored`,
      [this.name, record.key, JSON.stringify(record), this.#retry.attempts])
    return rowCount === 1 ? 'queued' : 'duplicate'
  }

  consume (run: JobRunner, { concurrency, onError = () => {} }: ConsumeOptions): Consumer {
    const running = new Set<Promise<void>>()
    let closed = false
    let fetching: Promise<void> | undefined
    let again = false
    let listener: pg.PoolClient | undefined
    let lastCleanup = 0

    const take = async (): Promise<void> => {
      await this.#schema()
      const free = concurrency - running.size
      if (closed || free <= 0) return
      // A job whose worker died during its last attempt is dead-lettered, not run again: an event that
      // crashes its worker every time would otherwise take the workers down forever.
      await this.#pool.query(
        `UPDATE ${this.#table} SET state = 'dead', finished_at = now(), locked_until = NULL, last_error = $2
         WHERE queue = $1 AND state = 'active' AND locked_until < now() AND attempts_made >= max_attempts`,
        [this.name, 'its worker stopped during its last attempt (the lease expired)'])
      const token = randomUUID()
      // A waiting job that is due, or a running one whose worker stopped renewing its lease.
      const { rows } = await this.#pool.query<JobRow>(
        `UPDATE ${this.#table} SET state = 'active', attempts_made = attempts_made + 1, lock_token = $3,
           locked_until = now() + $4 * interval '1 millisecond', first_attempt_at = coalesce(first_attempt_at, now()), last_attempt_at = now()
         WHERE (queue, id) IN (
           SELECT queue, id FROM ${this.#table}
           WHERE queue = $1 AND ((state = 'waiting' AND run_at <= now()) OR (state = 'active' AND locked_until < now()))
           ORDER BY run_at LIMIT $2 FOR UPDATE SKIP LOCKED)
         RETURNING id, data, attempts_made, max_attempts, lock_token`,
        [this.name, free, token, this.#lease])
      for (const row of rows) start(row)
      if (rows.length === free) again = true
      if (Date.now() - lastCleanup > 60_000) {
        lastCleanup = Date.now()
        await this.#pool.query(`DELETE FROM ${this.#table} WHERE queue = $1 AND state = 'completed' AND finished_at < now() - $2 * interval '1 millisecond'`, [this.name, this.#keepCompleted])
      }
    }

    // One look at a time; a wake-up during a look makes another right after it.
    const wake = (): void => {
      if (closed) return
      if (fetching !== undefined) {
        again = true
        return
      }
      again = false
      fetching = take().catch(onError).finally(() => {
        fetching = undefined
        if (again) wake()
      })
    }

    const start = (row: JobRow): void => {
      const renew = setInterval(() => {
        this.#pool.query(`UPDATE ${this.#table} SET locked_until = now() + $4 * interval '1 millisecond' WHERE queue = $1 AND id = $2 AND lock_token = $3`, [this.name, row.id, row.lock_token, this.#lease]).catch(() => {})
      }, Math.max(1, Math.floor(this.#lease / 3)))
      const job = run({ id: row.id, data: row.data, attempt: row.attempts_made, maxAttempts: row.max_attempts })
        .then(async (result) => { clearInterval(renew); await this.#settle(row, result) })
        // Not recorded: the job runs again once its lease has expired.
        .catch(onError)
        .finally(() => {
          clearInterval(renew)
          running.delete(job)
          wake()
        })
      running.add(job)
    }

    const poll = setInterval(wake, this.#pollInterval)
    this.#pool.connect().then(async (client) => {
      if (closed) {
        client.release()
        return
      }
      listener = client
      client.on('notification', (message) => { if (message.payload === this.name) wake() })
      // A listening connection lost leaves new jobs to the poll.
      client.on('error', onError)
      await client.query(`LISTEN ${NOTIFY_CHANNEL}`)
    }).catch(onError)
    wake()

    const consumer: Consumer = {
      close: async () => {
        closed = true
        clearInterval(poll)
        this.#consumers.delete(consumer)
        await fetching
        await Promise.allSettled(running)
        if (listener !== undefined) {
          await listener.query(`UNLISTEN ${NOTIFY_CHANNEL}`).catch(() => {})
          listener.release()
          listener = undefined
        }
      }
    }
    this.#consumers.add(consumer)
    return consumer
  }

  /** Records a run's result, if this worker still holds the job's lease (else another worker has it now). */
  async #settle (row: JobRow, result: RunResult): Promise<void> {
    const where = 'WHERE queue = $1 AND id = $2 AND lock_token = $3 AND state = \'active\''
    const params = [this.name, row.id, row.lock_token]
    if (result.kind === 'completed') {
      await this.#pool.query(`UPDATE ${this.#table} SET state = 'completed', finished_at = now(), locked_until = NULL ${where}`, params)
    } else if (result.kind === 'handed-back') {
      await this.#pool.query(`UPDATE ${this.#table} SET state = 'waiting', attempts_made = attempts_made - 1, locked_until = NULL, run_at = now() + $4 * interval '1 millisecond' ${where}`, [...params, result.delayMs ?? 0])
    } else if (result.kind === 'dead' || row.attempts_made >= row.max_attempts) {
      await this.#pool.query(`UPDATE ${this.#table} SET state = 'dead', finished_at = now(), locked_until = NULL, last_error = $4 ${where}`, [...params, result.error.message])
    } else {
      const delay = backoffDelay(this.#retry, row.attempts_made)
      await this.#pool.query(`UPDATE ${this.#table} SET state = 'waiting', locked_until = NULL, last_error = $4, run_at = now() + $5 * interval '1 millisecond' ${where}`, [...params, result.error.message, delay])
    }
  }

  async deadLetters (limit = 100): Promise<DeadLetter[]> {
    await this.#schema()
    const { rows } = await this.#pool.query<{ id: string, data: Partial<QueuedEvent> | null, attempts_made: number, last_error: string, first_attempt_at: Date | null, last_attempt_at: Date | null }>(
      `SELECT id, data, attempts_made, last_error, first_attempt_at, last_attempt_at FROM ${this.#table} WHERE queue = $1 AND state = 'dead' ORDER BY finished_at, id LIMIT $2`,
      [this.name, limit])
    return rows.map((row) => ({
      id: row.id,
      eventId: row.data?.event?.id,
      type: row.data?.event?.type,
      endpoint: row.data?.endpoint,
      attempts: row.attempts_made,
      lastError: row.last_error,
      firstAttemptAt: row.first_attempt_at?.getTime(),
      lastAttemptAt: row.last_attempt_at?.getTime()
    }))
  }

  async replay (id?: string): Promise<number> {
    await this.#schema()
    const { rowCount } = await this.#pool.query(
      `WITH replayed AS (UPDATE ${this.#table} SET state = 'waiting', attempts_made = 0, run_at = now(), finished_at = NULL
         WHERE queue = $1 AND state = 'dead' AND ($2::text IS NULL OR id = $2) RETURNING id)
       SELECT pg_notify('${NOTIFY_CHANNEL}', $1) FROM replayed`,
      [this.name, id ?? null])
    return rowCount ?? 0
  }

  async purge (id?: string): Promise<number> {
    await this.#schema()
    const { rowCount } = await this.#pool.query(`DELETE FROM ${this.#table} WHERE queue = $1 AND state = 'dead' AND ($2::text IS NULL OR id = $2)`, [this.name, id ?? null])
    return rowCount ?? 0
  }

  async close (): Promise<void> {
    await Promise.all([...this.#consumers].map(async (consumer) => { await consumer.close() }))
    if (this.#ownsPool && !this.#pool.ended) await this.#pool.end()
  }
}

/** A PostgreSQL queue for one endpoint's events. */
export function postgresQueue (options: PostgresQueueOptions): PostgresQueue {
  return new PostgresQueue(options)
}
