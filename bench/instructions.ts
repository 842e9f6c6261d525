/**
 * `npm run bench:instructions [-- --kib N] [--requests N] [--warmup N] [server …]`: the instructions each server
 * executes per request, counted by valgrind (cachegrind, no cache simulation), with the same
 * autocannon load as the benchmark. Unlike req/s, the count hardly depends on how busy the machine
 * is, so it can rank servers a few percent apart on a host too noisy to time them. It is not time:
 * it ignores cache misses, syscalls' cost and GC pauses, so the goals stay judged on req/s.
 *
 * Each server runs twice under valgrind, at once: both runs serve the same warm-up, one then serves
 * `--requests` more, and the difference, divided by them, is the cost of a warm request. V8 runs with
 * --predictable (compilation and GC on the main thread), so that two runs count alike. Writes
 * bench/instructions.md. Needs valgrind (Debian: apt-get install valgrind); takes about 3 minutes per
 * server at 1 KiB, on 2 cores.
 */
import { execFileSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { functionCounts, type FunctionCounts } from './lib/cachegrind.js'
import { load } from './lib/load.js'
import { requestSet, type Scheme } from './lib/requests.js'
import { SERVERS } from './lib/servers.js'
import { spawnServer } from './lib/spawn.js'

const { values, positionals } = parseArgs({ allowPositionals: true, options: { kib: { type: 'string', default: '1' }, requests: { type: 'string', default: '20000' }, warmup: { type: 'string', default: '10000' } } })
const bytes = Math.round(Number(values.kib) * 1024)
const requests = Number(values.requests)
if (!Number.isFinite(bytes) || bytes <= 0) throw new TypeError('--kib must be a positive number')
if (!Number.isSafeInteger(requests) || requests <= 0) throw new TypeError('--requests must be a positive integer')
if (!Number.isSafeInteger(Number(values.warmup)) || Number(values.warmup) < 0) throw new TypeError('--warmup must be a whole number')
const WARMUP = Number(values.warmup)
/** V8's optimising compiler: one-off work that, with --predictable, runs on the main thread and lands in whichever run reaches it. */
const TURBOFAN = 'v8::internal::compiler::'
const names = positionals.length > 0 ? positionals : ['bare-fastify', 'optimum', 'hookgate-backchannel']
const specs = names.map((name) => {
  const spec = SERVERS.find((s) => s.name === name)
  if (spec === undefined) throw new TypeError(`unknown server "${name}": ${SERVERS.map((s) => s.name).join(', ')}`)
  return spec
})

try {
  execFileSync('valgrind', ['--version'], { stdio: 'ignore' })
} catch {
  console.error('valgrind is not installed (Debian: apt-get install valgrind)')
  process.exit(1)
}

const work = mkdtempSync(join(tmpdir(), 'hookgate-instructions-'))

/** One run under valgrind: the warm-up, then `extra` genuine requests; the counts by function. */
async function countedRun (name: string, scheme: Scheme, extra: number): Promise<FunctionCounts> {
  const out = join(work, `${name}.${extra}.out`)
  const server = await spawnServer(name, {
    wrapper: ['valgrind', '--tool=cachegrind', '--cache-sim=no', `--cachegrind-out-file=${out}`, '--log-file=/dev/null'],
    nodeArgs: ['--predictable']
  })
  try {
    const { genuine } = requestSet(scheme, bytes)
    for (const amount of [WARMUP, extra]) {
      if (amount === 0) continue
      const result = await load(server.url, [genuine], { amount })
      const accepted = Object.entries(result.statuses).filter(([status]) => status.startsWith('2')).reduce((sum, [, count]) => sum + count, 0)
      if (accepted !== amount) throw new Error(`${name}: ${accepted} of ${amount} genuine requests accepted (${JSON.stringify(result.statuses)})`)
    }
  } finally {
    await server.close()
  }
  return functionCounts(readFileSync(out, 'utf8'))
}

interface Counted {
  readonly name: string
  /** Everything but the optimising compiler, per request. */
  readonly perRequest: number
  readonly compiler: number
  readonly byFunction: ReadonlyMap<string, number>
}

const counted: Counted[] = []
for (const spec of specs) {
  const started = Date.now()
  const [base, loaded] = await Promise.all([countedRun(spec.name, spec.scheme, 0), countedRun(spec.name, spec.scheme, requests)])
  const byFunction = new Map<string, number>()
  for (const fn of new Set([...base.keys(), ...loaded.keys()])) byFunction.set(fn, ((loaded.get(fn) ?? 0) - (base.get(fn) ?? 0)) / requests)
  let perRequest = 0
  let compiler = 0
  for (const [fn, count] of byFunction) {
    if (fn.includes(TURBOFAN)) compiler += count
    else perRequest += count
  }
  counted.push({ name: spec.name, perRequest, compiler, byFunction })
  console.log(`${spec.name}: ${Math.round(perRequest).toLocaleString('en-US')} instructions per request, and ${Math.round(compiler).toLocaleString('en-US')} compiling (${Math.round((Date.now() - started) / 1000)} s)`)
}
rmSync(work, { recursive: true, force: true })

const k = (n: number): string => (n / 1000).toFixed(1)
const optimum = counted.find((c) => c.name === 'optimum')
const lines = [
  '# Instructions per request',
  '',
  '_Written by `npm run bench:instructions` (bench/instructions.ts); do not edit by hand._',
  '',
  `- ${new Date().toISOString().slice(0, 10)}, Node ${process.version}, valgrind cachegrind; ${values.kib} KiB genuine bodies, ${requests.toLocaleString('en-US')} requests after ${WARMUP.toLocaleString('en-US')} of warm-up, 16 connections`,
  '- What the server process executes per request: Node\'s HTTP parsing, Fastify, the receiving code, V8\'s builtins and its garbage collector; V8\'s optimising compiler (TurboFan) is counted apart, since it is one-off work that normally runs on another thread and, with --predictable, lands in whichever run reaches it. Not time: a cache miss or a syscall counts as an instruction or a few. A garbage collection of the old generation lands in one run or the other, so compare differences of a few percent, not a few instructions.',
  '',
  '| server | thousand instructions per request | optimum ÷ this | TurboFan, thousand per request |',
  '|---|---:|---:|---:|',
  ...counted.map((c) => `| ${c.name} | ${k(c.perRequest)} | ${optimum === undefined ? 'n/a' : (optimum.perRequest / c.perRequest).toFixed(3)} | ${k(c.compiler)} |`),
  ''
]
for (const c of counted) {
  if (optimum === undefined || c === optimum || c.name === 'bare-fastify') continue
  lines.push(`Where ${c.name} executes more than optimum, by function (\`???\` is JIT-compiled JavaScript, which valgrind cannot name; \`Builtins_\` are V8's; the rest C/C++), instructions per request:`, '')
  lines.push('| function | optimum | ' + c.name + ' | difference |', '|---|---:|---:|---:|')
  const differences = [...new Set([...c.byFunction.keys(), ...optimum.byFunction.keys()])]
    .filter((fn) => !fn.includes(TURBOFAN))
    .map((fn) => [fn, optimum.byFunction.get(fn) ?? 0, c.byFunction.get(fn) ?? 0] as const)
    .sort((a, b) => Math.abs(b[2] - b[1]) - Math.abs(a[2] - a[1]))
    .slice(0, 15)
  for (const [fn, own, theirs] of differences) lines.push(`| \`${fn.slice(0, 90).replaceAll('|', '\\|')}\` | ${Math.round(own)} | ${Math.round(theirs)} | ${theirs - own >= 0 ? '+' : ''}${Math.round(theirs - own)} |`)
  lines.push('')
}
writeFileSync(new URL('./instructions.md', import.meta.url), lines.join('\n'))
console.log('wrote bench/instructions.md')
