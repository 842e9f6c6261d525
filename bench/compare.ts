/**
 * `npm run bench:compare -- <server> <server> … [--kib N] [--forged]`: a quick A/B look while tuning.
 * Starts only the servers named (files in bench/servers/; one not in the report runs as --scheme's hookgate server), checks each, then times them in interleaved
 * rounds (BENCH_ROUNDS, BENCH_DURATION; fresh processes each round) at one body size and prints each round, the median ratios
 * (with their confidence interval, as in the report) to the first server and each server's CPU time per request (from /proc); with --profile it prints where each server's CPU goes instead. Writes no report: `npm run bench` is the record.
 */
import { parseArgs } from 'node:util'
import { checkServer } from './lib/check.js'
import { CONFIG } from './lib/config.js'
import { load, loadMeasured } from './lib/load.js'
import { profileServer } from './lib/profile.js'
import { requestSet, type Scheme } from './lib/requests.js'
import { SERVERS, serverSpec, type ServerSpec } from './lib/servers.js'
import { median, medianInterval } from './lib/timing.js'
import { pin, spawnServer, type ServerProcess } from './lib/spawn.js'

const { values, positionals } = parseArgs({ allowPositionals: true, options: { kib: { type: 'string', default: '1' }, forged: { type: 'boolean', default: false }, scheme: { type: 'string', default: 'backchannel' }, profile: { type: 'boolean', default: false } } })
const bytes = Math.round(Number(values.kib) * 1024)
if (!Number.isFinite(bytes) || bytes <= 0) throw new TypeError('--kib must be a positive number')
if (positionals.length === 0) throw new TypeError(`name the servers to compare: ${SERVERS.map((s) => s.name).join(', ')}`)
const specs = positionals.map((name) => serverSpec(name, values.scheme as Scheme))

pin(process.pid, 0)
if (values.profile) {
  // Where each server's CPU goes, per request (self time by area and by function).
  for (const spec of specs) {
    const summary = await profileServer(spec.name, spec.scheme, bytes, `${values.kib} KiB`, (set) => values.forged ? [set.genuine, set.forged] : [set.genuine])
    console.log(`\n${spec.name}: ${Math.round(summary.rps)} req/s, ${summary.usPerRequest.toFixed(1)} µs CPU per request`)
    for (const entry of [...summary.areas, ...summary.functions, ...summary.inclusive]) console.log(`  ${entry.usPerRequest.toFixed(2).padStart(7)} µs  ${entry.name}`)
  }
  process.exit(0)
}
// A fresh process per server per round: one process can run 10 % slower than another of the same
// code for its whole life (seen with three copies of one server), so rounds on one process would
// repeat its luck instead of averaging it out.
const servers: ServerProcess[] = []
async function start (spec: ServerSpec, check: boolean): Promise<ServerProcess> {
  const server = await spawnServer(spec.name, { cpu: 1 })
  servers.push(server)
  if (check) {
    const outcome = await checkServer(server.url, spec.scheme, spec.role !== 'ceiling')
    if (!outcome.ok) throw new Error(`${spec.name} failed its check: ${outcome.lines.join('; ')}`)
  }
  const set = requestSet(spec.scheme, bytes)
  await load(server.url, [set.genuine, set.forged], { seconds: CONFIG.warmup })
  return server
}
try {
  const rps: number[][] = specs.map(() => [])
  const cpu: number[][] = specs.map(() => [])
  for (let round = 1; round <= CONFIG.rounds; round++) {
    const started: ServerProcess[] = []
    for (const spec of specs) started.push(await start(spec, round === 1))
    const line: string[] = []
    for (const [i, spec] of specs.entries()) {
      const set = requestSet(spec.scheme, bytes)
      const server = started[i] as ServerProcess
      const result = await loadMeasured(server, values.forged ? [set.genuine, set.forged] : [set.genuine], { seconds: CONFIG.duration })
      const usPerRequest = result.cpuUs ?? Number.NaN
      rps[i]?.push(result.rps)
      cpu[i]?.push(usPerRequest)
      line.push(`${spec.name} ${Math.round(result.rps)} (${usPerRequest.toFixed(1)} µs)`)
    }
    for (const server of servers.splice(0)) await server.close()
    console.log(`round ${round}: ${line.join(', ')}`)
  }
  const base = rps[0] ?? []
  for (const [i, spec] of specs.entries()) {
    const mine = rps[i] ?? []
    const ratios = mine.map((r, k) => r / (base[k] ?? r))
    const { low, high, confidence } = medianInterval(ratios)
    console.log(`${spec.name.padEnd(32)} ${Math.round(median(mine)).toString().padStart(7)} req/s  ×${specs[0]?.name ?? ''} ${median(ratios).toFixed(3)} (${(confidence * 100).toFixed(0)} % interval ${low.toFixed(3)}–${high.toFixed(3)})  CPU ${median(cpu[i] ?? []).toFixed(1)} µs/request`)
  }
} finally {
  for (const server of servers) await server.close()
}
