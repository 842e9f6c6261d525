/**
 * `npm run bench`: checks every server, times them over HTTP in interleaved rounds, runs the long
 * memory run and the micro benchmark, spends the time left on extra rounds of the comparisons still
 * undecided, profiles each goal whose median misses; then writes
 * bench/results.md, bench/chart.svg and docs/benchmarks.md from the numbers.
 */
import { writeFileSync } from 'node:fs'
import { analyse, type Samples } from './lib/analyse.js'
import { throughputChart } from './lib/chart.js'
import { checkServer } from './lib/check.js'
import { CONFIG } from './lib/config.js'
import { evaluateGoals, undecidedRuns, type Run } from './lib/goals.js'
import { load, loadMeasured } from './lib/load.js'
import { memoryRun, type MemoryResult } from './lib/memory.js'
import { profileServer } from './lib/profile.js'
import { benchmarksDoc, resultsMarkdown, type CheckOutcome, type ProfilePair } from './lib/report.js'
import { requestSet } from './lib/requests.js'
import { ownSections } from './lib/sections.js'
import { SERVERS, type ServerSpec } from './lib/servers.js'
import { pin, spawnServer, type ServerProcess } from './lib/spawn.js'
import { WORKLOADS } from './lib/workloads.js'
import { runMicro } from './micro/run.js'

const started = Date.now()
const date = new Date()
const phases: Record<string, number> = {}
let phaseStart = Date.now()
const phase = (name: string): void => {
  phases[name] = (phases[name] ?? 0) + (Date.now() - phaseStart) / 1000
  phaseStart = Date.now()
}
const log = (line: string): void => { console.log(`[${((Date.now() - started) / 1000).toFixed(0).padStart(4)} s] ${line}`) }

// One core for the servers, one for the load generator (this process).
const pinned = pin(process.pid, 0)

const running = new Map<string, { spec: ServerSpec, server: ServerProcess }>()
const checks = new Map<string, CheckOutcome>()

/**
 * Starts every server not refused yet in a fresh process, checks it and warms it on both paths.
 * Every round gets new processes: one process can run 10 % slower than another of the same code
 * for its whole life, so rounds on one process would repeat its luck instead of averaging it out.
 */
async function startRound (round: number, only?: ReadonlySet<string>): Promise<void> {
  for (const spec of SERVERS) {
    if (checks.get(spec.name)?.ok === false || (only !== undefined && !only.has(spec.name))) continue
    let server: ServerProcess | undefined
    try {
      server = await spawnServer(spec.name, { cpu: 1 })
      const check = await checkServer(server.url, spec.scheme, spec.role !== 'ceiling')
      if (!check.ok || round === 1) checks.set(spec.name, { spec, ...check })
      if (check.ok) running.set(spec.name, { spec, server })
      else await server.close()
      if (round === 1 || !check.ok) log(`${spec.name}: ${check.ok ? 'passed' : `REFUSED in round ${round}`} (${check.lines.join('; ')})`)
    } catch (err) {
      await server?.close()
      checks.set(spec.name, { spec, ok: false, lines: [`did not start in round ${round}: ${(err as Error).message.split('\n')[0] ?? ''}`] })
      log(`${spec.name}: REFUSED, did not start`)
    }
  }
  for (const { spec, server } of running.values()) {
    const set = requestSet(spec.scheme, 1024)
    await load(server.url, [set.genuine, set.forged, requestSet(spec.scheme, 64 * 1024).genuine], { seconds: CONFIG.warmup })
  }
}

/**
 * The running servers in this round's order: rotated by one place each round and reversed every other
 * round, so that no server always runs first, last, or right after the same neighbour.
 */
function roundOrder (round: number): Array<{ spec: ServerSpec, server: ServerProcess }> {
  const list = [...running.values()]
  const shift = (round - 1) % Math.max(1, list.length)
  const rotated = [...list.slice(shift), ...list.slice(0, shift)]
  return round % 2 === 0 ? rotated.reverse() : rotated
}

/** Times the running servers on each workload (those `wanted` only, when given), as round `round`. */
async function timeRound (round: number, samples: Samples, wanted?: readonly Run[]): Promise<void> {
  for (const workload of WORKLOADS) {
    const byServer = (samples[workload.id] ??= {})
    const line: string[] = []
    for (const { spec, server } of roundOrder(round)) {
      if (wanted !== undefined && !wanted.some((run) => run.workload === workload.id && run.server === spec.name)) continue
      // Built now: Bread's and Standard Webhooks' signed timestamps must be fresh.
      const result = await loadMeasured(server, workload.pick(requestSet(spec.scheme, workload.bytes)), { seconds: CONFIG.duration })
      ;(byServer[spec.name] ??= []).push({ ...result, round })
      line.push(`${spec.name} ${Math.round(result.rps)}`)
    }
    if (line.length > 0) log(`round ${round}${round <= CONFIG.rounds ? `/${CONFIG.rounds}` : ' (settling)'} ${workload.label}: ${line.join(', ')}`)
  }
}

async function stopRound (): Promise<void> {
  for (const { server } of running.values()) await server.close()
  running.clear()
}

try {
  const samples: Samples = {}
  for (let round = 1; round <= CONFIG.rounds; round++) {
    await startRound(round)
    phase('start, check, warm-up (every round)')
    await timeRound(round, samples)
    await stopRound()
    phase('throughput')
  }
  let memory: MemoryResult | undefined
  try {
    memory = await memoryRun()
    log(`memory: RSS ${(memory.before.rss / 2 ** 20).toFixed(1)} → ${(memory.after.rss / 2 ** 20).toFixed(1)} MiB over ${memory.requests} requests`)
  } catch (err) {
    log(`memory run failed: ${(err as Error).message}`)
  }
  phase('memory')

  const micro = await runMicro()
  log('micro benchmark done')
  phase('micro')

  // Settling: with the time left, more rounds of only the runs some goal could not decide, so its
  // interval narrows. The set is chosen once and kept until the time is up: stopping each comparison
  // as soon as its interval cleared the threshold would pick the rounds by peeking at them. Fresh
  // processes again; a round pairs whatever it measured together.
  // A round starts only if it should end by settleUntil: the first is estimated from the timed
  // rounds (their time per run, for as many runs as it repeats), each later one from the one before.
  const wanted = undecidedRuns(evaluateGoals(analyse(samples), samples, memory, micro))
  const runsPerRound = Object.values(samples).reduce((runs, byServer) => runs + Object.keys(byServer).length, 0)
  const secondsPerRound = ((phases.throughput ?? 0) + (phases['start, check, warm-up (every round)'] ?? 0)) / CONFIG.rounds
  let estimate = secondsPerRound * wanted.length / Math.max(1, runsPerRound)
  let settling = 0
  for (let round = CONFIG.rounds + 1; wanted.length > 0 && (Date.now() - started) / 1000 + estimate < CONFIG.settleUntil; round++) {
    const roundStarted = Date.now()
    await startRound(round, new Set(wanted.map((run) => run.server)))
    await timeRound(round, samples, wanted)
    await stopRound()
    estimate = (Date.now() - roundStarted) / 1000
    settling++
  }
  phase('settling rounds')

  // A server refused in a later round is left out of the tables entirely.
  for (const [name, check] of checks) if (!check.ok) for (const byServer of Object.values(samples)) delete byServer[name]
  const tables = analyse(samples)
  const goals = evaluateGoals(tables, samples, memory, micro)
  const profiles: ProfilePair[] = []
  for (const goal of goals) {
    if (goal.profile === undefined) continue
    const { server, reference, workload } = goal.profile
    const spec = SERVERS.find((s) => s.name === server)
    const refSpec = SERVERS.find((s) => s.name === reference)
    if (spec === undefined || refSpec === undefined) continue
    try {
      const subject = await profileServer(server, spec.scheme, workload.bytes, workload.label, workload.pick)
      const ref = reference === server ? undefined : await profileServer(reference, refSpec.scheme, workload.bytes, workload.label, workload.pick)
      profiles.push({ goal: goal.title, subject, reference: ref })
      log(`profiled ${server}${ref === undefined ? '' : ` and ${reference}`} (${workload.label})`)
    } catch (err) {
      log(`profile of ${server} failed: ${(err as Error).message}`)
    }
  }
  phase('profiles')

  const input = { date, totalSeconds: 0, pinned, checks: [...checks.values()], tables, goals, memory, profiles, micro, phases, settling }
  writeFileSync(new URL('./chart.svg', import.meta.url), throughputChart(tables, CONFIG.rounds))
  const totalSeconds = (Date.now() - started) / 1000
  // The sections other scripts write (bench/queue.ts, bench/forged.ts) are kept as they are.
  const kept = ownSections()
  writeFileSync(new URL('./results.md', import.meta.url), resultsMarkdown({ ...input, totalSeconds }) + kept.map((section) => `\n${section}\n`).join(''))
  writeFileSync(new URL('../docs/benchmarks.md', import.meta.url), benchmarksDoc({ ...input, totalSeconds }))
  for (const goal of goals) log(`${goal.verdict.toUpperCase().padEnd(12)} ${goal.title}`)
  log(`wrote bench/results.md, bench/chart.svg and docs/benchmarks.md in ${(totalSeconds / 60).toFixed(1)} min`)
} finally {
  await stopRound()
}
