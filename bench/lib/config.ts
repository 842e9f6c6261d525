/**
 * Every knob of `npm run bench` in one place. The defaults keep the whole run under 10 minutes on a
 * 2-core machine; environment variables override them for a quicker look or a more careful one.
 */
function envNumber (name: string, fallback: number): number {
  const value = process.env[name]
  if (value === undefined || value === '') return fallback
  const n = Number(value)
  if (!Number.isFinite(n) || n <= 0) throw new TypeError(`${name} must be a positive number`)
  return n
}

export const CONFIG = {
  /** Seconds per timed run; whole seconds, because autocannon rounds a duration up to one. */
  duration: Math.ceil(envNumber('BENCH_DURATION', 1)),
  /** Seconds of untimed load on each fresh server process before it is timed (whole seconds too). */
  warmup: Math.ceil(envNumber('BENCH_WARMUP', 1)),
  /**
   * Rounds per workload, interleaved across servers (A B C … A B C …), each on fresh processes:
   * six short rounds beat three long ones, because a process's luck varies more than its runs do.
   */
  rounds: envNumber('BENCH_ROUNDS', 6),
  /**
   * Seconds into the run until which extra rounds are timed for the comparisons the rounds above
   * left undecided (only their servers, only their workloads); a round starts only if it should end
   * by then. What is left after it (the profiles and the report) takes well under a minute.
   */
  settleUntil: envNumber('BENCH_SETTLE_UNTIL', 545),
  connections: envNumber('BENCH_CONNECTIONS', 16),
  /** Requests in the long memory run. */
  memoryRequests: envNumber('BENCH_MEMORY_REQUESTS', 200_000),
  /** Seconds each server is profiled with --cpu-prof when a goal is missed. */
  profileSeconds: envNumber('BENCH_PROFILE_SECONDS', 4),
  /** Functions listed by self time in each profile summary. */
  profileTop: envNumber('BENCH_TOP', 14),
  /** Approximate milliseconds per micro-benchmark measurement. */
  microMs: envNumber('BENCH_MICRO_MS', 80)
} as const

export const SIZES = [
  { label: '1 KiB', bytes: 1024 },
  { label: '64 KiB', bytes: 64 * 1024 },
  { label: '512 KiB', bytes: 512 * 1024 }
] as const

export type SizeLabel = typeof SIZES[number]['label']

/** Every server listens here and nowhere else. */
export const HOST = '127.0.0.1'
export const PATH = '/webhook'

/** The busy work the calibration server adds to each accepted request, in µs. */
export const CALIBRATION_EXTRA_US = 1.5
