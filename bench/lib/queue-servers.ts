// The queue-mode servers of `npm run bench:queue`: hookgate's Fastify plugin with the Backchannel
// preset and one queue engine, each on a queue of its own (dropBenchQueues() deletes them all).
import { execFileSync } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import Fastify from 'fastify'
import hookgate from 'hookgate'
import type { QueuedEvent, QueueEngine } from 'hookgate/core'
import { backchannel } from 'hookgate/providers'
import { bullmqQueue, jobIdOf } from 'hookgate/queues/bullmq'
import { memoryQueue } from 'hookgate/queues/memory'
import { postgresQueue } from 'hookgate/queues/postgres'
import { Redis } from 'ioredis'
import pg from 'pg'
import { PATH } from './config.js'
import { BACKCHANNEL_SECRET, EVENT_TYPE, ORDER_SCHEMA } from './fixtures.js'
import { listenFastify, type RunningServer } from './listen.js'
import { pin } from './spawn.js'

export type Engine = 'memory' | 'bullmq' | 'postgres'

export const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379'
const POSTGRES_URL = process.env.POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres'
export const BENCH_PREFIX = 'hookgate-bench'

/**
 * A queue of its own for each server, named about as long as a real one (`webhooks-backchannel`):
 * BullMQ sends every key of the queue with each add (nine of them), so a UUID in the name would
 * make each add about 250 bytes larger than a user's.
 */
function benchQueueName (): string {
  return `bench-${randomBytes(4).toString('hex')}`
}

function engineOf (engine: Engine, name: string): QueueEngine {
  if (engine === 'memory') return memoryQueue({ name })
  if (engine === 'bullmq') return bullmqQueue({ url: REDIS_URL, name, prefix: BENCH_PREFIX })
  return postgresQueue({ url: POSTGRES_URL, name })
}

/**
 * Queue mode on `engine`. With `handlerMs`, in-process workers (200 at a time) run a handler that
 * takes that long; without, the server only enqueues (its workers would run elsewhere).
 */
export async function startQueueServer (engine: Engine, handlerMs?: number): Promise<RunningServer> {
  const name = benchQueueName()
  const queue = engineOf(engine, name)
  const app = Fastify()
  await app.register(hookgate)
  app.webhooks(PATH, backchannel({ secret: BACKCHANNEL_SECRET }), {
    idempotency: false,
    handlerTimeout: 60_000,
    queue: { engine: queue, workers: handlerMs === undefined ? false : { concurrency: 200 } }
  }).on(EVENT_TYPE, { schema: ORDER_SCHEMA }, async () => {
    if (handlerMs !== undefined) await new Promise((resolve) => setTimeout(resolve, handlerMs))
  })
  return await listenFastify(app)
}

/**
 * CPU time of this process per stored job (µs) when nothing but the engine runs: `count` jobs, 16 at
 * a time, through BullMQ's own `Queue.add` and through hookgate's `enqueue()` (the add, then the check
 * that tells a new job from a duplicate). What the enqueue path costs before any HTTP.
 */
export async function bullmqCostAlone (records: readonly QueuedEvent[]): Promise<{ add: number, enqueue: number }> {
  const engine = bullmqQueue({ url: REDIS_URL, name: benchQueueName(), prefix: BENCH_PREFIX })
  const measure = async (store: (record: QueuedEvent) => Promise<unknown>): Promise<number> => {
    let next = 0
    const before = process.cpuUsage()
    await Promise.all(Array.from({ length: 16 }, async () => {
      while (next < records.length) await store(records[next++] as QueuedEvent)
    }))
    const used = process.cpuUsage(before)
    return (used.user + used.system) / records.length
  }
  try {
    const queue = engine.queue
    await queue.waitUntilReady()
    // Each measure stores every record under keys of its own, so none is a duplicate.
    const add = await measure(async (record) => await queue.add(record.event.type, record, { jobId: jobIdOf(`add-${record.key}`) }))
    const enqueue = await measure(async (record) => await engine.enqueue(record))
    return { add, enqueue }
  } finally {
    await engine.close()
  }
}

/** Deletes every queue the bench servers made (bench/queue.ts calls it before and after a run). */
export async function dropBenchQueues (): Promise<void> {
  const redis = new Redis(REDIS_URL, { maxRetriesPerRequest: 1 })
  const keys = await redis.keys(`${BENCH_PREFIX}:*`)
  for (let i = 0; i < keys.length; i += 1000) await redis.del(...keys.slice(i, i + 1000))
  await redis.quit()
  const client = new pg.Client({ connectionString: POSTGRES_URL })
  await client.connect()
  await client.query("DELETE FROM hookgate_jobs WHERE queue LIKE 'bench-%'").catch(() => {})
  await client.end()
}

/** The CPUs a process may run on (`taskset -pc`), or `undefined` when it cannot be read. */
function affinityOf (pid: number): string | undefined {
  try {
    return /list: (\S+)/.exec(execFileSync('taskset', ['-pc', String(pid)], { encoding: 'utf8' }))?.[1]
  } catch {
    return undefined
  }
}

/**
 * Moves the machine's Redis and PostgreSQL servers to `cpu`, the load generator's core, so that the
 * receiver's core is its own, as when the engine runs on another machine; left to the scheduler,
 * Redis ran on the receiver's core at times and took its CPU. Returns the function that puts their
 * affinity back (also run at exit, and on SIGINT or SIGTERM). Does nothing where pgrep or taskset is
 * missing; PostgreSQL's new backends inherit the postmaster's affinity.
 */
export function servicesOnCore (cpu: number): () => void {
  const pids: number[] = []
  for (const name of ['redis-server', 'postgres']) {
    try {
      pids.push(...execFileSync('pgrep', ['-x', name], { encoding: 'utf8' }).trim().split('\n').filter(Boolean).map(Number))
    } catch {}
  }
  const before = pids.map((pid) => ({ pid, cpus: affinityOf(pid) }))
  for (const pid of pids) pin(pid, cpu)
  let restored = false
  const restore = (): void => {
    if (restored) return
    restored = true
    for (const { pid, cpus } of before) {
      if (cpus === undefined) continue
      try {
        execFileSync('taskset', ['-a', '-pc', cpus, String(pid)], { stdio: 'ignore' })
      } catch {}
    }
  }
  process.once('exit', restore)
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => { restore(); process.exit(130) })
  return restore
}
