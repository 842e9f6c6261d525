import type { BenchRequest, RequestSet } from './requests.js'

export interface Workload {
  readonly id: string
  readonly label: string
  readonly bytes: number
  /** The requests each connection cycles through. */
  readonly pick: (set: RequestSet) => BenchRequest[]
  /** Whether a 401 is an expected answer in this workload. */
  readonly forged: boolean
}

export const WORKLOADS: readonly Workload[] = [
  { id: 'genuine-1k', label: '1 KiB', bytes: 1024, pick: (s) => [s.genuine], forged: false },
  { id: 'genuine-64k', label: '64 KiB', bytes: 64 * 1024, pick: (s) => [s.genuine], forged: false },
  { id: 'genuine-512k', label: '512 KiB', bytes: 512 * 1024, pick: (s) => [s.genuine], forged: false },
  { id: 'mix-1k', label: '1 KiB, 50 % forged', bytes: 1024, pick: (s) => [s.genuine, s.forged], forged: true }
]

/** The workloads with one body size each, in size order (the chart and the per-size goals use these). */
export const SIZE_WORKLOADS = WORKLOADS.filter((w) => !w.forged)
