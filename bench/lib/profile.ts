import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { CONFIG } from './config.js'
import { load } from './load.js'
import { requestSet, type BenchRequest, type Scheme } from './requests.js'
import { spawnServer } from './spawn.js'

interface CallFrame { functionName: string, url: string, lineNumber: number }
interface ProfileNode { id: number, callFrame: CallFrame, children?: number[] }
interface CpuProfile { nodes: ProfileNode[], startTime: number, endTime: number, samples: number[], timeDeltas: number[] }

export interface ProfileEntry {
  readonly name: string
  /** Microseconds of CPU per request. */
  readonly usPerRequest: number
  readonly share: number
}

export interface ProfileSummary {
  readonly server: string
  readonly label: string
  readonly responses: number
  readonly rps: number
  /** Busy (not idle) CPU per request, microseconds. */
  readonly usPerRequest: number
  readonly areas: readonly ProfileEntry[]
  readonly functions: readonly ProfileEntry[]
  /** Inclusive time (self + callees) of the receiving code's own functions: hookgate's src/ or the bench server. */
  readonly inclusive: readonly ProfileEntry[]
}

const ROOT = new URL('../../', import.meta.url).href

/** Where a function lives: a hookgate source file, a package, a part of Node, or the engine itself. */
function area (frame: CallFrame): string {
  const { url, functionName } = frame
  // ajv compiles each schema with new Function: no URL, and a name numbered per process.
  if (url === '' && /^validate\d*$/.test(functionName)) return 'ajv (compiled schemas)'
  if (url === '') return functionName.startsWith('(') ? functionName : `(native) ${functionName || 'anonymous'}`
  // Servers run hookgate from dist/ (compiled by tsc): name its files after their sources.
  if (url.startsWith(`${ROOT}dist/`)) return `hookgate src/${url.slice(ROOT.length + 5).replace(/\.js$/, '.ts')}`
  if (url.startsWith(`${ROOT}src/`)) return `hookgate src/${url.slice(ROOT.length + 4)}`
  if (url.startsWith(`${ROOT}bench/`)) return `bench ${url.slice(ROOT.length + 6)}`
  const modules = url.lastIndexOf('/node_modules/')
  if (modules !== -1) {
    const parts = url.slice(modules + 14).split('/')
    return (parts[0] ?? '').startsWith('@') ? `${parts[0]}/${parts[1]}` : parts[0] ?? url
  }
  if (url.startsWith('node:')) {
    const path = url.slice(5).replace(/^internal\//, '')
    return `node:${path.split('/')[0]?.replace(/\.js$/, '')}`
  }
  return url
}

function where (frame: CallFrame): string {
  const { url, lineNumber } = frame
  if (url === '') return ''
  // tsx compiles TypeScript on the fly: its functions carry no useful line number.
  if (url.startsWith(`${ROOT}dist/`)) return ` (src/${url.slice(ROOT.length + 5).replace(/\.js$/, '.ts')}, compiled)`
  if (url.startsWith(ROOT) && !url.includes('/node_modules/')) return ` (${url.slice(ROOT.length)})`
  const modules = url.lastIndexOf('/node_modules/')
  const short = url.startsWith(ROOT) && modules === -1 ? url.slice(ROOT.length) : modules !== -1 ? url.slice(modules + 14) : url
  return ` (${short}:${lineNumber + 1})`
}

function top (totals: Map<string, number>, busy: number, responses: number, limit: number): ProfileEntry[] {
  return [...totals.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, limit)
    .map(([name, us]) => ({ name, usPerRequest: us / responses, share: us / busy }))
}

/** Self time per function and per area over the last `windowUs` of the profile (the timed load). */
export function summarise (profile: CpuProfile, windowUs: number, responses: number): { busy: number, areas: ProfileEntry[], functions: ProfileEntry[], inclusive: ProfileEntry[] } {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]))
  const parent = new Map<number, number>()
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id)
  const functions = new Map<string, number>()
  const areas = new Map<string, number>()
  const inclusive = new Map<string, number>()
  let t = profile.startTime
  const from = profile.endTime - windowUs
  let busy = 0
  for (let i = 0; i < profile.samples.length; i++) {
    t += profile.timeDeltas[i] ?? 0
    const delta = profile.timeDeltas[i + 1] ?? 0
    if (t < from) continue
    const node = byId.get(profile.samples[i] as number)
    if (node === undefined || node.callFrame.functionName === '(idle)') continue
    busy += delta
    const fn = `${node.callFrame.functionName || '(anonymous)'}${where(node.callFrame)}`
    functions.set(fn, (functions.get(fn) ?? 0) + delta)
    const a = area(node.callFrame)
    areas.set(a, (areas.get(a) ?? 0) + delta)
    // Each of the receiving code's functions on the stack, once per sample.
    const seen = new Set<string>()
    for (let n: ProfileNode | undefined = node; n !== undefined; n = byId.get(parent.get(n.id) ?? -1)) {
      const owner = area(n.callFrame)
      if (!owner.startsWith('hookgate src/') && !owner.startsWith('bench servers/')) continue
      const name = `${n.callFrame.functionName || '(anonymous)'}${where(n.callFrame)}`
      if (seen.has(name)) continue
      seen.add(name)
      inclusive.set(name, (inclusive.get(name) ?? 0) + delta)
    }
  }
  return { busy, areas: top(areas, busy, responses, 14), functions: top(functions, busy, responses, CONFIG.profileTop), inclusive: top(inclusive, busy, responses, 12) }
}

/**
 * Runs one server under `node --cpu-prof`, warms it, drives it for CONFIG.profileSeconds with the
 * workload, stops it (the profile is written on exit), summarises the profile and deletes it.
 */
export async function profileServer (server: string, scheme: Scheme, bytes: number, label: string, pick: (set: ReturnType<typeof requestSet>) => BenchRequest[]): Promise<ProfileSummary> {
  const dir = mkdtempSync(join(tmpdir(), 'hookgate-cpuprof-'))
  try {
    const running = await spawnServer(server, { cpu: 1, nodeArgs: ['--cpu-prof', `--cpu-prof-dir=${dir}`] })
    let result
    try {
      await load(running.url, pick(requestSet(scheme, bytes)), { seconds: CONFIG.warmup })
      result = await load(running.url, pick(requestSet(scheme, bytes)), { seconds: CONFIG.profileSeconds })
    } finally {
      await running.close()
    }
    // CPU.<date>.<time>.<pid>.<thread>.<seq>.cpuprofile: thread 0 is the main thread (tsx's loader
    // hooks run on a thread of their own and write a second profile).
    const file = readdirSync(dir).find((f) => /\.\d+\.0\.\d+\.cpuprofile$/.test(f))
    if (file === undefined) throw new Error(`no .cpuprofile written for ${server}`)
    const profile = JSON.parse(readFileSync(join(dir, file), 'utf8')) as CpuProfile
    // The timed load is the profile's last seconds (the close after it takes milliseconds).
    const { busy, areas, functions, inclusive } = summarise(profile, CONFIG.profileSeconds * 1e6, result.responses)
    return { server, label, responses: result.responses, rps: result.rps, usPerRequest: busy / result.responses, areas, functions, inclusive }
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}
