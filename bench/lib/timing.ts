/** Small timing and statistics helpers shared by the micro benchmark and the report. */

export function median (values: readonly number[]): number {
  if (values.length === 0) return Number.NaN
  const sorted = [...values].sort((a, b) => a - b)
  const mid = sorted.length >> 1
  return sorted.length % 2 === 1 ? sorted[mid] as number : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2
}

export function spread (values: readonly number[]): { min: number, max: number } {
  return { min: Math.min(...values), max: Math.max(...values) }
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
