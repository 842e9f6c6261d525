/**
 * Workers for queue-mode endpoints, with no HTTP server: a process of workers only builds the
 * endpoint with `createReceiver(provider, { queue })`, declares the same handlers and calls `startWorker()`.
 */
export { startWorker, WorkerShutdown, type Worker, type WorkerOptions } from '../core/worker.js'
export { createReceiver, Receiver } from '../core/receiver.js'
export type { JobContext, JobRecord, QueueEngine, QueueOptions, DeadLetter } from '../core/queue.js'
