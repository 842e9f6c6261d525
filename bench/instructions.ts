/**
 * `npm run bench:instructions [-- --kib N] [--requests N] [--warmup N] [--calls N] [--pipelines a,b] [--in-process] [--reference server] [--rows N] [server …]`
 * (a server is any file of bench/servers/, an unlisted experiment too): the instructions each server executes per request, counted by valgrind (callgrind) with the same
 * autocannon load as the benchmark; and, without HTTP, the instructions, simulated cache misses and
 * mispredicted branches per call of receive() and of the same job written by hand
 * (bench/micro/repeat.ts). Unlike req/s, the counts hardly depend on how busy the machine is, so
 * they rank code about two thousand instructions apart (about a quarter of a microsecond) where
 * timing cannot. They are not time: the GC's work is counted but not its pauses, syscalls are not,
 * and cache misses only as simulated, so the goals stay judged on req/s.
 *
 * Each server or pipeline runs twice under valgrind, at once: both runs do the same warm-up, one then
 * serves `--requests` more (or makes `--calls` more calls), and the difference, divided by them, is
 * the cost of a warm request (`--warmup` is the servers'; a pipeline warms up for 20,000 calls;
 * `--in-process`: the pipelines only). V8 runs with --predictable (compilation and GC on the main
 * thread), so that two runs count alike, and with --perf-basic-prof, whose map names the JavaScript
 * functions valgrind cannot. Servers are compared with `--reference` (optimum unless named), by
 * function in the `--rows` largest differences. Writes bench/instructions.md. Needs
 * valgrind (Debian: apt-get install valgrind); takes 1 to 2.5 minutes per server or pipeline at
 * 1 KiB, on 2 cores.
 */
import { execFile, execFileSync } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs, promisify } from 'node:util'
import { callgrindPid, eventTotals, functionCounts, parsePerfMap, type FunctionCounts } from './lib/callgrind.js'
import { CONFIG } from './lib/config.js'
import { load } from './lib/load.js'
import { requestSet, type Scheme } from './lib/requests.js'
import { serverSpec } from './lib/servers.js'
import { DIST_ENV, spawnServer } from './lib/spawn.js'
import { PIPELINES, type Pipeline } from './micro/repeat.js'

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    kib: { type: 'string', default: '1' },
    requests: { type: 'string', default: '20000' },
    warmup: { type: 'string', default: '10000' },
    calls: { type: 'string', default: '20000' },
    pipelines: { type: 'string', default: Object.keys(PIPELINES).join(',') },
    reference: { type: 'string', default: 'optimum' },
    rows: { type: 'string', default: '15' },
    'in-process': { type: 'boolean', default: false }
  }
})
const bytes = Math.round(Number(values.kib) * 1024)
const requests = Number(values.requests)
const calls = Number(values.calls)
if (!Number.isFinite(bytes) || bytes <= 0) throw new TypeError('--kib must be a positive number')
if (!Number.isSafeInteger(requests) || requests <= 0) throw new TypeError('--requests must be a positive integer')
if (!Number.isSafeInteger(calls) || calls <= 0) throw new TypeError('--calls must be a positive integer')
if (!Number.isSafeInteger(Number(values.warmup)) || Number(values.warmup) < 0) throw new TypeError('--warmup must be a whole number')
const WARMUP = Number(values.warmup)
const ROWS = Number(values.rows)
if (!Number.isSafeInteger(ROWS) || ROWS <= 0) throw new TypeError('--rows must be a positive integer')
/** Calls before the counted ones, in process: enough for every function on the path to be optimised. */
const CALL_WARMUP = 20_000
/**
 * Seconds a request may take under valgrind, which runs Node 20 to 50 times slower: at 512 KiB and
 * 16 connections, early requests (while valgrind translates code it has not seen and V8 has not yet
 * optimised it) took longer than autocannon's usual 20 s, and the run stopped on the missing responses.
 */
const VALGRIND_TIMEOUT = 300
/** V8's optimising compiler: one-off work that, with --predictable, runs on the main thread and lands in whichever run reaches it. */
const TURBOFAN = 'v8::internal::compiler::'
const names = values['in-process'] ? [] : positionals.length > 0 ? positionals : ['bare-fastify', 'optimum', 'hookgate-backchannel']
if (names.length > 1 && !names.includes(values.reference)) throw new TypeError(`--reference ${values.reference} is not among the servers to count: ${names.join(', ')}`)
const specs = names.map((name) => serverSpec(name, 'backchannel'))
const pipelines = (values.pipelines === '' ? [] : values.pipelines.split(',')).map((name) => {
  if (!Object.hasOwn(PIPELINES, name)) throw new TypeError(`unknown pipeline "${name}": ${Object.keys(PIPELINES).join(', ')}`)
  return name as Pipeline
})

try {
  execFileSync('valgrind', ['--version'], { stdio: 'ignore' })
} catch {
  console.error('valgrind is not installed (Debian: apt-get install valgrind)')
  process.exit(1)
}

const work = mkdtempSync(join(tmpdir(), 'hookgate-instructions-'))
const REPEAT = fileURLToPath(new URL('./micro/repeat.ts', import.meta.url))
/**
 * Node's flags under valgrind: the same work in both runs, and a map that names the JIT-compiled
 * code. That also turns V8's log on, which goes to the work directory (with /dev/null as its file,
 * V8 writes it to stdout; without a file, an isolate-*.log per process lands here).
 */
const NODE_FLAGS = ['--predictable', '--perf-basic-prof', `--logfile=${join(work, 'v8.log')}`, '--no-logfile-per-isolate']

/** Valgrind's command; `simulate` adds its cache and branch-predictor simulation (slower). */
function callgrind (out: string, simulate = false): string[] {
  const simulation = simulate ? ['--cache-sim=yes', '--branch-sim=yes'] : []
  return ['valgrind', '--tool=callgrind', ...simulation, '--dump-instr=yes', '--compress-pos=no', '--compress-strings=no', `--callgrind-out-file=${out}`, '--log-file=/dev/null']
}

/** What one finished run executed: instructions by function, and the run's total of each event. */
interface RunCounts {
  readonly functions: FunctionCounts
  readonly events: ReadonlyMap<string, number>
}

/** The counts of one finished run, its JavaScript named from the perf map the process left (then removed). */
function countsOf (out: string): RunCounts {
  const text = readFileSync(out, 'utf8')
  const mapFile = `/tmp/perf-${callgrindPid(text) ?? 0}.map`
  const perfMap = existsSync(mapFile) ? parsePerfMap(readFileSync(mapFile, 'utf8')) : []
  rmSync(mapFile, { force: true })
  return { functions: functionCounts(text, perfMap), events: eventTotals(text) }
}

/** One server under valgrind: the warm-up, then `extra` genuine requests. */
async function serverRun (name: string, scheme: Scheme, extra: number): Promise<RunCounts> {
  const out = join(work, `${name}.${extra}.out`)
  const server = await spawnServer(name, { wrapper: callgrind(out), nodeArgs: NODE_FLAGS })
  try {
    const { genuine } = requestSet(scheme, bytes)
    for (const amount of [WARMUP, extra]) {
      if (amount === 0) continue
      const result = await load(server.url, [genuine], { amount }, VALGRIND_TIMEOUT)
      const accepted = Object.entries(result.statuses).filter(([status]) => status.startsWith('2')).reduce((sum, [, count]) => sum + count, 0)
      if (accepted !== amount) throw new Error(`${name}: ${accepted} of ${amount} genuine requests accepted (${JSON.stringify(result.statuses)})`)
    }
  } finally {
    await server.close()
  }
  return countsOf(out)
}

/** One pipeline under valgrind, in a process of its own, with cache simulation: the warm-up, then `extra` calls. */
async function pipelineRun (name: Pipeline, extra: number): Promise<RunCounts> {
  const out = join(work, `${name}.${extra}.out`)
  const [command = 'valgrind', ...args] = callgrind(out, true)
  const nodeArgs = [...NODE_FLAGS, '--import', 'tsx', REPEAT, name, String(bytes), String(extra), String(CALL_WARMUP)]
  await promisify(execFile)(command, [...args, process.execPath, ...nodeArgs], { env: DIST_ENV })
  return countsOf(out)
}

interface Counted {
  readonly name: string
  /** Everything but the optimising compiler, per request or call. */
  readonly each: number
  readonly compiler: number
  readonly byFunction: ReadonlyMap<string, number>
  /** Each event callgrind collected (all of them, the compiler's work included), per request or call. */
  readonly events: ReadonlyMap<string, number>
}

/** What the `amount` extra requests or calls of `loaded` cost each, key by key. */
function perUnit (base: ReadonlyMap<string, number>, loaded: ReadonlyMap<string, number>, amount: number): Map<string, number> {
  const each = new Map<string, number>()
  for (const key of new Set([...base.keys(), ...loaded.keys()])) each.set(key, ((loaded.get(key) ?? 0) - (base.get(key) ?? 0)) / amount)
  return each
}

/** Runs `run` with none and with `amount` more requests or calls at once, and counts what the `amount` cost each. */
async function counted (name: string, amount: number, run: (extra: number) => Promise<RunCounts>): Promise<Counted> {
  const started = Date.now()
  const [base, loaded] = await Promise.all([run(0), run(amount)])
  const byFunction = perUnit(base.functions, loaded.functions, amount)
  let each = 0
  let compiler = 0
  for (const [fn, count] of byFunction) {
    if (fn.includes(TURBOFAN)) compiler += count
    else each += count
  }
  console.log(`${name}: ${Math.round(each).toLocaleString('en-US')} instructions each, and ${Math.round(compiler).toLocaleString('en-US')} compiling (${Math.round((Date.now() - started) / 1000)} s)`)
  return { name, each, compiler, byFunction, events: perUnit(base.events, loaded.events, amount) }
}

const servers: Counted[] = []
for (const spec of specs) servers.push(await counted(spec.name, requests, async (extra) => await serverRun(spec.name, spec.scheme, extra)))
const inProcess: Counted[] = []
for (const name of pipelines) inProcess.push(await counted(name, calls, async (extra) => await pipelineRun(name, extra)))
rmSync(work, { recursive: true, force: true })

const k = (n: number): string => (n / 1000).toFixed(1)

const signed = (n: number): string => `${n >= 0 ? '+' : '−'}${Math.abs(Math.round(n)).toLocaleString('en-US')}`

/** The functions whose counts differ most between `base` and `other`, as table lines. */
function differenceTable (base: Counted, other: Counted, rows: number): string[] {
  const lines = [`| function | ${base.name} | ${other.name} | difference |`, '|---|---:|---:|---:|']
  const differences = [...new Set([...other.byFunction.keys(), ...base.byFunction.keys()])]
    .filter((fn) => !fn.includes(TURBOFAN))
    .map((fn) => [fn, base.byFunction.get(fn) ?? 0, other.byFunction.get(fn) ?? 0] as const)
    .sort((a, b) => Math.abs(b[2] - b[1]) - Math.abs(a[2] - a[1]))
    .slice(0, rows)
  for (const [fn, own, theirs] of differences) lines.push(`| \`${fn.slice(0, 90).replaceAll('|', '\\|')}\` | ${Math.round(own)} | ${Math.round(theirs)} | ${signed(theirs - own)} |`)
  return [...lines, '']
}

const NAMES = '`JS` rows are JavaScript, named from V8\'s perf map (optimised unless marked; what TurboFan inlined counts in its caller); `Builtins_` are V8\'s; `???` is JIT code the map does not cover; the rest C/C++'
/** Below these, two counts of the same code have differed between runs. */
const HTTP_NOISE = 0.03
const IN_PROCESS_NOISE = 2000

const percent = (value: number, base: number): string => `${value >= base ? '+' : '−'}${(Math.abs(value / base - 1) * 100).toFixed(1)} %`
const event = (c: Counted, ...names: string[]): number => names.reduce((sum, name) => sum + (c.events.get(name) ?? 0), 0)
const MISSES = [['instruction-cache misses', ['I1mr']], ['data-cache misses', ['D1mr', 'D1mw']], ['mispredicted branches', ['Bcm', 'Bim']]] as const

const reference = servers.find((c) => c.name === values.reference)
const lines = [
  '# Instructions per request',
  '',
  '_Written by `npm run bench:instructions` (bench/instructions.ts); do not edit by hand._',
  '',
  `- ${new Date().toISOString().slice(0, 10)}, Node ${process.version}, valgrind callgrind; ${values.kib} KiB genuine bodies`,
  '- Counted: what a process executes per request (over HTTP) or per call (in process): Node\'s HTTP parsing, Fastify, the receiving code, V8\'s builtins, and its garbage collector\'s work (not the wall time of its pauses). The optimising compiler\'s functions (`v8::internal::compiler::`) are counted apart: with --predictable it compiles on the main thread whenever a function is optimised again, in whichever run gets there.',
  '- Not time: a cache miss or a syscall counts as an instruction or a few; the in-process table adds the misses valgrind simulates.',
  `- Precision: each figure is the difference between two runs, and where a collection of the old generation lands differs between them. Over HTTP, differences under about ${HTTP_NOISE * 100} % are noise (the same two servers have moved 4 % apart between runs); in process, under about ${IN_PROCESS_NOISE.toLocaleString('en-US')} instructions per call; the simulated misses move by a few percent. A negative count in one column is such noise: that run did less there than its baseline run.`,
  '- Not all of a difference is code: JSON.parse internalises the body\'s keys through V8\'s string table, and how far each lookup probes depends on how full that table is, that is on everything the process has loaded. In one count (2026-11-30, 1 KiB, callgrind\'s call counts) the optimum and hookgate-backchannel both made 37 lookups per request, at 144 and 112 instructions each: `StringTable::LookupKey` rows can differ by a thousand instructions per request that neither receiving code causes.',
  ''
]
if (servers.length > 0) {
  lines.push(
    `## Over HTTP: ${requests.toLocaleString('en-US')} requests after ${WARMUP.toLocaleString('en-US')} of warm-up, ${CONFIG.connections} connections`,
    '',
    `| server | what it is | thousand instructions per request | ${values.reference} ÷ this (above 1: fewer than ${values.reference}) | compiler, thousand per request |`,
    '|---|---|---:|---:|---:|',
    ...servers.map((c) => `| ${c.name} | ${specs.find((spec) => spec.name === c.name)?.description ?? ''} | ${k(c.each)} | ${reference === undefined ? 'n/a' : (reference.each / c.each).toFixed(3)} | ${k(c.compiler)} |`),
    ''
  )
  for (const c of servers) {
    if (reference === undefined || c === reference || c.name === 'bare-fastify') continue
    const within = Math.abs(c.each / reference.each - 1) < HTTP_NOISE
    lines.push(
      `${c.name} executes ${percent(c.each, reference.each)} instructions per request against ${reference.name}${within ? ', within the noise: over HTTP the counts cannot place a difference this small' : ''}.`,
      '',
      `Largest differences from ${reference.name} by function, either sign (${NAMES}), instructions per request:`,
      '',
      ...differenceTable(reference, c, ROWS)
    )
  }
}
const hand = inProcess.find((c) => c.name === 'hand')
if (inProcess.length > 0) {
  lines.push(
    `## In process, no HTTP: ${calls.toLocaleString('en-US')} calls after ${CALL_WARMUP.toLocaleString('en-US')} of warm-up (bench/micro/repeat.ts)`,
    '',
    `| pipeline | what it is | thousand instructions per call | hand ÷ this | ${MISSES.map(([label]) => `${label} per call`).join(' | ')} |`,
    '|---|---|---:|---:|---:|---:|---:|',
    ...inProcess.map((c) => `| ${c.name} | ${PIPELINES[c.name as Pipeline]} | ${k(c.each)} | ${hand === undefined ? 'n/a' : (hand.each / c.each).toFixed(3)} | ${MISSES.map(([, names]) => Math.round(event(c, ...names)).toLocaleString('en-US')).join(' | ')} |`),
    '',
    'Misses and mispredictions are valgrind\'s simulation (first-level caches as it reads them off this CPU; its branch predictor is a simple model), the compiler\'s work included. Each costs several to a few dozen cycles where an instruction costs a fraction of one, so a pipeline that misses more is slower than its instruction count alone says.',
    ''
  )
  const receive = inProcess.find((c) => c.name === 'receive')
  for (const c of inProcess) {
    const base = c === receive ? hand : receive
    if (base === undefined || c === hand) continue
    const difference = c.each - base.each
    const misses = MISSES.map(([label, names]) => `${signed(event(c, ...names) - event(base, ...names))} ${label} (${percent(event(c, ...names), event(base, ...names))})`).join(', ')
    lines.push(Math.abs(difference) < IN_PROCESS_NOISE
      ? `- ${c.name} against ${base.name}: ${signed(difference)} instructions per call, within the noise: not resolved.`
      : `- ${c.name} against ${base.name}: ${signed(difference)} instructions per call (${percent(c.each, base.each)}), and ${misses}.`)
  }
  lines.push('')
  if (hand !== undefined && receive !== undefined) lines.push(`Largest differences from the hand-written pipeline by function, either sign (${NAMES}), instructions per call:`, '', ...differenceTable(hand, receive, 25))
}
writeFileSync(new URL('./instructions.md', import.meta.url), lines.join('\n'))
console.log('wrote bench/instructions.md')
