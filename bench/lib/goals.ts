import { pairedRatio, rowOf, type Ratio, type Samples, type Table } from './analyse.js'
import { CONFIG } from './config.js'
import type { MemoryResult } from './memory.js'
import type { MicroResult } from '../micro/run.js'
import { SERVERS } from './servers.js'
import { stageTimes } from './stages.js'
import { median } from './timing.js'
import { SIZE_WORKLOADS, WORKLOADS, type Workload } from './workloads.js'

/**
 * A ratio goal is decided only when the median's confidence interval lies wholly on one side of its
 * threshold; when the interval holds the threshold, the rounds cannot tell, whatever the median says.
 */
export type Verdict = 'met' | 'not met' | 'undecided' | 'not measured'

export interface Goal {
  readonly title: string
  readonly verdict: Verdict
  /** One line per measurement behind the verdict; informative lines have no verdict. */
  readonly details: readonly Detail[]
  /** What to profile when the median misses: a server, its reference, and the workload. */
  readonly profile?: { readonly server: string, readonly reference: string, readonly workload: Workload }
}

export interface Detail {
  readonly text: string
  readonly verdict?: Verdict
  /** The runs a settling round repeats: set only for measurements that are undecided. */
  readonly needs?: readonly Run[]
  /** An informative line saying why a measurement falls where it does: shown with the measured lines in docs/benchmarks.md. */
  readonly explains?: true
}

/** One server on one workload. */
export interface Run {
  readonly workload: string
  readonly server: string
}

/** `median× (interval)`, with the number of rounds when settling rounds added to the usual count. */
export const fmtRatio = (r: Ratio | undefined, digits = 2): string => r === undefined ? 'n/a' : `${r.median.toFixed(digits)}× (${r.low.toFixed(digits)}–${r.high.toFixed(digits)}${r.rounds > CONFIG.rounds ? `, ${r.rounds} rounds` : ''})`

/** Below this coverage (fewer than 6 rounds) an interval decides nothing. */
const DECISIVE = 0.95

/** `ratio` at or above `threshold` (above it when `strict`), decided by its interval. */
function decide (ratio: Ratio, threshold: number, strict = false): Verdict {
  const passes = (x: number): boolean => strict ? x > threshold : x >= threshold
  if (ratio.confidence < DECISIVE || (passes(ratio.high) && !passes(ratio.low))) return 'undecided'
  return passes(ratio.low) ? 'met' : 'not met'
}

/** A goal is not met if any of its measurements is not, and met only if every one is. */
function combine (verdicts: readonly Verdict[]): Verdict {
  for (const v of ['not met', 'not measured', 'undecided'] as const) if (verdicts.includes(v)) return v
  return 'met'
}

const SIGN: Readonly<Record<Verdict, string>> = { met: '≥', 'not met': '<', undecided: 'vs', 'not measured': '' }

/**
 * Why runs with wrong answers compare nothing (a server refusing genuine requests would look fast),
 * or `undefined` when every answer of these servers on this workload was the expected one.
 */
function wrongAnswers (tables: readonly Table[], workload: string, servers: readonly string[]): string | undefined {
  const table = tables.find((t) => t.workload.id === workload)
  const wrong = servers.map((server) => [server, rowOf(table, server)?.unexpected ?? 0] as const).filter(([, n]) => n > 0)
  return wrong.length === 0 ? undefined : `not comparable: ${wrong.map(([server, n]) => `${server} gave ${n} unexpected answers`).join(', ')}`
}

/**
 * The smallest difference between two whole-pipeline micro rows taken as real, relative to the hand
 * pipeline: at 64 and 512 KiB the same code's row moved by up to 4 % from one run to the next.
 */
const MICRO_RESOLUTION = 0.05

/**
 * The ratio hookgate's extra work in process predicts, on the calibration's scale: each µs a call
 * of receive() costs over the hand-written pipeline (micro benchmark, same size) should cost the
 * share of the ratio that the calibration's known extra µs cost; the calibration's interval gives the
 * prediction's range. Only where the calibration shows a slowdown (median below 1), the micro
 * benchmark has a hand pipeline for the server's scheme, and the difference is larger than the micro
 * benchmark resolves; `undefined` otherwise.
 */
function expectedRatio (micro: readonly MicroResult[], server: string, workload: Workload, scale: Ratio, extraUs: number | undefined): string | undefined {
  const scheme = SERVERS.find((s) => s.name === server)?.scheme
  const rows = scheme === 'backchannel' ? micro.find((m) => m.bytes === workload.bytes)?.backchannel : undefined
  const hand = rows?.['hand: whole pipeline']
  const ours = rows?.['hookgate: receive(), handler + schema']
  if (hand === undefined || ours === undefined || extraUs === undefined || !(scale.median < 1)) return undefined
  // Only a receive() measurably slower than hand code predicts anything: faster is noise or no cost to explain.
  if (ours - hand < MICRO_RESOLUTION * hand) return undefined
  const extra = (ours - hand) / 1000
  const predict = (calibration: number): string => (1 - extra * (1 - calibration) / extraUs).toFixed(3)
  const perUs = (1 - scale.median) / extraUs
  return `receive() costs ${extra.toFixed(2)} µs per call more than the hand-written pipeline (micro benchmark, no HTTP). On the calibration server's scale (${extraUs} µs more per request lowered the ratio by ${(1 - scale.median).toFixed(3)}, ${perUs.toFixed(3)} per µs), that alone predicts ${predict(scale.median)}× (${predict(scale.low)}–${predict(scale.high)} from the calibration's interval); a measured ratio clearly below the prediction would point at cost outside receive(), in the adapter or HTTP`
}

/** receive() against hand code stage by stage (Backchannel), with what hookgate does there that hand code does not. */
function stageDifferences (micro: readonly MicroResult[], workload: Workload): string | undefined {
  const rows = micro.find((m) => m.bytes === workload.bytes)?.backchannel
  if (rows === undefined) return undefined
  const stages = stageTimes(rows).filter((stage) => stage.extra !== '')
  // Hand code has no envelope stage: all of hookgate's counts.
  const differences = stages.map((stage) => (stage.hookgate - (stage.hand ?? 0)) / 1000)
  if (differences.some(Number.isNaN)) return undefined
  return stages.map((stage, i) => {
    const difference = differences[i] as number
    return `${stage.name.replace(/ \(.*\)$/, '')} ${difference >= 0 ? '+' : '−'}${Math.abs(difference).toFixed(2)} µs (${stage.extra})`
  }).join('; ')
}

function ratioGoal (tables: readonly Table[], micro: readonly MicroResult[], server: string, reference: string, threshold: number, title: string): Goal {
  const details: Detail[] = []
  const verdicts: Verdict[] = []
  let worst: { workload: Workload, ratio: number } | undefined
  for (const workload of SIZE_WORKLOADS) {
    const table = tables.find((t) => t.workload.id === workload.id)
    const ratio = rowOf(table, server)?.vsOwnOptimum
    const refRow = rowOf(table, reference)
    if (ratio === undefined || refRow === undefined) {
      verdicts.push('not measured')
      details.push({ text: `${workload.label}: not measured`, verdict: 'not measured' })
      continue
    }
    const wrong = wrongAnswers(tables, workload.id, [server, reference])
    if (wrong !== undefined) {
      verdicts.push('not measured')
      details.push({ text: `${workload.label}: ${fmtRatio(ratio, 3)}, ${wrong}`, verdict: 'not measured' })
      continue
    }
    const verdict = decide(ratio, threshold)
    verdicts.push(verdict)
    if (worst === undefined || ratio.median < worst.ratio) worst = { workload, ratio: ratio.median }
    const leaning = verdict === 'undecided' && ratio.median < threshold ? ' (median below it)' : ''
    details.push({ text: `${workload.label}: ${fmtRatio(ratio, 3)} ${SIGN[verdict]} ${threshold}${leaning}`, verdict, needs: verdict === 'undecided' ? [{ workload: workload.id, server }, { workload: workload.id, server: reference }] : [] })
    const row = rowOf(table, server)
    // Informative, not part of the verdict: the same comparison in server CPU time per request.
    if (row?.cpuUs !== undefined && refRow.cpuUs !== undefined) {
      details.push({ text: `${workload.label}, server CPU per request (informative): ${row.cpuUs.toFixed(1)} µs vs ${refRow.cpuUs.toFixed(1)} µs, ${reference} ÷ ${server} ${fmtRatio(row.cpuVsOwnOptimum, 3)}` })
    }
    // The scale: what a known small extra cost per request does to the same ratio in the same run.
    let predicted = false
    for (const calibration of SERVERS.filter((s) => s.role === 'calibration' && s.optimum === reference)) {
      const calibrationRow = rowOf(table, calibration.name)
      const scale = calibrationRow?.vsOwnOptimum
      if (scale === undefined) continue
      details.push({ text: `${workload.label}, calibration (informative): ${calibration.name} ${fmtRatio(scale, 3)}, CPU ${calibrationRow?.cpuUs?.toFixed(1) ?? 'n/a'} µs per request` })
      const expected = expectedRatio(micro, server, workload, scale, calibration.extraUs)
      if (expected === undefined) continue
      details.push({ text: `${workload.label}, expected (informative): ${expected}`, explains: true })
      predicted = true
    }
    // Beside a prediction (receive() measurably slower than hand code), where that extra time goes.
    const stages = predicted ? stageDifferences(micro, workload) : undefined
    if (stages !== undefined) details.push({ text: `${workload.label}, where receive()'s extra time goes (informative; micro benchmark, no HTTP: hookgate − hand code per stage, and what hookgate does there that hand code does not): ${stages}`, explains: true })
  }
  const verdict = combine(verdicts)
  return worst !== undefined && worst.ratio < threshold
    ? { title, verdict, details, profile: { server, reference, workload: worst.workload } }
    : { title, verdict, details }
}

/** Each peer is measured against hookgate on the same framework; the rest run on Fastify. */
const SAME_FRAMEWORK: Readonly<Record<string, string>> = { octokit: 'hookgate-github-node', 'express-raw': 'hookgate-backchannel-express' }

function peersGoal (tables: readonly Table[], samples: Samples): Goal {
  const details: Detail[] = []
  const verdicts: Verdict[] = []
  const peers = SERVERS.filter((s) => s.role === 'peer')
  // The comparison whose median is lowest, if below 1: the one to profile.
  let worst: { median: number, profile: NonNullable<Goal['profile']> } | undefined
  for (const workload of SIZE_WORKLOADS) {
    const byServer = samples[workload.id] ?? {}
    const byVerdict: Record<Verdict, string[]> = { 'not met': [], 'not measured': [], undecided: [], met: [] }
    const needs: Run[] = []
    for (const peer of peers) {
      const ours = SAME_FRAMEWORK[peer.name] ?? 'hookgate-backchannel'
      const label = `${ours} vs ${peer.name}`
      const ratio = pairedRatio(byServer[ours], byServer[peer.name])
      const wrong = wrongAnswers(tables, workload.id, [ours, peer.name])
      const verdict = ratio === undefined || wrong !== undefined ? 'not measured' : decide(ratio, 1, true)
      byVerdict[verdict].push(ratio === undefined ? `${label} (not measured)` : wrong !== undefined ? `${label} (${wrong})` : `${label} ${fmtRatio(ratio)}`)
      if (verdict === 'undecided') needs.push({ workload: workload.id, server: ours }, { workload: workload.id, server: peer.name })
      if (ratio !== undefined && wrong === undefined && ratio.median < 1 && (worst === undefined || ratio.median < worst.median)) {
        worst = { median: ratio.median, profile: { server: ours, reference: peer.name, workload } }
      }
    }
    const verdict = combine(Object.entries(byVerdict).filter(([, labels]) => labels.length > 0).map(([v]) => v as Verdict))
    verdicts.push(verdict)
    const shown = [...byVerdict['not met'].map((l) => `**${l}**`), ...byVerdict['not measured'], ...byVerdict.undecided.map((l) => `${l} (undecided)`), ...byVerdict.met]
    details.push({ text: `${workload.label}: ${shown.join(', ')}`, verdict, needs })
    // Informative, not part of the verdict: the Fastify plugin against every peer, whatever its framework.
    const fastify = peers.map((peer) => `${peer.name} ${pairedRatio(byServer['hookgate-backchannel'], byServer[peer.name])?.median.toFixed(2) ?? 'n/a'}×`)
    details.push({ text: `${workload.label}: (informative) the Fastify plugin, hookgate-backchannel, vs ${fastify.join(', ')}` })
  }
  const title = 'hookgate faster than every peer at every size (each on the peer\'s framework)'
  return worst === undefined ? { title, verdict: combine(verdicts), details } : { title, verdict: combine(verdicts), details, profile: worst.profile }
}

function forgedGoal (tables: readonly Table[], samples: Samples, micro: readonly MicroResult[]): Goal {
  const details: Detail[] = []
  const verdicts: Verdict[] = []
  const mix = WORKLOADS.find((w) => w.forged)
  let profile: Goal['profile']
  for (const server of ['hookgate-backchannel', 'hookgate-bread']) {
    const mixed = samples['mix-1k']?.[server]
    const genuine = samples['genuine-1k']?.[server]
    const ratio = pairedRatio(mixed, genuine)
    if (ratio === undefined || mixed === undefined || genuine === undefined) { verdicts.push('not measured'); continue }
    const wrong = wrongAnswers(tables, 'mix-1k', [server]) ?? wrongAnswers(tables, 'genuine-1k', [server])
    if (wrong !== undefined) {
      verdicts.push('not measured')
      details.push({ text: `${server}, HTTP 1 KiB: ${wrong}`, verdict: 'not measured' })
      continue
    }
    // A mixed request costs the mean of a genuine and a forged one: t_mix = (t_g + t_f) / 2, and
    // t_mix / t_g = 1 / ratio, so t_f = (2 / ratio - 1) * t_g.
    const tGenuine = 1 / median(genuine.map((r) => r.rps))
    const tForged = (2 / ratio.median - 1) * tGenuine
    const verdict = decide(ratio, 1)
    verdicts.push(verdict)
    if (ratio.median < 1 && profile === undefined && mix !== undefined) profile = { server, reference: server, workload: mix }
    // A ratio of 2 or more would make a forged request free or better: only noise does that.
    const estimate = tForged > 0 ? `so about ${(tForged * 1e6).toFixed(0)} µs per forged vs ${(tGenuine * 1e6).toFixed(0)} µs per genuine request` : 'too noisy to estimate the cost of a forged request'
    details.push({ text: `${server}, HTTP 1 KiB: req/s of the 50 % forged mix / req/s of genuine only ${fmtRatio(ratio, 3)} ${SIGN[verdict]} 1, ${estimate}`, verdict, needs: verdict === 'undecided' ? [{ workload: 'mix-1k', server }, { workload: 'genuine-1k', server }] : [] })
  }
  for (const m of micro) {
    for (const [group, rows] of [['backchannel', m.backchannel], ['bread', m.bread]] as const) {
      const forged = rows['hookgate: receive(), forged']
      const genuine = rows['hookgate: receive(), handler + schema']
      if (forged === undefined || genuine === undefined) continue
      const verdict: Verdict = forged <= genuine ? 'met' : 'not met'
      verdicts.push(verdict)
      details.push({ text: `${group} receive() ${m.size} (no HTTP): forged ${(forged / 1000).toFixed(1)} µs ${verdict === 'met' ? '≤' : '>'} genuine ${(genuine / 1000).toFixed(1)} µs`, verdict })
    }
    const verifier = m.backchannel['hookgate: verifier.verify()']
    const forged = m.backchannel['hookgate: receive(), forged']
    if (verifier !== undefined && forged !== undefined) {
      details.push({ text: `backchannel receive() ${m.size}, forged (informative): ${(forged / 1000).toFixed(1)} µs against ${(verifier / 1000).toFixed(1)} µs for the verifier on a genuine request: backchannel() also accepts a MAC over the compact re-serialisation of the body (compactJsonFallback), so a MAC that does not match costs one more scan of the body to see whether it is compact (no parse when it is)`, explains: true })
    }
  }
  const title = 'forged requests refused at least as fast as genuine ones are accepted'
  return profile === undefined ? { title, verdict: combine(verdicts), details } : { title, verdict: combine(verdicts), details, profile }
}

/** Flat: the heap after a full GC grew by under 1 MiB, and RSS by under 10 %. */
function memoryGoal (memory: MemoryResult | undefined): Goal {
  const title = 'memory flat over the long run'
  if (memory === undefined) return { title, verdict: 'not measured', details: [{ text: 'not measured', verdict: 'not measured' }] }
  const mib = (n: number): string => `${(n / 1048576).toFixed(1)} MiB`
  const heapGrowth = memory.after.heapUsed - memory.before.heapUsed
  const rssGrowth = (memory.after.rss - memory.before.rss) / memory.before.rss
  const flat = (ok: boolean): Verdict => ok ? 'met' : 'not met'
  return {
    title,
    verdict: flat(heapGrowth < 1048576 && rssGrowth < 0.1),
    details: [
      { text: `${memory.requests.toLocaleString('en')} requests (half forged) in ${memory.seconds.toFixed(1)} s against ${memory.server}` },
      { text: `RSS ${mib(memory.before.rss)} → ${mib(memory.after.rss)} (${(rssGrowth * 100).toFixed(1)} %; flat: under +10 %), peak ${mib(memory.peakRss)}`, verdict: flat(rssGrowth < 0.1) },
      { text: `heap after full GC ${mib(memory.before.heapUsed)} → ${mib(memory.after.heapUsed)} (flat: under +1 MiB)`, verdict: flat(heapGrowth < 1048576) }
    ]
  }
}

/**
 * Every run that some undecided measurement needs repeated, once each; also those of an undecided
 * comparison inside a detail whose combined verdict is decided (a size where another peer misses).
 */
export function undecidedRuns (goals: readonly Goal[]): Run[] {
  const runs = new Map<string, Run>()
  for (const detail of goals.flatMap((goal) => goal.details)) {
    for (const run of detail.needs ?? []) runs.set(`${run.workload} ${run.server}`, run)
  }
  return [...runs.values()]
}

export function evaluateGoals (tables: readonly Table[], samples: Samples, memory: MemoryResult | undefined, micro: readonly MicroResult[]): Goal[] {
  return [
    ratioGoal(tables, micro, 'hookgate-backchannel', 'optimum', 0.95, 'hookgate-backchannel ≥ 0.95 × optimum at 1, 64 and 512 KiB'),
    ratioGoal(tables, micro, 'hookgate-bread', 'bread-optimum', 0.9, 'hookgate-bread ≥ 0.9 × bread-optimum (jose + Basic + headers)'),
    peersGoal(tables, samples),
    forgedGoal(tables, samples, micro),
    memoryGoal(memory)
  ]
}
