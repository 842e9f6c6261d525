/**
 * The child process that runs one server of bench/servers/, so that it shares no heap, GC or CPU
 * with the load generator. Started by spawn.ts; talks to it over the IPC channel.
 */
import type { RunningServer, StartServer } from './listen.js'

export type ChildMessage =
  | { type: 'ready', url: string }
  | { type: 'memory', rss: number, heapUsed: number }
  | { type: 'failed', error: string }

export type ParentMessage = { type: 'close' } | { type: 'memory', gc: boolean }

const name = process.argv[2] ?? ''
const send = (message: ChildMessage): void => { process.send?.(message) }

if (!/^[a-z0-9-]+$/.test(name)) {
  send({ type: 'failed', error: `bad server name "${name}"` })
  process.exit(1)
}

let server: RunningServer
try {
  const module = await import(new URL(`../servers/${name}.ts`, import.meta.url).href) as { start: StartServer }
  server = await module.start()
} catch (err) {
  send({ type: 'failed', error: String((err as Error).stack ?? err) })
  process.exit(1)
}
send({ type: 'ready', url: server.url })

process.on('message', (message: ParentMessage) => {
  if (message.type === 'memory') {
    const gc = (globalThis as { gc?: () => void }).gc
    if (message.gc && gc !== undefined) gc()
    const { rss, heapUsed } = process.memoryUsage()
    send({ type: 'memory', rss, heapUsed })
  } else if (message.type === 'close') {
    // Exiting normally (not by a signal) is what lets --cpu-prof write its profile.
    const timer = setTimeout(() => { process.exit(0) }, 3000)
    server.close().finally(() => {
      clearTimeout(timer)
      process.exit(0)
    })
  }
})
// The parent went away: do not linger.
process.on('disconnect', () => { process.exit(0) })
