// hookgate in queue mode on the postgres engine, with in-process workers running a 10 s handler.
import { startQueueServer } from '../lib/queue-servers.js'
import type { RunningServer } from '../lib/listen.js'

export async function start (): Promise<RunningServer> {
  return await startQueueServer('postgres', 10_000)
}
