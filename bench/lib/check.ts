import { SIZES } from './config.js'
import { requestSet, type BenchRequest, type Scheme } from './requests.js'

export interface CheckResult {
  readonly ok: boolean
  /** What was sent and what came back, e.g. "genuine 1 KiB → 200". */
  readonly lines: readonly string[]
}

async function status (url: string, request: BenchRequest): Promise<number> {
  const response = await fetch(new URL(request.path, url), { method: request.method, headers: request.headers, body: request.body })
  await response.arrayBuffer()
  return response.status
}

/**
 * Checks a server before it is timed: a genuine delivery of every size gets 2xx, a forged one 401, a
 * genuine one whose payload fails the schema 400. `verifies: false` (the bare ceiling) only checks
 * that genuine deliveries are accepted.
 */
export async function checkServer (url: string, scheme: Scheme, verifies: boolean): Promise<CheckResult> {
  const lines: string[] = []
  let ok = true
  const expect = async (label: string, request: BenchRequest, wanted: (code: number) => boolean, want: string): Promise<void> => {
    let code: number | string
    try {
      code = await status(url, request)
    } catch (err) {
      code = (err as Error).message
    }
    const pass = typeof code === 'number' && wanted(code)
    if (!pass) ok = false
    lines.push(`${label} → ${code}${pass ? '' : ` (expected ${want})`}`)
  }
  for (const size of SIZES) {
    await expect(`genuine ${size.label}`, requestSet(scheme, size.bytes).genuine, (c) => c >= 200 && c < 300, '2xx')
  }
  if (verifies) {
    const set = requestSet(scheme, 1024)
    await expect('forged 1 KiB', set.forged, (c) => c === 401, '401')
    await expect('schema-invalid 1 KiB', set.invalid, (c) => c === 400, '400')
  }
  return { ok, lines }
}
