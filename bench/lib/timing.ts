/** Small timing and statistics helpers shared by the micro benchmark and the report. */

export function median (values: readonly number[]): number {
  if (values.length === 0) return Number.NaN
  const sorted = [...values].sort((a, b) => a - b)
  const mid = sorted.length >> 1
  return sorted.length % 2 === 1 ? sorted[mid] as number : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2
}

/** Nanoseconds per call of a synchronous function: a warm-up, then the median of `batches` timed batches. */
export function timeSync (fn: () => unknown, ms: number, batches = 3): number {
  const run = (budget: number): number => {
    let ops = 0
    const start = process.hrtime.bigint()
    const end = start + BigInt(Math.round(budget * 1e6))
    let now = start
    while (now < end) {
      for (let i = 0; i < 16; i++) fn()
      ops += 16
      now = process.hrtime.bigint()
    }
    return Number(now - start) / ops
  }
  run(ms / 3)
  return median(Array.from({ length: batches }, () => run(ms)))
}

/** The same for an async function, one call at a time (as one request is handled). */
export async function timeAsync (fn: () => Promise<unknown>, ms: number, batches = 3): Promise<number> {
  const run = async (budget: number): Promise<number> => {
    let ops = 0
    const start = process.hrtime.bigint()
    const end = start + BigInt(Math.round(budget * 1e6))
    let now = start
    while (now < end) {
      for (let i = 0; i < 8; i++) await fn()
      ops += 8
      now = process.hrtime.bigint()
    }
    return Number(now - start) / ops
  }
  await run(ms / 3)
  const results: number[] = []
  for (let i = 0; i < batches; i++) results.push(await run(ms))
  return median(results)
}

/** The binomial coefficients' sum P(X ≤ j) for X ~ Binomial(n, 1/2). */
function binomialHalfCdf (n: number, j: number): number {
  let term = 2 ** -n
  let sum = 0
  for (let i = 0; i <= j; i++) {
    sum += term
    term = term * (n - i) / (i + 1)
  }
  return sum
}

export interface MedianInterval {
  readonly low: number
  readonly high: number
  /** The probability that the interval holds the true median. */
  readonly confidence: number
}

/**
 * A confidence interval for the median that assumes nothing about the distribution: the order
 * statistics x(k) and x(n+1−k), with the largest k whose coverage 1 − 2·P(Binomial(n, ½) < k) is
 * still at least 95 % (the whole range, with less coverage, when there are under 6 values). For 6
 * to 8 rounds it is the lowest and highest round, holding the median with 97–99 % confidence.
 */
export function medianInterval (values: readonly number[]): MedianInterval {
  const sorted = [...values].sort((a, b) => a - b)
  const n = sorted.length
  let k = 1
  while (k + 1 <= n / 2 && 1 - 2 * binomialHalfCdf(n, k) >= 0.95) k++
  return { low: sorted[k - 1] ?? Number.NaN, high: sorted[n - k] ?? Number.NaN, confidence: 1 - 2 * binomialHalfCdf(n, k - 1) }
}
