import { setMaxListeners } from 'node:events'
import { queueOf, runQueued, type Receiver } from './receiver.js'
import { silentLogger } from './log.js'
import type { Consumer, ResolvedQueue } from './queue.js'
import type { Logger, WebhookEvent } from './types.js'

export interface WorkerOptions {
  /** Jobs run at once. @default the endpoint's `queue.workers.concurrency`, else 4 */
  concurrency?: number
  /** Where failures, retries and dead letters are logged. @default a silent logger */
  log?: Logger
}

/** Workers taking one endpoint's jobs; `close()` shuts them down gracefully. */
export interface Worker {
  /**
   * Stops taking jobs, lets running handlers finish for the queue's `shutdownGrace`, then aborts
   * their signals and hands their jobs back to the queue; resolves once none runs.
   */
  close (): Promise<void>
}

/** The shutdown reason a handler's signal carries. */
export class WorkerShutdown extends Error {
  constructor () {
    super('the worker is shutting down')
    this.name = 'WorkerShutdown'
  }
}

/**
 * Runs a queue-mode endpoint's handlers on jobs from its queue: the same `.on()` handlers, with a
 * `JobContext` as their second argument. Adapters start one per endpoint in the app's process unless
 * `queue.workers` is `false`; a process of workers only builds the same endpoint with
 * `createReceiver()` and calls this.
 * @example
 * const receiver = createReceiver(backchannel({ secret }), { queue: { engine: bullmqQueue({ url, name: 'backchannel' }) } })
 *   .on('order.created', async (event, job) => { await ship(event.data, { signal: job.signal }) })
 * const worker = startWorker(receiver)
 * process.once('SIGTERM', () => { worker.close().then(() => receiver.close()) })
 */
export function startWorker<E extends WebhookEvent, C> (receiver: Receiver<E, C>, options: WorkerOptions = {}): Worker {
  const queue: ResolvedQueue | undefined = receiver[queueOf]
  if (queue === undefined) throw new TypeError('startWorker(): the receiver has no "queue" option, so it has no jobs to run')
  const concurrency = options.concurrency ?? queue.concurrency ?? 4
  if (!Number.isSafeInteger(concurrency) || concurrency < 1) throw new TypeError('startWorker(): "concurrency" must be a positive integer')
  const log = options.log ?? silentLogger
  const shutdown = new AbortController()
  // Each running job listens to it: as many listeners as the concurrency, none leaked.
  setMaxListeners(0, shutdown.signal)
  const { engine } = queue
  const onError = (err: unknown): void => { log.error({ engine: engine.engine, queue: engine.name, err }, 'queue worker: the engine failed; the worker goes on') }
  const consumer: Consumer = engine.consume(async (job) => await receiver[runQueued](job, shutdown.signal, log), { concurrency, onError })
  let closing: Promise<void> | undefined
  return {
    close () {
      closing ??= (async () => {
        const stopped = consumer.close()
        const timer = setTimeout(() => { shutdown.abort(new WorkerShutdown()) }, queue.shutdownGrace)
        try {
          await stopped
        } finally {
          clearTimeout(timer)
        }
      })()
      return closing
    }
  }
}

/**
 * The adapters' in-process workers: one for an endpoint in queue mode whose `queue.workers` is not
 * `false`, else `undefined`.
 */
export function inProcessWorker<E extends WebhookEvent, C> (receiver: Receiver<E, C>, log: Logger): Worker | undefined {
  return receiver[queueOf]?.concurrency === undefined ? undefined : startWorker(receiver, { log })
}

/**
 * Shuts an endpoint down: new deliveries get 503 while those in flight finish, its worker stops
 * taking jobs and finishes or hands back its own; then its queue's connections close.
 */
export async function closeEndpoint<E extends WebhookEvent, C> (receiver: Receiver<E, C>, worker: Worker | undefined): Promise<void> {
  await Promise.all([receiver.close(), worker?.close()])
  await receiver[queueOf]?.engine.close()
}
