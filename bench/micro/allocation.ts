/**
 * Bytes of JS heap allocated per whole-pipeline call, by hand and through hookgate's receive(), at
 * each body size. Unlike time, this does not depend on how busy the machine is, so it shows a change
 * in hookgate's own work even when the timings cannot. `allocatedPerCall()` runs this file in a
 * process of its own, with hookgate from dist/.
 *
 * It counts with V8's sampling heap profiler, collected objects included, whose estimate of the bytes
 * allocated is unbiased. The growth of `heapUsed` over the calls, used before, also counts the unused
 * ends of young-generation pages, which depend on how the allocations happen to fall: at 64 KiB it
 * put hookgate 16 KB per call above hand code one day and level the next, with the same code.
 */
import { spawnSync } from 'node:child_process'
import { Session } from 'node:inspector/promises'
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

/** Mean bytes between samples: small enough for about a hundred thousand samples per count. */
const SAMPLING_INTERVAL = 128

interface SampledNode { readonly selfSize: number, readonly children: readonly SampledNode[] }

function totalBytes (node: SampledNode): number {
  let bytes = node.selfSize
  for (const child of node.children) bytes += totalBytes(child)
  return bytes
}

async function bytesPerCall (session: Session, fn: () => Promise<unknown>, calls: number): Promise<number> {
  // Warm up first, so that the counted calls run optimised code (unoptimised code allocates more).
  for (let i = 0; i < calls * 10; i++) await fn()
  // The two include flags are V8's (Node 20 has them), missing from @types/node's parameter type.
  const sampling = { samplingInterval: SAMPLING_INTERVAL, includeObjectsCollectedByMajorGC: true, includeObjectsCollectedByMinorGC: true }
  await session.post('HeapProfiler.startSampling', sampling)
  for (let i = 0; i < calls; i++) await fn()
  const { profile } = await session.post('HeapProfiler.stopSampling')
  return totalBytes(profile.head) / calls
}

async function measure (): Promise<Allocation> {
  const session = new Session()
  session.connect()
  const result: Allocation = {}
  for (const size of SIZES) {
    const { genuine } = requestSet('backchannel', size.bytes)
    const hand = handBackchannel(genuine.body, genuine.headers['x-bc-signature'] as string)
    const receiver = createReceiver(backchannel({ secret: BACKCHANNEL_SECRET }), { idempotency: false }).on(EVENT_TYPE, { schema: ORDER_SCHEMA }, async () => {})
    // About 20 MiB of bodies per count.
    const calls = Math.max(40, Math.round(20_000 * 1024 / size.bytes))
    result[size.label] = {
      hand: await bytesPerCall(session, hand.whole, calls),
      // Called as hand.whole is, with no async wrapper of its own: one would add its promise and an
      // await (about 450 bytes) to hookgate's count only.
      receive: await bytesPerCall(session, () => receiver.receive(genuine.body, genuine.headers), calls)
    }
  }
  session.disconnect()
  return result
}

/** Runs the measurement in its own process; `undefined` (with the reason on stderr) if it fails. */
export function allocatedPerCall (): Allocation | undefined {
  const child = spawnSync(process.execPath, ['--import', 'tsx', fileURLToPath(import.meta.url)], {
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
