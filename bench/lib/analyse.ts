import { CONFIG } from './config.js'
import type { LoadResult } from './load.js'
import { SERVERS, type ServerSpec } from './servers.js'
import { median, medianInterval } from './timing.js'
import { WORKLOADS, type Workload } from './workloads.js'

/** One timed run of one server, tagged with the round it belongs to. */
export type Sample = LoadResult & { readonly round: number }

/** samples[workload id][server name]: every run, in the order they were made. */
export type Samples = Record<string, Record<string, Sample[]>>

export interface Ratio {
  /** Median over rounds of this server's req/s divided by the other's in the same round. */
  readonly median: number
  /** The median's confidence interval (`medianInterval`): with 6 rounds, the lowest and highest round. */
  readonly low: number
  readonly high: number
  readonly confidence: number
  /** How many rounds measured both servers. */
  readonly rounds: number
}

export interface Row {
  readonly spec: ServerSpec
  readonly rps: number
  readonly rpsMin: number
  readonly rpsMax: number
  readonly p50: number
  readonly p99: number
  readonly vsBare: Ratio | undefined
  readonly vsOptimum: Ratio | undefined
  readonly vsOwnOptimum: Ratio | undefined
  /** Median server CPU time per response, µs (undefined where /proc is not available). */
  readonly cpuUs: number | undefined
  /** Own optimum's CPU per response divided by this server's, paired by round: above 1 = cheaper. */
  readonly cpuVsOwnOptimum: Ratio | undefined
  /** Responses with a status the workload should never produce, plus socket errors and timeouts. */
  readonly unexpected: number
  readonly rounds: number
}

export interface Table {
  readonly workload: Workload
  readonly rows: readonly Row[]
}

/**
 * Pairs each run of `a` with the run of `b` from the same round (req/s, or another measure), so that
 * machine drift cancels in the ratio; runs without a partner in their round are left out.
 */
export function pairedRatio (a: readonly Sample[] | undefined, b: readonly Sample[] | undefined, measure: (r: LoadResult) => number | undefined = (r) => r.rps): Ratio | undefined {
  if (a === undefined || b === undefined) return undefined
  const partners = new Map(b.map((run) => [run.round, run]))
  const ratios: number[] = []
  for (const run of a) {
    const partner = partners.get(run.round)
    const x = measure(run)
    const y = partner === undefined ? undefined : measure(partner)
    if (x !== undefined && y !== undefined && y > 0) ratios.push(x / y)
  }
  if (ratios.length === 0) return undefined
  return { median: median(ratios), rounds: ratios.length, ...medianInterval(ratios) }
}

function unexpected (result: LoadResult, workload: Workload, verifies: boolean): number {
  let count = result.errors + result.timeouts
  let answered = 0
  for (const [code, n] of Object.entries(result.statuses)) {
    const status = Number(code)
    const fine = (status >= 200 && status < 300) || (workload.forged && verifies && status === 401)
    if (!fine) count += n
    answered += n
  }
  // In the mix every connection alternates genuine and forged requests, so the 401s are half the
  // answers, give or take one per connection: more means genuine ones were refused, fewer that
  // forged ones were accepted.
  if (workload.forged && verifies) count += Math.max(0, Math.abs((result.statuses['401'] ?? 0) - answered / 2) - CONFIG.connections)
  return count
}

export function analyse (samples: Samples): Table[] {
  return WORKLOADS.filter((w) => samples[w.id] !== undefined).map((workload) => {
    const byServer = samples[workload.id] ?? {}
    const rows: Row[] = []
    for (const spec of SERVERS) {
      const runs = byServer[spec.name]
      if (runs === undefined || runs.length === 0) continue
      const rps = runs.map((r) => r.rps)
      rows.push({
        spec,
        rps: median(rps),
        rpsMin: Math.min(...rps),
        rpsMax: Math.max(...rps),
        p50: median(runs.map((r) => r.p50)),
        p99: median(runs.map((r) => r.p99)),
        vsBare: pairedRatio(runs, byServer['bare-fastify']),
        vsOptimum: pairedRatio(runs, byServer.optimum),
        vsOwnOptimum: pairedRatio(runs, byServer[spec.optimum]),
        cpuUs: runs.every((r) => r.cpuUs !== undefined) ? median(runs.map((r) => r.cpuUs as number)) : undefined,
        cpuVsOwnOptimum: pairedRatio(byServer[spec.optimum], runs, (r) => r.cpuUs),
        unexpected: runs.reduce((sum, r) => sum + unexpected(r, workload, spec.role !== 'ceiling'), 0),
        rounds: runs.length
      })
    }
    return { workload, rows }
  })
}

export function rowOf (table: Table | undefined, name: string): Row | undefined {
  return table?.rows.find((r) => r.spec.name === name)
}
