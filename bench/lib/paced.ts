import http from 'node:http'

export interface PacedResult {
  /** Latency percentiles of the answers, milliseconds. */
  readonly p50: number
  readonly p99: number
  readonly max: number
  /** Response count by status code. */
  readonly statuses: Readonly<Record<string, number>>
  readonly errors: number
}

export interface PacedRequest {
  readonly path: string
  readonly headers: Readonly<Record<string, string>>
  readonly body: Buffer
}

/**
 * An open-loop load at a fixed rate with evenly spaced sends, as a sender's deliveries arrive:
 * request i leaves at start + i / rate whether or not earlier ones were answered (keep-alive
 * connections, up to `connections` at once). autocannon's fixed rate sends each second's requests
 * at the top of the second, so its latencies measure a burst of `rate` requests, not the rate.
 */
export async function pacedLoad (url: string, next: () => PacedRequest, { rate, seconds, connections = 50 }: { rate: number, seconds: number, connections?: number }): Promise<PacedResult> {
  const target = new URL(url)
  if (target.hostname !== '127.0.0.1') throw new Error(`refusing to load ${url}: the benchmark only targets 127.0.0.1`)
  const agent = new http.Agent({ keepAlive: true, maxSockets: connections })
  const latencies: number[] = []
  const statuses: Record<string, number> = {}
  let errors = 0
  const sent: Array<Promise<void>> = []
  const start = performance.now()
  for (let i = 0; i < rate * seconds; i++) {
    const wait = start + i * 1000 / rate - performance.now()
    if (wait > 1) await new Promise((resolve) => setTimeout(resolve, wait))
    const request = next()
    sent.push(new Promise<void>((resolve) => {
      const began = performance.now()
      const req = http.request(new URL(request.path, target), { method: 'POST', agent, headers: { ...request.headers, 'content-length': String(request.body.length) } }, (res) => {
        res.resume()
        res.on('end', () => {
          latencies.push(performance.now() - began)
          statuses[res.statusCode ?? 0] = (statuses[res.statusCode ?? 0] ?? 0) + 1
          resolve()
        })
      })
      req.on('error', () => { errors++; resolve() })
      req.end(request.body)
    }))
  }
  await Promise.all(sent)
  agent.destroy()
  latencies.sort((a, b) => a - b)
  const at = (q: number): number => latencies[Math.min(latencies.length - 1, Math.floor(latencies.length * q))] ?? Number.NaN
  return { p50: at(0.5), p99: at(0.99), max: latencies.at(-1) ?? Number.NaN, statuses, errors }
}
