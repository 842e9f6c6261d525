/**
 * Runs one Backchannel pipeline on a genuine body, `warmup + calls` times one after the other, and
 * exits: what `npm run bench:instructions` counts under valgrind to compare receive() with the same
 * job written by hand, without HTTP or a framework around either.
 *
 * Usage: node --import tsx bench/micro/repeat.ts <pipeline> <bytes> <calls> <warmup>
 * (run with bench/tsconfig.run.json as TSX_TSCONFIG_PATH, so that `hookgate` is dist/).
 */
import { fileURLToPath } from 'node:url'
import { createReceiver } from 'hookgate/core'
import { backchannel } from 'hookgate/providers'
import { BACKCHANNEL_SECRET, EVENT_TYPE, ORDER_SCHEMA } from '../lib/fixtures.js'
import { requestSet } from '../lib/requests.js'
import { handBackchannel } from './hand.js'

/** The pipelines compared, by name, each with what it is. */
export const PIPELINES = {
  hand: 'the job written by hand: node:crypto HMAC + timingSafeEqual, JSON.parse, a precompiled ajv validator, a Map',
  receive: 'receive() with the backchannel() preset and a schema, idempotency off (as the benchmark servers run)',
  'receive-no-timeout': 'the same with handlerTimeout: Infinity: what the handler deadline costs'
} as const

export type Pipeline = keyof typeof PIPELINES

/** One call of the pipeline, after checking that it accepts the body (receive() is called bare, as hand code is: an async wrapper costs a promise). */
async function pipeline (name: Pipeline, bytes: number): Promise<() => Promise<unknown>> {
  const { genuine } = requestSet('backchannel', bytes)
  if (name === 'hand') return handBackchannel(genuine.body, genuine.headers['x-bc-signature'] as string).whole
  const receiver = createReceiver(backchannel({ secret: BACKCHANNEL_SECRET }), name === 'receive' ? { idempotency: false } : { idempotency: false, handlerTimeout: Infinity })
    .on(EVENT_TYPE, { schema: ORDER_SCHEMA }, async () => {})
  const outcome = await receiver.receive(genuine.body, genuine.headers)
  if (outcome.status !== 200) throw new Error(`receive() answered ${outcome.status}`)
  return () => receiver.receive(genuine.body, genuine.headers)
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const [name = '', bytes, calls, warmup] = process.argv.slice(2)
  if (!Object.hasOwn(PIPELINES, name)) throw new TypeError(`unknown pipeline "${name}": ${Object.keys(PIPELINES).join(', ')}`)
  const run = await pipeline(name as Pipeline, Number(bytes))
  for (let i = Number(warmup) + Number(calls); i > 0; i--) await run()
}
