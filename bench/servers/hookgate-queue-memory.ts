// hookgate in queue mode on the memory engine, enqueueing only: the door and the hand-off.
import { startQueueServer } from '../lib/queue-servers.js'
import type { RunningServer } from '../lib/listen.js'

export async function start (): Promise<RunningServer> {
  return await startQueueServer('memory')
}
