// The benchmark's verdicts rest on this interval; its coverage is checked against binomial tables.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { median, medianInterval } from '../../bench/lib/timing.js'

const rounds = (n: number): number[] => Array.from({ length: n }, (_, i) => n - i)

test('with 6 to 8 rounds the interval is the lowest and highest round', () => {
  assert.deepEqual(medianInterval(rounds(6)), { low: 1, high: 6, confidence: 1 - 2 / 64 })
  assert.deepEqual(medianInterval(rounds(8)), { low: 1, high: 8, confidence: 1 - 2 / 256 })
})

test('more rounds narrow it to the order statistics a 95 % table gives', () => {
  // n = 9: x(2)..x(8), 96.1 %; n = 20: x(6)..x(15), 95.9 %; n = 30: x(10)..x(21), 95.7 %.
  for (const [n, low, high, confidence] of [[9, 2, 8, 0.9609], [20, 6, 15, 0.9586], [30, 10, 21, 0.9572]] as const) {
    const interval = medianInterval(rounds(n))
    assert.deepEqual([interval.low, interval.high], [low, high], `n = ${n}`)
    assert.ok(Math.abs(interval.confidence - confidence) < 5e-5, `n = ${n}: ${interval.confidence}`)
    assert.ok(interval.low <= median(rounds(n)) && median(rounds(n)) <= interval.high)
  }
})

test('under 6 rounds it is the whole range, and says how little it covers', () => {
  assert.deepEqual(medianInterval([3, 1, 2]), { low: 1, high: 3, confidence: 0.75 })
  assert.deepEqual(medianInterval([5, 4, 3, 2, 1]), { low: 1, high: 5, confidence: 1 - 2 / 32 })
})
