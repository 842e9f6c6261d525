/**
 * Bytes of JS heap allocated per whole-pipeline call, by hand and through hookgate's receive(), at
 * each body size. Unlike time, this does not depend on how busy the machine is, so it shows a change
 * in hookgate's own work even when the timings cannot. `allocatedPerCall()` runs this file in a
 * process of its own, with hookgate from dist/ and a young generation large enough that no
 * collection runs while it counts.
 */
import { spawnSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { createReceiver } from 'hookgate/core'
import { backchannel } from 'hookgate/providers'
import { SIZES } from '../lib/config.js'
import { BACKCHANNEL_SECRET, EVENT_TYPE, ORDER_SCHEMA } from '../lib/fixtures.js'
import { requestSet } from '../lib/requests.js'
import { DIST_ENV } from '../lib/spawn.js'
import { handBackchannel } from './hand.js'

/** Bytes per call, by size label. */
export type Allocation = Record<string, { readonly hand: number, readonly receive: number }>

const SEMI_SPACE_MB = 256

async function bytesPerCall (fn: () => Promise<unknown>, calls: number): Promise<number> {
  // Warm up first, so that the counted calls run optimised code (unoptimised code allocates more).
  for (let i = 0; i < calls * 10; i++) await fn()
  const gc = (globalThis as { gc?: () => void }).gc
  if (gc === undefined) throw new Error('run with --expose-gc')
  gc()
  const before = process.memoryUsage().heapUsed
  for (let i = 0; i < calls; i++) await fn()
  return (process.memoryUsage().heapUsed - before) / calls
}

async function measure (): Promise<Allocation> {
  const result: Allocation = {}
  for (const size of SIZES) {
    const { genuine } = requestSet('backchannel', size.bytes)
    const hand = handBackchannel(genuine.body, genuine.headers['x-bc-signature'] as string)
    const receiver = createReceiver(backchannel({ secret: BACKCHANNEL_SECRET }), { idempotency: false }).on(EVENT_TYPE, { schema: ORDER_SCHEMA }, async () => {})
    // About 5 MiB of bodies per count: well inside the young generation.
    const calls = Math.max(20, Math.round(5000 * 1024 / size.bytes))
    result[size.label] = {
      hand: await bytesPerCall(hand.whole, calls),
      receive: await bytesPerCall(async () => await receiver.receive(genuine.body, genuine.headers), calls)
    }
  }
  return result
}

/** Runs the measurement in its own process; `undefined` (with the reason on stderr) if it fails. */
export function allocatedPerCall (): Allocation | undefined {
  const child = spawnSync(process.execPath, ['--expose-gc', `--min-semi-space-size=${SEMI_SPACE_MB}`, `--max-semi-space-size=${SEMI_SPACE_MB}`, '--import', 'tsx', fileURLToPath(import.meta.url)], {
    env: DIST_ENV,
    encoding: 'utf8',
    timeout: 120_000
  })
  if (child.status !== 0) {
    process.stderr.write(`allocation measurement failed: ${child.stderr || String(child.error)}\n`)
    return undefined
  }
  return JSON.parse(child.stdout) as Allocation
}

if (process.argv[1] === fileURLToPath(import.meta.url)) process.stdout.write(JSON.stringify(await measure()))
