/**
 * `npm run bench:queue`: what queue mode costs the sender. (1) Throughput at 1 KiB of each engine's
 * enqueue path against the inline path (hookgate-backchannel), interleaved rounds on fresh processes,
 * every request a new event; (2) the sender's latency at a fixed 200 req/s (evenly paced, and as
 * autocannon's once-a-second bursts) while in-process workers run a 10 s handler. Writes its section
 * of bench/results.md.
 */
import { execFileSync } from 'node:child_process'
import { createRequire } from 'node:module'
import type autocannon from 'autocannon'
import type { WebhookEvent } from 'hookgate'
import { signBackchannel } from 'hookgate/testing'
import { CONFIG, PATH } from './lib/config.js'
import { BACKCHANNEL_SECRET, EVENT_ID, typedBody } from './lib/fixtures.js'
import { loadMeasured, type LoadResult } from './lib/load.js'
import { pacedLoad, type PacedResult } from './lib/paced.js'
import { bullmqCostAlone, dropBenchQueues, servicesOnCore } from './lib/queue-servers.js'
import { writeSection } from './lib/sections.js'
import { median } from './lib/timing.js'
import { pin, spawnServer } from './lib/spawn.js'

const ROUNDS = Number(process.env.BENCH_QUEUE_ROUNDS ?? 4)
const SECONDS = Number(process.env.BENCH_QUEUE_SECONDS ?? 4)
const INLINE = 'hookgate-backchannel'
/** Inline with de-duplication over Redis, as a receiver of two instances or more runs it. */
const INLINE_CLAIMS = 'hookgate-backchannel-redis-claims'
const ENGINES = ['memory', 'bullmq', 'postgres'] as const
const log = (line: string): void => { console.log(`[queue bench] ${line}`) }

pin(process.pid, 0)
// A new event for every request (the same id twice would be a duplicate, answered without a write),
// signed ahead of time: signing while loading made the load generator the bottleneck.
const template = typedBody(1024).toString('utf8')
const EVENTS = Number(process.env.BENCH_QUEUE_EVENTS ?? 200_000)
const prepared = Array.from({ length: EVENTS }, (_, i) => {
  const body = Buffer.from(template.replace(EVENT_ID, `evt_${String(i).padStart(10, '0')}`))
  return { headers: { ...signBackchannel(body, BACKCHANNEL_SECRET) }, body }
})
let counter = 0
function nextEvent (request: autocannon.Request): autocannon.Request {
  const event = prepared[counter++ % EVENTS] as { headers: Record<string, string>, body: Buffer }
  return { ...request, headers: event.headers, body: event.body }
}

interface Load extends LoadResult { readonly redisUs: number }

/** Redis's own CPU time so far, in µs (INFO cpu), or 0 where redis-cli is missing. */
function redisCpuMicros (): number {
  try {
    const info = execFileSync('redis-cli', ['-u', process.env.REDIS_URL ?? 'redis://127.0.0.1:6379', 'info', 'cpu'], { encoding: 'utf8' })
    return (Number(/used_cpu_user:([\d.]+)/.exec(info)?.[1]) + Number(/used_cpu_sys:([\d.]+)/.exec(info)?.[1])) * 1e6
  } catch {
    return 0
  }
}

/** Every request a new pre-signed event, with the server's and Redis's CPU time per response. */
async function drive (server: { url: string, pid: number }, options: { seconds: number, rate?: number, connections?: number }): Promise<Load> {
  const redisBefore = redisCpuMicros()
  const first = prepared[0] as { headers: Record<string, string>, body: Buffer }
  const result = await loadMeasured(server, [{ method: 'POST', path: PATH, ...first }], { seconds: options.seconds }, 30, {
    each: nextEvent,
    ...(options.rate === undefined ? {} : { overallRate: options.rate }),
    ...(options.connections === undefined ? {} : { connections: options.connections })
  })
  return { ...result, redisUs: result.responses === 0 ? 0 : (redisCpuMicros() - redisBefore) / result.responses }
}

await dropBenchQueues()
const restoreServices = servicesOnCore(0)
const servers = [INLINE, INLINE_CLAIMS, ...ENGINES.map((engine) => `hookgate-queue-${engine}`)]
const rps = new Map<string, number[]>(servers.map((name) => [name, []]))
const cpu = new Map<string, Array<{ serverUs: number, redisUs: number }>>(servers.map((name) => [name, []]))
const ratios = new Map<string, number[]>(ENGINES.map((engine) => [engine, []]))
const claimsRatios: number[] = []
const bullmqOverClaims: number[] = []
for (let round = 1; round <= ROUNDS; round++) {
  const order = round % 2 === 1 ? servers : [...servers].reverse()
  const thisRound = new Map<string, number>()
  for (const name of order) {
    counter = 0
    const server = await spawnServer(name, { cpu: 1 })
    try {
      await drive(server, { seconds: CONFIG.warmup })
      const result = await drive(server, { seconds: SECONDS })
      const accepted = (result.statuses['200'] ?? 0) + (result.statuses['202'] ?? 0)
      if (accepted === 0 || result.errors > 0) throw new Error(`${name}: ${JSON.stringify(result.statuses)}, ${result.errors} errors`)
      thisRound.set(name, result.rps)
      rps.get(name)?.push(result.rps)
      cpu.get(name)?.push({ serverUs: result.cpuUs ?? 0, redisUs: result.redisUs })
      log(`round ${round}: ${name} ${result.rps.toFixed(0)} req/s (${JSON.stringify(result.statuses)})`)
    } finally {
      await server.close()
    }
  }
  for (const engine of ENGINES) ratios.get(engine)?.push((thisRound.get(`hookgate-queue-${engine}`) ?? 0) / (thisRound.get(INLINE) ?? 1))
  claimsRatios.push((thisRound.get(INLINE_CLAIMS) ?? 0) / (thisRound.get(INLINE) ?? 1))
  bullmqOverClaims.push((thisRound.get('hookgate-queue-bullmq') ?? 0) / (thisRound.get(INLINE_CLAIMS) ?? 1))
  await dropBenchQueues()
}
restoreServices()

// The control: the inline server with its no-op handler under the same load shows what the load's
// own shape costs before any queue.
const LATENCY_CONNECTIONS = Number(process.env.BENCH_QUEUE_LATENCY_CONNECTIONS ?? 10)
const nextPaced = (): { path: string, headers: Record<string, string>, body: Buffer } => ({ path: PATH, ...prepared[counter++ % EVENTS] as { headers: Record<string, string>, body: Buffer } })
const latency = new Map<string, { paced: PacedResult, burst: Load }>()
for (const name of [INLINE, ...ENGINES.map((engine) => `hookgate-queue-${engine}-slow`)]) {
  const server = await spawnServer(name, { cpu: 1 })
  try {
    await pacedLoad(server.url, nextPaced, { rate: 200, seconds: 2 })
    const paced = await pacedLoad(server.url, nextPaced, { rate: 200, seconds: 10 })
    const burst = await drive(server, { seconds: 10, rate: 200, connections: LATENCY_CONNECTIONS })
    latency.set(name, { paced, burst })
    log(`${name} at 200 req/s: paced p50 ${paced.p50.toFixed(2)} ms, p99 ${paced.p99.toFixed(2)} ms (${JSON.stringify(paced.statuses)}); bursts p99 ${burst.p99} ms`)
  } finally {
    await server.close()
  }
}
await dropBenchQueues()

// BullMQ without HTTP, in this process: what its add costs, and what hookgate's enqueue adds to it.
const records = prepared.slice(0, 20_000).map(({ body }, i) => {
  const event = JSON.parse(body.toString('utf8')) as WebhookEvent
  return { v: 1 as const, key: `backchannel:${event.id}`, delivery: `delivery-${i}`, endpoint: PATH, provider: 'backchannel', receivedAt: Date.now(), headers: {}, event }
})
const redisBeforeAlone = redisCpuMicros()
const alone = await bullmqCostAlone(records)
const redisAlone = (redisCpuMicros() - redisBeforeAlone) / (2 * records.length)
log(`bullmq alone: Queue.add ${alone.add.toFixed(0)} µs, enqueue() ${alone.enqueue.toFixed(0)} µs of CPU per job; Redis ${redisAlone.toFixed(0)} µs`)
await dropBenchQueues()

/** The BullMQ the servers ran (a peer: the app's own), since its per-job cost is most of the queue path's. */
const BULLMQ_VERSION = (createRequire(import.meta.url)('bullmq/package.json') as { version: string }).version
const inlineMedian = median(rps.get(INLINE) ?? [])
const cpuOf = (name: string): string => `${median((cpu.get(name) ?? []).map((c) => c.serverUs)).toFixed(0)} µs`
const redisOf = (name: string): string => `${median((cpu.get(name) ?? []).map((c) => c.redisUs)).toFixed(0)} µs`
const spread = (values: readonly number[]): string => `${median(values).toFixed(3)} (${Math.min(...values).toFixed(3)}–${Math.max(...values).toFixed(3)})`
writeSection('queue-bench', 'Queue mode', 'npm run bench:queue', [
  `Throughput at 1 KiB: ${ROUNDS} interleaved rounds of ${SECONDS} s per server (after ${CONFIG.warmup} s of warm-up), each on a fresh process pinned to CPU 1, ${CONFIG.connections} connections, every request a new event; BullMQ ${BULLMQ_VERSION}, Node ${process.version}. The queue servers only enqueue (\`workers: false\`: their workers would run elsewhere). Redis and PostgreSQL are moved to CPU 0 for these rounds, beside the load generator, so that CPU 1 is the receiver's alone, as when the engine runs on another machine (left to the scheduler, Redis at times ran on the receiver's core and took its CPU). Goal: the BullMQ path at ≥ 0.5 × the inline path.`,
  '',
  '| server | median req/s | rounds | ratio to inline (median, min–max of rounds) | server CPU per request | Redis CPU per request | goal |',
  '|---|---:|---|---|---:|---:|---|',
  `| inline (${INLINE}) | ${inlineMedian.toFixed(0)} | ${(rps.get(INLINE) ?? []).map((r) => r.toFixed(0)).join(', ')} | 1 | ${cpuOf(INLINE)} | | |`,
  `| inline, claims in Redis (${INLINE_CLAIMS}) | ${median(rps.get(INLINE_CLAIMS) ?? []).toFixed(0)} | ${(rps.get(INLINE_CLAIMS) ?? []).map((r) => r.toFixed(0)).join(', ')} | ${spread(claimsRatios)} | ${cpuOf(INLINE_CLAIMS)} | ${redisOf(INLINE_CLAIMS)} | |`,
  ...ENGINES.map((engine) => {
    const own = ratios.get(engine) ?? []
    const verdict = engine !== 'bullmq' ? '' : Math.min(...own) >= 0.5 ? 'met' : median(own) >= 0.5 ? 'median met, not every round' : 'not met'
    const name = `hookgate-queue-${engine}`
    return `| queue: ${engine} | ${median(rps.get(name) ?? []).toFixed(0)} | ${(rps.get(name) ?? []).map((r) => r.toFixed(0)).join(', ')} | ${spread(own)} | ${cpuOf(name)} | ${engine === 'bullmq' ? redisOf(name) : ''} | ${verdict} |`
  }),
  '',
  `Inline with its claims in Redis (de-duplication across instances: a claim before the handler, its completion after) is what queue mode replaces in a receiver of two instances or more: against it, the BullMQ path's ratio is ${spread(bullmqOverClaims)} (median, min–max of rounds).`,
  '',
  `Without HTTP, ${records.length} jobs 16 at a time from one process: BullMQ's own \`Queue.add\` costs ${alone.add.toFixed(0)} µs of that process's CPU per job and hookgate's \`enqueue()\` (the add, then the check in Redis that tells a new job from a duplicate, the jobs of one event-loop turn written to Redis together) ${alone.enqueue.toFixed(0)} µs; Redis spends about ${redisAlone.toFixed(0)} µs per job, on the same two cores as the server and the load.`,
  '',
  `The sender's latency while a 10 s handler runs on in-process workers (200 at a time), every request a new event. Evenly paced: 200 req/s for 10 s (after 2 s at that rate), one request every 5 ms whether or not the earlier ones were answered (bench/lib/paced.ts), as a sender's deliveries arrive. Bursts: autocannon at 200 req/s over ${LATENCY_CONNECTIONS} connections for 10 s, which sends each second's 200 requests at the top of the second, so its p99 is the wait behind a burst of 200. Goal: p99 of the 2xx under 20 ms, evenly paced. Inline, each of these deliveries would take the handler's 10 s; the first row is the control: the inline server with a no-op handler under the same loads.`,
  '',
  '| server | p50 | p99 | max | replies | goal | p99 in bursts |',
  '|---|---:|---:|---:|---|---|---:|',
  ...[INLINE, ...ENGINES.map((engine) => `hookgate-queue-${engine}-slow`)].map((name) => {
    const { paced, burst } = latency.get(name) as { paced: PacedResult, burst: Load }
    const replies = Object.entries(paced.statuses).map(([code, count]) => `${count} × ${code}`).join(', ') + (paced.errors > 0 ? `, ${paced.errors} errors` : '')
    return `| ${name === INLINE ? `control: ${INLINE}` : name} | ${paced.p50.toFixed(1)} ms | ${paced.p99.toFixed(1)} ms | ${paced.max.toFixed(1)} ms | ${replies} | ${name === INLINE ? '' : paced.p99 < 20 && paced.errors === 0 ? 'met' : 'not met'} | ${burst.p99} ms |`
  })
])
log('wrote its section of bench/results.md')
