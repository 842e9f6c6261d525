import { readFileSync } from 'node:fs'
import os from 'node:os'
import { rowOf, type Row, type Table } from './analyse.js'
import { CONFIG } from './config.js'
import { fmtRatio, type Goal, type Verdict } from './goals.js'
import type { MemoryResult } from './memory.js'
import type { ProfileEntry, ProfileSummary } from './profile.js'
import { SERVERS, type ServerSpec } from './servers.js'
import { stageTimes } from './stages.js'
import type { MicroResult, MicroRows } from '../micro/run.js'
import { SIZE_WORKLOADS } from './workloads.js'

export interface CheckOutcome {
  readonly spec: ServerSpec
  readonly ok: boolean
  readonly lines: readonly string[]
}

export interface ProfilePair {
  readonly goal: string
  readonly subject: ProfileSummary
  readonly reference: ProfileSummary | undefined
}

export interface ReportInput {
  readonly date: Date
  readonly totalSeconds: number
  readonly pinned: boolean
  readonly checks: readonly CheckOutcome[]
  readonly tables: readonly Table[]
  readonly goals: readonly Goal[]
  readonly memory: MemoryResult | undefined
  readonly profiles: readonly ProfilePair[]
  readonly micro: readonly MicroResult[]
  readonly phases: Readonly<Record<string, number>>
  /** Extra rounds timed for the comparisons the regular rounds left undecided. */
  readonly settling: number
}

const int = (n: number): string => Math.round(n).toLocaleString('en')
const us = (ns: number): string => (ns / 1000).toFixed(ns < 10_000 ? 2 : ns < 1e6 ? 1 : 0)
const VERDICT_TEXT: Readonly<Record<Verdict, string>> = { met: 'met', 'not met': '**not met**', undecided: '**undecided**', 'not measured': 'not measured' }

function version (pkg: string): string {
  try {
    return (JSON.parse(readFileSync(new URL(`../../node_modules/${pkg}/package.json`, import.meta.url), 'utf8')) as { version: string }).version
  } catch {
    return '?'
  }
}

function ceilingRps (input: ReportInput): string {
  const row = rowOf(input.tables.find((t) => t.workload.id === 'genuine-1k'), 'bare-fastify')
  return row === undefined ? 'n/a' : Math.round(row.rps).toLocaleString('en')
}

function machine (input: ReportInput): string[] {
  const cpus = os.cpus()
  return [
    `- Date: ${input.date.toISOString()}`,
    `- Machine: ${cpus.length} × ${cpus[0]?.model.trim() ?? 'unknown CPU'}, ${(os.totalmem() / 2 ** 30).toFixed(1)} GiB RAM, ${os.type()} ${os.release()}`,
    `- The machine's yardstick: bare-fastify at 1 KiB ran ${ceilingRps(input)} req/s (median). Compare it with other runs on the same kind of machine before comparing anything else: a shared host can be several times slower and far noisier at times, and then the intervals below are wide and most verdicts undecided`,
    `- Node ${process.version}; fastify ${version('fastify')}, express ${version('express')}, autocannon ${version('autocannon')}, jose ${version('jose')}, ajv ${version('ajv')}, @octokit/webhooks ${version('@octokit/webhooks')}, standardwebhooks ${version('standardwebhooks')}, cloudevents ${version('cloudevents')}, fastify-raw-body ${version('fastify-raw-body')}`,
    `- Load: autocannon in the parent process, ${CONFIG.connections} connections, no pipelining, 127.0.0.1 only; ${CONFIG.rounds} rounds × ${CONFIG.duration} s per server and workload, rounds interleaved across servers and workloads, the servers' order rotated by one place each round and reversed every other round (so no server always runs first, last or after the same neighbour); every round starts each server in a fresh process (one process can run 10 % slower than another of the same code for its whole life), checks it and warms it for ${CONFIG.warmup} s; then, until ${CONFIG.settleUntil} s into the run, ${input.settling} settling round${input.settling === 1 ? '' : 's'} of only the servers and workloads whose comparison those rounds left undecided (the set is fixed then, not re-chosen after each round, so no comparison stops the moment its interval looks decided; choosing it still looks at the data once, which makes the stated confidence of a comparison decided only after settling somewhat optimistic)`,
    `- Each server in its own Node process${input.pinned ? ', pinned to CPU 1 (taskset); the load generator pinned to CPU 0' : ' (taskset unavailable: not pinned)'}`,
    `- Whole \`npm run bench\`: ${(input.totalSeconds / 60).toFixed(1)} min (${Object.entries(input.phases).map(([k, v]) => `${k} ${v.toFixed(0)} s`).join(', ')})`
  ]
}

function throughputTable (table: Table): string[] {
  const lines = [
    `### ${table.workload.label}`,
    '',
    '| server | rounds | req/s (median) | range | p50 ms | p99 ms | × bare-fastify | × optimum | × own optimum | server CPU µs/req | CPU: own optimum ÷ this | unexpected |',
    '|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|'
  ]
  for (const row of table.rows) {
    const name = row.spec.role === 'hookgate' || row.spec.role === 'optimum' ? `**${row.spec.name}**` : row.spec.name
    const own = row.spec.optimum === 'optimum' ? '' : `${fmtRatio(row.vsOwnOptimum)} (bread-optimum)`
    lines.push(`| ${name} | ${row.rounds} | ${int(row.rps)} | ${int(row.rpsMin)}–${int(row.rpsMax)} (±${(((row.rpsMax - row.rpsMin) / 2 / row.rps) * 100).toFixed(0)} %) | ${row.p50} | ${row.p99} | ${fmtRatio(row.vsBare)} | ${fmtRatio(row.vsOptimum)} | ${own} | ${row.cpuUs === undefined ? 'n/a' : row.cpuUs.toFixed(1)} | ${fmtRatio(row.cpuVsOwnOptimum)} | ${row.unexpected} |`)
  }
  return [...lines, '']
}

function entries (title: string, subject: readonly ProfileEntry[], reference: readonly ProfileEntry[] | undefined, names: [string, string]): string[] {
  const ref = new Map((reference ?? []).map((e) => [e.name, e]))
  const lines = [`| ${title} | ${names[0]} µs/req | share |${reference === undefined ? '' : ` ${names[1]} µs/req |`}`, `|---|---:|---:|${reference === undefined ? '' : '---:|'}`]
  for (const e of subject) {
    const r = ref.get(e.name)
    lines.push(`| ${e.name.replace(/\|/g, '\\|')} | ${e.usPerRequest.toFixed(2)} | ${(e.share * 100).toFixed(1)} % |${reference === undefined ? '' : ` ${r === undefined ? '–' : r.usPerRequest.toFixed(2)} |`}`)
  }
  return lines
}

/** The receiving code, whichever file holds it (hookgate's src/, or a bench server's own): builtins such as JSON.parse count where they are called, so only together do the two compare. */
const RECEIVING_CODE = 'the receiving code (hookgate src/, or the bench server)'

function comparableAreas (areas: readonly ProfileEntry[]): Map<string, number> {
  const totals = new Map<string, number>()
  for (const a of areas) {
    const name = a.name.startsWith('hookgate src/') || a.name.startsWith('bench ') ? RECEIVING_CODE : a.name
    totals.set(name, (totals.get(name) ?? 0) + a.usPerRequest)
  }
  return totals
}

function profileSection (pair: ProfilePair): string[] {
  const { subject, reference } = pair
  const lines = [`### ${pair.goal}: ${subject.server}${reference !== undefined && reference.server !== subject.server ? ` vs ${reference.server}` : ''}, ${subject.label}`, '']
  lines.push(`\`node --cpu-prof\` on the server process, ${CONFIG.profileSeconds} s of load after warm-up; self time of the sampled functions (idle excluded), per request.`, '')
  lines.push(`- ${subject.server}: ${subject.usPerRequest.toFixed(1)} µs of CPU per request (${int(subject.rps)} req/s while profiled)`)
  if (reference !== undefined && reference.server !== subject.server) {
    lines.push(`- ${reference.server}: ${reference.usPerRequest.toFixed(1)} µs of CPU per request (${int(reference.rps)} req/s while profiled); difference ${(subject.usPerRequest - reference.usPerRequest).toFixed(1)} µs`)
    const mine = comparableAreas(subject.areas)
    const theirs = comparableAreas(reference.areas)
    const diffs = [...new Set([...mine.keys(), ...theirs.keys()])]
      .map((name) => ({ name, diff: (mine.get(name) ?? 0) - (theirs.get(name) ?? 0) }))
      .filter((d) => Math.abs(d.diff) > 0.5)
      .sort((a, b) => b.diff - a.diff)
    const listed = (ds: typeof diffs): string => ds.length === 0 ? 'none' : ds.map((d) => `${d.name} ${d.diff > 0 ? '+' : '−'}${Math.abs(d.diff).toFixed(1)}`).join(', ')
    lines.push(`- areas that differ by more than 0.5 µs/request from ${reference.server} (one profile each: a difference under about 1 µs is within its noise): more in ${listed(diffs.filter((d) => d.diff > 0))}; less in ${listed(diffs.filter((d) => d.diff < 0))}`)
  }
  lines.push('', ...entries('area', subject.areas, reference?.server === subject.server ? undefined : reference?.areas, [subject.server, reference?.server ?? '']), '')
  lines.push(...entries('function (self time)', subject.functions, undefined, [subject.server, '']), '')
  if (reference !== undefined && reference.server !== subject.server) lines.push(...entries(`function (self time), ${reference.server}`, reference.functions, undefined, [reference.server, '']), '')
  lines.push(...entries('receiving code, inclusive time (self + callees)', subject.inclusive, undefined, [subject.server, '']), '')
  if (reference !== undefined && reference.server !== subject.server) lines.push(...entries(`receiving code, inclusive time, ${reference.server}`, reference.inclusive, undefined, [reference.server, '']), '')
  return lines
}

function microTable (micro: readonly MicroResult[], group: 'backchannel' | 'bread'): string[] {
  const names = Object.keys((micro[0]?.[group] ?? {}) as MicroRows)
  const lines = [`| ${group} stage (µs per call) | ${micro.map((m) => m.size).join(' | ')} |`, `|---|${micro.map(() => '---:').join('|')}|`]
  for (const name of names) lines.push(`| ${name} | ${micro.map((m) => us(m[group][name] ?? Number.NaN)).join(' | ')} |`)
  if (group === 'backchannel') {
    lines.push(`| node:crypto HMAC-SHA256 throughput, MB/s | ${micro.map((m) => int(m.bytes / ((m.backchannel['node:crypto HMAC-SHA256 (floor)'] ?? Number.NaN) / 1e9) / 1e6)).join(' | ')} |`)
  }
  return lines
}

/** hookgate's pipeline stages beside the same stage written by hand (bench/lib/stages.ts). */
function stageTable (micro: readonly MicroResult[]): string[] {
  const lines = ['| stage (µs) | ' + micro.map((m) => `${m.size} hookgate | ${m.size} hand`).join(' | ') + ' |', `|---|${micro.map(() => '---:|---:').join('|')}|`]
  const times = micro.map((m) => stageTimes(m.backchannel))
  for (const [i, stage] of (times[0] ?? []).entries()) {
    lines.push(`| ${stage.name} | ${times.map((t) => `${us(t[i]?.hookgate ?? Number.NaN)} | ${t[i]?.hand === undefined ? '–' : us(t[i].hand)}`).join(' | ')} |`)
  }
  return lines
}

/** Bytes allocated per call: deterministic, so a change in hookgate's own work shows even when timings cannot. */
function allocationTable (micro: readonly MicroResult[]): string[] {
  if (micro.every((m) => m.allocated === undefined)) return []
  const kib = (bytes: number | undefined): string => bytes === undefined ? 'n/a' : (bytes / 1024).toFixed(1)
  return [
    '| JS heap allocated per call, KiB (Backchannel, handler + schema) | ' + micro.map((m) => m.size).join(' | ') + ' |',
    `|---|${micro.map(() => '---:').join('|')}|`,
    `| hand: whole pipeline | ${micro.map((m) => kib(m.allocated?.hand)).join(' | ')} |`,
    `| hookgate: receive() | ${micro.map((m) => kib(m.allocated?.receive)).join(' | ')} |`,
    `| difference | ${micro.map((m) => m.allocated === undefined ? 'n/a' : `${m.allocated.receive >= m.allocated.hand ? '+' : ''}${kib(m.allocated.receive - m.allocated.hand)}`).join(' | ')} |`,
    '',
    'Counted in a separate process (hookgate from dist/) by V8\'s sampling heap profiler, collected objects included, over warm calls (20,000 at 1 KiB, 40 at 512 KiB: about 20 MiB of bodies), divided by the calls: an unbiased estimate, within about 1 % from one run to the next. Buffers\' backing stores are outside the JS heap and not counted.'
  ]
}

export function resultsMarkdown (input: ReportInput): string {
  const out: string[] = ['# hookgate benchmark results', '', '_Written by `npm run bench` (bench/run.ts); do not edit by hand._', '', ...machine(input), '']
  out.push('## Servers and correctness', '', 'Each server is checked before it is timed: genuine deliveries of every size → 2xx, a forged one → 401, a genuine one failing the schema → 400. A server that fails is refused and not timed.', '')
  out.push('| server | role | what it is | check |', '|---|---|---|---|')
  for (const c of input.checks) out.push(`| ${c.spec.name} | ${c.spec.role} | ${c.spec.description} | ${c.ok ? 'passed' : `**refused**: ${c.lines.join('; ')}`} |`)
  out.push('', 'hookgate endpoints run with `idempotency: false`: every timed request carries the same event id, so with de-duplication on, all but the first would be answered as duplicates. Loggers are silent everywhere (Fastify `logger: false`; a no-op `log` for hookgate Express and Octokit). Octokit answers a bad signature with 400; its server turns that into 401 in an `onError` hook. The bare-fastify ceiling verifies nothing, so it is checked for 2xx only and accepts forged requests in the mix.', '')
  out.push('## Goals', '')
  for (const goal of input.goals) {
    out.push(`- **${goal.title}**: ${VERDICT_TEXT[goal.verdict]}`)
    for (const d of goal.details) out.push(`  - ${verdictMark(d)}${d.text}`)
  }
  out.push('', `Ratios are medians over rounds of the ratio within each round (both servers measured minutes apart at most). In brackets is the median's confidence interval from the order statistics of the rounds (${CONFIG.rounds}, or the count shown where settling rounds added more), which assumes nothing about how the rounds are distributed: with 6 to 8 rounds it is the lowest and highest round and holds the true median with 97–99 % confidence; with more it narrows to inner rounds at 95 % or more. A goal is met when the whole interval clears its threshold and not met when the whole interval misses it; when the interval holds the threshold it is **undecided** (✗ marks a miss, ? an undecided measurement): the machine's round-to-round noise is larger than the difference, and only more rounds can settle it: the settling rounds add them while the run has time left, and \`BENCH_SETTLE_UNTIL\`, \`BENCH_ROUNDS\` or \`npm run bench:compare\` on the two servers add more.`, '')
  out.push('## Throughput and latency', '', 'Latency resolution is 1 ms (autocannon). "server CPU µs/req" is the server process\'s user + system CPU time (from /proc) over the run divided by its responses: the server\'s own cost, which the client and the machine\'s other load disturb less than req/s. Its ratio is the own optimum\'s CPU per request divided by this server\'s, paired by round, so above 1 means cheaper than the optimum. "unexpected" counts responses other than 2xx (and 401 in the forged mix), socket errors and timeouts over all rounds, and in the forged mix any 401s beyond half the answers (give or take one per connection: genuine ones refused) or short of it (forged ones accepted); a comparison involving a server with unexpected answers on that workload is **not measured**, whatever its speed. "rounds" counts a server\'s rounds on the workload, settling rounds included, and req/s, range and latency cover all of them; "range" is the lowest to highest round, ± half of it relative to the median.', '')
  for (const table of input.tables) out.push(...throughputTable(table))
  out.push('![throughput relative to bare Fastify](chart.svg)', '')
  if (input.memory !== undefined) {
    const m = input.memory
    const mib = (n: number): string => (n / 1048576).toFixed(1)
    out.push('## Memory over a long run', '', `${int(m.requests)} requests (1 KiB, half of them forged) against a fresh \`${m.server}\` process after 20 000 warm-up requests, in ${m.seconds.toFixed(1)} s; statuses ${Object.entries(m.statuses).map(([k, v]) => `${k}: ${int(v)}`).join(', ')}.`, '')
    out.push('| | RSS MiB | heap used after full GC, MiB |', '|---|---:|---:|', `| before | ${mib(m.before.rss)} | ${mib(m.before.heapUsed)} |`, `| after | ${mib(m.after.rss)} | ${mib(m.after.heapUsed)} |`, `| peak during the run | ${mib(m.peakRss)} | |`, '')
  }
  if (input.profiles.length > 0) {
    out.push('## Where the time goes (goals whose median misses)', '')
    for (const pair of input.profiles) out.push(...profileSection(pair))
  }
  out.push('## Micro benchmark (bench/micro, no HTTP)', '', `Median of 3 batches (5 for whole receive() calls) of about ${CONFIG.microMs} ms each, one call at a time. The whole pipeline is \`createReceiver\` (\`hookgate/core\`) with \`idempotency: false\`; its verify, parse, envelope and validate stages are timed directly (the preset's verifier, core/json.ts's parseJson, the preset's envelope, an ajv from \`createAjv\`), and "dispatch and the rest" is the whole minus those (media type, header reads, routing, the handler call with its timeout, the reply object); the hand column's is computed the same way, from its own whole pipeline and stages (the Map lookup, the handler call, the async function). At 64 and 512 KiB that difference is within the batch-to-batch noise of the whole, and can come out negative.`, '')
  out.push(...stageTable(input.micro), '', ...allocationTable(input.micro), '', ...microTable(input.micro, 'backchannel'), '', ...microTable(input.micro, 'bread'), '')
  return `${out.join('\n')}\n`
}

/** ✗ before a measurement that misses its goal, ? before one its rounds cannot decide. */
function verdictMark (detail: Goal['details'][number]): string {
  return detail.verdict === 'not met' ? '✗ ' : detail.verdict === 'undecided' ? '? ' : ''
}

function headline (tables: readonly Table[], name: string): string[] {
  return SIZE_WORKLOADS.map((w) => {
    const row: Row | undefined = tables.find((t) => t.workload.id === w.id)?.rows.find((r) => r.spec.name === name)
    return row === undefined ? 'n/a' : `${int(row.rps)} (${row.vsOwnOptimum?.median.toFixed(2) ?? 'n/a'}×)`
  })
}

function calibrationNote (): string {
  const calibration = SERVERS.find((s) => s.role === 'calibration')
  return calibration?.extraUs === undefined ? '' : ` \`${calibration.name}\` is a calibration server, not a contender: the optimum plus ${calibration.extraUs} µs of busy work per accepted request, so its ratio shows, in the same run, what a known small cost per request does to these ratios.`
}

export function benchmarksDoc (input: ReportInput): string {
  const out: string[] = ['# Benchmarks', '', '_Generated by `npm run bench` from its last run; the full tables are in [bench/results.md](../bench/results.md)._', '']
  out.push(`hookgate is measured over HTTP against bare Fastify (no verification: the ceiling), a hand-written Fastify receiver doing the same work (the practical limit, "optimum"), and peer libraries doing the same job, with bodies of 1 KiB, 64 KiB and 512 KiB and a mix with 50 % forged requests. Every server runs in its own process, a fresh one each round, and is checked for correct answers (2xx, 401, 400) before it is timed. Last run: ${input.date.toISOString().slice(0, 10)}, Node ${process.version}, ${os.cpus().length} cores, ${CONFIG.rounds} interleaved rounds of ${CONFIG.duration} s, ${CONFIG.connections} connections, then settling rounds for the comparisons still undecided while the run has time (a ratio names its count of rounds where they added some; ✗ marks a measurement that misses its goal, ? one its rounds cannot decide).${calibrationNote()}`, '')
  out.push('![Throughput of each server relative to bare Fastify at 1, 64 and 512 KiB](../bench/chart.svg)', '')
  out.push(`| server | ${SIZE_WORKLOADS.map((w) => `${w.label} req/s (× own optimum)`).join(' | ')} |`, `|---|${SIZE_WORKLOADS.map(() => '---:').join('|')}|`)
  for (const c of input.checks) out.push(`| ${c.spec.name} | ${c.ok ? headline(input.tables, c.spec.name).join(' | ') : SIZE_WORKLOADS.map(() => 'refused').join(' | ')} |`)
  out.push('', 'Each "× own optimum" is the median over rounds of the ratio measured within one round, not the ratio of the req/s medians beside it (a server\'s rounds and its optimum\'s can differ in number).')
  out.push('', '"Own optimum" is `optimum` (HMAC) for every server except hookgate-bread and bread-optimum, measured against `bread-optimum` (jose + Basic): each server is held to the hand-written receiver of its own scheme. It is a jose-based limit, not a practical one: jose\'s `flattenedVerify` base64url-encodes the body, verifies through WebCrypto asynchronously and decodes the payload back, where hookgate computes one HMAC over the signing input (the micro benchmark shows both beside the `node:crypto` floor). A ratio far above 1 says hookgate avoids that work, not that it is close to a limit. The memory goal and the micro benchmark\'s forged ≤ genuine lines rest on single measurements, without an interval.', '')
  out.push('## Goals', '')
  for (const goal of input.goals) {
    // Every measurement behind the verdict and the lines that say why; the other informative lines are in results.md.
    out.push(`- ${goal.title}: ${VERDICT_TEXT[goal.verdict]}`)
    for (const d of goal.details) if (d.verdict !== undefined || d.explains === true) out.push(`  - ${verdictMark(d)}${d.text}`)
  }
  out.push('', '## Running it', '', '```sh', `npm run bench        # ${(input.totalSeconds / 60).toFixed(1)} min in the last run (2 cores); writes bench/results.md, bench/chart.svg and this page`, 'npm run build && TSX_TSCONFIG_PATH=bench/tsconfig.run.json node --import tsx bench/micro/run.ts   # the micro benchmark alone, hookgate from dist/', 'npm run bench:compare -- optimum hookgate-backchannel [--kib 64] [--forged] [--profile]   # a quick interleaved A/B of named servers (no report)', 'npm run bench:instructions [-- --kib 64] [servers…]   # instructions per request under valgrind, which machine noise hardly moves, and per receive() call against hand code (--in-process: that only); JavaScript named by function; writes bench/instructions.md', '```', '')
  out.push('`BENCH_DURATION`, `BENCH_ROUNDS`, `BENCH_SETTLE_UNTIL`, `BENCH_WARMUP`, `BENCH_CONNECTIONS`, `BENCH_MEMORY_REQUESTS`, `BENCH_PROFILE_SECONDS` and `BENCH_MICRO_MS` override the defaults in `bench/lib/config.ts`. The servers are in `bench/servers/`, one file each. hookgate endpoints run with `idempotency: false` because every timed request carries the same event id. The benchmark is not part of `npm test` or CI, and no test asserts a timing.', '')
  return `${out.join('\n')}\n`
}
