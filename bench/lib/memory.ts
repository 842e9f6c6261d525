import { CONFIG } from './config.js'
import { load } from './load.js'
import { requestSet } from './requests.js'
import { spawnServer, type ServerProcess } from './spawn.js'

export interface MemoryResult {
  readonly server: string
  readonly requests: number
  readonly seconds: number
  readonly statuses: Readonly<Record<string, number>>
  /** After warm-up and a full GC. */
  readonly before: { rss: number, heapUsed: number }
  /** After the long run and a full GC. */
  readonly after: { rss: number, heapUsed: number }
  /** Highest RSS sampled during the run. */
  readonly peakRss: number
}

/** A second for the sockets of the connections just closed to go, then a full GC. */
async function settle (running: ServerProcess): Promise<void> {
  await new Promise((resolve) => setTimeout(resolve, 1000))
  await running.memory(true)
}

/**
 * A long run against a fresh hookgate server: warm it up, take RSS and heap after a full GC, send
 * CONFIG.memoryRequests deliveries (half genuine, half forged, 1 KiB) while sampling RSS, then take
 * them again after a full GC.
 */
export async function memoryRun (server = 'hookgate-backchannel'): Promise<MemoryResult> {
  const running = await spawnServer(server, { cpu: 1, nodeArgs: ['--expose-gc'] })
  try {
    const requests = (): ReturnType<typeof requestSet> => requestSet('backchannel', 1024)
    await load(running.url, [requests().genuine, requests().forged], { amount: 20_000 })
    await settle(running)
    const before = await running.memory(true)
    let peakRss = before.rss
    const sampler = setInterval(() => {
      running.memory(false).then((m) => { peakRss = Math.max(peakRss, m.rss) }, () => {})
    }, 1000)
    const started = Date.now()
    let result
    try {
      const set = requests()
      result = await load(running.url, [set.genuine, set.forged], { amount: CONFIG.memoryRequests })
    } finally {
      clearInterval(sampler)
    }
    const seconds = (Date.now() - started) / 1000
    // Let the closed connections' sockets be released before the full GC, as before the run.
    await settle(running)
    const after = await running.memory(true)
    peakRss = Math.max(peakRss, after.rss)
    return { server, requests: result.responses, seconds, statuses: result.statuses, before, after, peakRss }
  } finally {
    await running.close()
  }
}
