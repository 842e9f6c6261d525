import autocannon from 'autocannon'
import { CONFIG } from './config.js'
import { cpuMicros } from './cpu.js'
import type { BenchRequest } from './requests.js'

export interface LoadResult {
  /** Responses per second over the run. */
  readonly rps: number
  /** Latency percentiles, milliseconds. */
  readonly p50: number
  readonly p99: number
  readonly responses: number
  /** Response count by status code. */
  readonly statuses: Readonly<Record<string, number>>
  readonly errors: number
  readonly timeouts: number
  /** The server process's CPU time (user + system) per response, µs; set by callers that know its pid. */
  readonly cpuUs?: number
}

/** How the load is shaped when not the default: connections, a fixed rate, a request rewritten before each send. */
export interface LoadShape {
  readonly connections?: number
  /** Requests per second across all connections, instead of as fast as the server answers. */
  readonly overallRate?: number
  /** Rewrites each request before it is sent (a new event every time, say). */
  readonly each?: (request: autocannon.Request) => autocannon.Request
}

/** `load()`, also measuring the server process's CPU time per response. */
export async function loadMeasured (server: { url: string, pid: number }, requests: readonly BenchRequest[], limit: { seconds: number } | { amount: number }, timeoutSeconds = 20, shape: LoadShape = {}): Promise<LoadResult> {
  const before = cpuMicros(server.pid)
  const result = await load(server.url, requests, limit, timeoutSeconds, shape)
  const after = cpuMicros(server.pid)
  return before === undefined || after === undefined || result.responses === 0 ? result : { ...result, cpuUs: (after - before) / result.responses }
}

/**
 * Drives `url` with autocannon (16 connections, no pipelining) for `seconds`, or for `amount`
 * requests. The connections cycle through `requests` in order, so [genuine, forged] is a 50 % mix.
 * A response slower than `timeoutSeconds` counts as a timeout, not as a response.
 */
export async function load (url: string, requests: readonly BenchRequest[], limit: { seconds: number } | { amount: number }, timeoutSeconds = 20, shape: LoadShape = {}): Promise<LoadResult> {
  const target = new URL(url)
  if (target.hostname !== '127.0.0.1') throw new Error(`refusing to load ${url}: the benchmark only targets 127.0.0.1`)
  const result = await autocannon({
    url,
    connections: shape.connections ?? CONFIG.connections,
    pipelining: 1,
    timeout: timeoutSeconds,
    ...('seconds' in limit ? { duration: limit.seconds } : { amount: limit.amount }),
    ...(shape.overallRate === undefined ? {} : { overallRate: shape.overallRate }),
    requests: requests.map((r) => ({ method: r.method, path: r.path, headers: r.headers, body: r.body, ...(shape.each === undefined ? {} : { setupRequest: shape.each }) }))
  })
  const statuses: Record<string, number> = {}
  for (const [code, { count }] of Object.entries(result.statusCodeStats ?? {})) statuses[code] = count
  const responses = Object.values(statuses).reduce((a, b) => a + b, 0)
  return {
    rps: responses / result.duration,
    p50: result.latency.p50,
    p99: result.latency.p99,
    responses,
    statuses,
    errors: result.errors,
    timeouts: result.timeouts
  }
}
