import { test } from 'node:test'
import assert from 'node:assert/strict'
import { analyse, type Sample, type Samples } from '../../bench/lib/analyse.js'
import { evaluateGoals } from '../../bench/lib/goals.js'
import type { MicroResult } from '../../bench/micro/run.js'

/** Six rounds of one server at `rps` req/s, every answer a 200. */
function rounds (rps: readonly number[]): Sample[] {
  return rps.map((value, round) => ({ round, rps: value, p50: 1, p99: 2, responses: value, statuses: { 200: value }, errors: 0, timeouts: 0 }))
}

function micro (handNs: number, receiveNs: number): MicroResult {
  return { size: '1 KiB', bytes: 1024, backchannel: { 'hand: whole pipeline': handNs, 'hookgate: receive(), handler + schema': receiveNs }, bread: {}, allocated: undefined }
}

function expectedLine (samples: Samples, results: readonly MicroResult[]): string | undefined {
  const goal = evaluateGoals(analyse(samples), samples, undefined, results)[0]
  return goal?.details.map((d) => d.text).find((text) => text.startsWith('1 KiB, expected'))
}

/** A 1 KiB run: the optimum, the calibration and hookgate-backchannel at these req/s, round by round. */
function oneKiB (calibration: readonly number[], optimum: readonly number[] = [1000, 1100, 1200, 1000, 1100, 1200], hookgate: readonly number[] = [900, 990, 1080, 900, 990, 1080]): Samples {
  return { 'genuine-1k': { optimum: rounds(optimum), 'optimum-plus-1500ns': rounds(calibration), 'hookgate-backchannel': rounds(hookgate) } }
}

/** The calibration 15 % below the optimum in every round. */
const SLOWED = oneKiB([850, 935, 1020, 850, 935, 1020])

test('the 1 KiB goal states the ratio that receive()\'s extra µs predict on the calibration\'s scale', () => {
  // The calibration's 1.5 µs cost 15 % of the ratio in every round: 10 % per µs; receive() costs
  // 1.2 µs more than the hand pipeline, so 1 - 1.2 × 0.10 = 0.880.
  const line = expectedLine(SLOWED, [micro(6500, 7700)])
  assert.match(line ?? '', /costs 1\.20 µs per call more/)
  assert.match(line ?? '', /lowered the ratio by 0\.150, 0\.100 per µs/)
  assert.match(line ?? '', /predicts 0\.880× \(0\.880–0\.880 from the calibration's interval\)/)
})

test('no prediction where the calibration shows no slowdown', () => {
  assert.equal(expectedLine(oneKiB([1010, 1110, 1190, 1000, 1120, 1210]), [micro(6500, 7700)]), undefined)
})

test('the prediction\'s range follows the calibration\'s interval', () => {
  // Calibration ratios 0.85, 0.85, 0.85, 0.90, 0.90, 0.90: median 0.875, interval 0.85–0.90, so
  // 1.2 µs predict 1 - 1.2 × 0.125 / 1.5 = 0.900, from 0.880 (at 0.85) to 0.920 (at 0.90).
  const samples = oneKiB([850, 850, 850, 900, 900, 900], [1000, 1000, 1000, 1000, 1000, 1000], [900, 900, 900, 900, 900, 900])
  assert.match(expectedLine(samples, [micro(6500, 7700)]) ?? '', /predicts 0\.900× \(0\.880–0\.920 from the calibration's interval\)/)
})

test('no prediction from a micro difference within the micro benchmark\'s resolution', () => {
  assert.equal(expectedLine(SLOWED, [micro(6500, 6800)]), undefined)
  assert.notEqual(expectedLine(SLOWED, [micro(6500, 6900)]), undefined)
  assert.equal(expectedLine(SLOWED, [micro(6500, 5500)]), undefined, 'nor from a receive() measured faster than hand code (a noisy micro run)')
})

test('beside the prediction, the 1 KiB goal says where receive()\'s extra time goes, stage by stage against hand code', () => {
  const rows = {
    'hand: whole pipeline': 7000,
    'hookgate: receive(), handler + schema': 7900,
    'hand: verify (hex, HMAC, timingSafeEqual)': 2500,
    'hookgate: verifier.verify()': 2900,
    'hand: JSON.parse(body.toString())': 3500,
    'hookgate: parseJson() (core/json.ts)': 3600,
    'hookgate: envelope.open()': 70,
    'hand: ajv validate (new Ajv())': 80,
    'ajv validate (createAjv: ajv-formats)': 80
  }
  const samples = SLOWED
  const goal = evaluateGoals(analyse(samples), samples, undefined, [{ ...micro(7000, 7900), backchannel: rows }])[0]
  const line = goal?.details.map((d) => d.text).find((text) => text.startsWith('1 KiB, where receive()')) ?? ''
  assert.match(line, /verify \+0\.40 µs \(finds the header by name/)
  assert.match(line, /parse \+0\.10 µs/)
  // Hand code has no envelope stage: all of hookgate's counts.
  assert.match(line, /envelope \+0\.07 µs/)
  assert.match(line, /validate \+0\.00 µs/)
  // The rest is each whole minus its stages: (7900 − 2900 − 3600 − 70 − 80) − (7000 − 2500 − 3500 − 80) = 1250 − 920.
  assert.match(line, /dispatch and the rest \+0\.33 µs \(checks the media type/)
  assert.doesNotMatch(line, /whole pipeline/)
  assert.equal(goal?.details.filter((d) => d.text.startsWith('1 KiB, where receive()')).length, 1)
  // A row missing from the results (a renamed stage, say) leaves the line out instead of folding it into "the rest".
  const { 'hookgate: envelope.open()': _dropped, ...missing } = rows
  const without = evaluateGoals(analyse(samples), samples, undefined, [{ ...micro(7000, 7900), backchannel: missing }])[0]
  assert.equal(without?.details.some((d) => d.text.startsWith('1 KiB, where receive()')), false)
})

test('a peer comparison whose median is below 1 is the one the peers goal asks to profile', () => {
  const samples: Samples = {
    'genuine-1k': {
      'hookgate-backchannel': rounds([900, 990, 1080, 900, 990, 1080]),
      'fastify-raw-body': rounds([1000, 1100, 1200, 1000, 1100, 1200]),
      standardwebhooks: rounds([500, 550, 600, 500, 550, 600])
    }
  }
  const peers = evaluateGoals(analyse(samples), samples, undefined, [])[2]
  assert.equal(peers?.profile?.server, 'hookgate-backchannel')
  assert.equal(peers?.profile?.reference, 'fastify-raw-body')
  assert.equal(peers?.profile?.workload.id, 'genuine-1k')
  delete samples['genuine-1k']?.['fastify-raw-body']
  assert.equal(evaluateGoals(analyse(samples), samples, undefined, [])[2]?.profile, undefined)
})
