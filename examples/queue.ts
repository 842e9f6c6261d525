// Queue mode for the example (docs/queue.md): QUEUE_URL picks the engine, redis:// for BullMQ or
// postgres:// for PostgreSQL; without it the example runs its handlers inline.
import type { QueueEngine } from 'hookgate/core'

export const QUEUE_URL = process.env.QUEUE_URL

/** The Backchannel endpoint's queue on the engine QUEUE_URL names, or `undefined` when it is unset. */
export async function backchannelQueue (): Promise<QueueEngine | undefined> {
  if (QUEUE_URL === undefined) return undefined
  if (/^rediss?:\/\//.test(QUEUE_URL)) {
    const { bullmqQueue } = await import('hookgate/queues/bullmq')
    return bullmqQueue({ url: QUEUE_URL, name: 'backchannel' })
  }
  if (/^postgres(ql)?:\/\//.test(QUEUE_URL)) {
    const { postgresQueue } = await import('hookgate/queues/postgres')
    return postgresQueue({ url: QUEUE_URL, name: 'backchannel' })
  }
  throw new TypeError(`QUEUE_URL must be a redis:// (BullMQ) or postgres:// (PostgreSQL) URL; got ${JSON.stringify(QUEUE_URL)}`)
}
