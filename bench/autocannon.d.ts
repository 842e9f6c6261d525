// autocannon ships no type declarations: the part of its programmatic API the benchmark uses.
declare module 'autocannon' {
  namespace autocannon {
    interface Request {
      method?: string
      path?: string
      headers?: Record<string, string>
      body?: string | Buffer
      /** Called before each request is sent; returns the request to send (a new body, new headers). */
      setupRequest?: (request: Request) => Request
    }
    interface Options {
      url: string
      connections?: number
      pipelining?: number
      duration?: number
      amount?: number
      /** Requests per second across all connections (a fixed rate instead of as fast as possible). */
      overallRate?: number
      timeout?: number
      requests?: Request[]
    }
    interface Histogram {
      average: number
      mean: number
      stddev: number
      min: number
      max: number
      total: number
      p50: number
      p90: number
      p99: number
    }
    interface Result {
      requests: Histogram & { sent: number }
      latency: Histogram
      throughput: Histogram
      errors: number
      timeouts: number
      non2xx: number
      '2xx': number
      '4xx': number
      '5xx': number
      duration: number
      statusCodeStats: Record<string, { count: number }>
    }
  }
  function autocannon (options: autocannon.Options): Promise<autocannon.Result>
  export default autocannon
}
