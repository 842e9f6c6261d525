/**
 * Micro benchmark of hookgate's pipeline stages (verify, parse, validate, dispatch) at each body size,
 * without HTTP, beside the same work written by hand with node:crypto, JSON.parse and ajv, and beside
 * node:crypto's HMAC-SHA256 throughput: the physical floor of verifying a body; and the JS heap
 * bytes each whole pipeline allocates per call (allocation.ts), which no machine noise disturbs.
 *
 * Standalone, after `npm run build`: TSX_TSCONFIG_PATH=bench/tsconfig.run.json node --import tsx bench/micro/run.ts
 * (that tsconfig resolves `hookgate` to dist/; without it, tsx's paths map it to src/)
 */
import { createHmac, timingSafeEqual, webcrypto } from 'node:crypto'
import { fileURLToPath } from 'node:url'
import { flattenedVerify } from 'jose'
import secureJson from 'secure-json-parse'
import * as v from 'valibot'
import { z } from 'zod'
import { createAjv, createReceiver, type InboundRequest } from 'hookgate/core'
import { backchannel, bread } from 'hookgate/providers'
import { CONFIG, SIZES } from '../lib/config.js'
import { BACKCHANNEL_SECRET, BREAD_BASIC, BREAD_KID, BREAD_SECRET, EVENT_TYPE, ORDER_SCHEMA } from '../lib/fixtures.js'
import { requestSet, type BenchRequest } from '../lib/requests.js'
import { allocatedPerCall } from './allocation.js'
import { handBackchannel } from './hand.js'
import { timeAsync, timeSync } from '../lib/timing.js'
// Internal: the parse stage as the receiver runs it (not part of the public API).
import { parseJson } from '../../src/core/json.js'

/** ORDER_SCHEMA's rules in Zod 4 and in Valibot (unknown keys kept, as the JSON Schema keeps them). */
const ZOD_ITEM = z.looseObject({ sku: z.string(), qty: z.number().int().min(1), note: z.string().optional() })
const ZOD_ORDER = z.looseObject({ order_id: z.string().min(1), amount: z.number().int().min(0), currency: z.string().length(3), items: z.array(ZOD_ITEM), note: z.string().optional() })
const VALIBOT_ITEM = v.looseObject({ sku: v.string(), qty: v.pipe(v.number(), v.integer(), v.minValue(1)), note: v.optional(v.string()) })
const VALIBOT_ORDER = v.looseObject({ order_id: v.pipe(v.string(), v.minLength(1)), amount: v.pipe(v.number(), v.integer(), v.minValue(0)), currency: v.pipe(v.string(), v.length(3)), items: v.array(VALIBOT_ITEM), note: v.optional(v.string()) })

/** Nanoseconds per operation, by row name. */
export type MicroRows = Record<string, number>

export interface MicroResult {
  readonly size: string
  readonly bytes: number
  readonly backchannel: MicroRows
  readonly bread: MicroRows
  /** JS heap bytes allocated per whole-pipeline call (Backchannel), if that measurement ran. */
  readonly allocated: { readonly hand: number, readonly receive: number } | undefined
}

function inbound (req: BenchRequest): InboundRequest {
  const headers = req.headers
  return { body: req.body, header: (name) => headers[name], headers, now: Date.now }
}

async function backchannelRows (bytes: number, ms: number): Promise<MicroRows> {
  const { genuine, forged } = requestSet('backchannel', bytes)
  const body = genuine.body
  const key = Buffer.from(BACKCHANNEL_SECRET)
  const signature = genuine.headers['x-bc-signature'] as string
  const hookgateAjv = createAjv().compile(ORDER_SCHEMA)
  const data = (JSON.parse(body.toString('utf8')) as { data: unknown }).data
  const hand = handBackchannel(body, signature)
  const provider = backchannel({ secret: BACKCHANNEL_SECRET })
  const [verifier] = provider.verifiers
  if (verifier === undefined) throw new Error('backchannel() has no verifier')
  const request = inbound(genuine)
  const none = createReceiver(backchannel({ secret: BACKCHANNEL_SECRET }), { idempotency: false })
  const bare = createReceiver(backchannel({ secret: BACKCHANNEL_SECRET }), { idempotency: false }).on(EVENT_TYPE, async () => {})
  const full = createReceiver(backchannel({ secret: BACKCHANNEL_SECRET }), { idempotency: false }).on(EVENT_TYPE, { schema: ORDER_SCHEMA }, async () => {})
  const rows: MicroRows = {}
  rows['node:crypto HMAC-SHA256 (floor)'] = timeSync(() => createHmac('sha256', key).update(body).digest(), ms)
  rows['hand: verify (hex, HMAC, timingSafeEqual)'] = timeSync(hand.verify, ms)
  rows['hand: JSON.parse(body.toString())'] = timeSync(() => JSON.parse(body.toString('utf8')), ms)
  rows['hookgate: parseJson() (core/json.ts)'] = timeSync(() => parseJson(body), ms)
  rows['secure-json-parse'] = timeSync(() => secureJson.parse(body.toString('utf8')), ms)
  rows['hand: ajv validate (new Ajv())'] = timeSync(() => hand.validate(data), ms)
  rows['ajv validate (createAjv: ajv-formats)'] = timeSync(() => hookgateAjv(data), ms)
  // The same rules as Standard Schemas, for handlers that declare their schema in Zod or Valibot.
  rows['zod 4 validate (~standard)'] = timeSync(() => ZOD_ORDER['~standard'].validate(data), ms)
  rows['valibot validate (~standard)'] = timeSync(() => VALIBOT_ORDER['~standard'].validate(data), ms)
  rows['hand: Map lookup + handler'] = await timeAsync(async () => { await hand.handlers.get(EVENT_TYPE)?.(data) }, ms)
  rows['hand: whole pipeline'] = await timeAsync(hand.whole, ms)
  rows['hookgate: verifier.verify()'] = timeSync(() => verifier.verify(request), ms)
  const parsed: unknown = secureJson.parse(body.toString('utf8'))
  rows['hookgate: envelope.open()'] = timeSync(() => provider.envelope.open(parsed, request), ms)
  // Whole-pipeline rows: five batches, as a 512 KiB call takes milliseconds and GC pauses land in some batches.
  // receive() is timed as hand.whole is, with no async wrapper of its own (one costs about 0.1 µs a call).
  rows['hookgate: receive(), forged'] = await timeAsync(() => full.receive(body, forged.headers), ms, 5)
  rows['hookgate: receive(), no handler'] = await timeAsync(() => none.receive(body, genuine.headers), ms, 5)
  rows['hookgate: receive(), handler, no schema'] = await timeAsync(() => bare.receive(body, genuine.headers), ms, 5)
  rows['hookgate: receive(), handler + schema'] = await timeAsync(() => full.receive(body, genuine.headers), ms, 5)
  return rows
}

async function breadRows (bytes: number, ms: number): Promise<MicroRows> {
  const { genuine, forged } = requestSet('bread', bytes)
  const body = genuine.body
  const [protectedPart = '', , signature = ''] = (genuine.headers['x-jws-signature'] as string).split('.')
  const secret = Buffer.from(BREAD_SECRET)
  const cryptoKey = await webcrypto.subtle.importKey('raw', secret, { name: 'HMAC', hash: 'SHA-256' }, false, ['verify'])
  const options = { algorithms: ['HS256'], crit: { Timestamp: true } }
  const provider = bread({ keys: { [BREAD_KID]: BREAD_SECRET }, basicAuth: BREAD_BASIC })
  const request = inbound(genuine)
  const full = createReceiver(bread({ keys: { [BREAD_KID]: BREAD_SECRET }, basicAuth: BREAD_BASIC }), { idempotency: false })
    .on(EVENT_TYPE, { schema: ORDER_SCHEMA }, async () => {})
  const rows: MicroRows = {}
  rows['node:crypto HS256 over base64url(body) (floor)'] = timeSync(() => {
    const mac = createHmac('sha256', secret).update(`${protectedPart}.`).update(body.toString('base64url')).digest()
    return timingSafeEqual(mac, Buffer.from(signature, 'base64url'))
  }, ms)
  rows['jose flattenedVerify, CryptoKey imported once'] = await timeAsync(() => flattenedVerify({ protected: protectedPart, payload: body.toString('base64url'), signature }, cryptoKey, options), ms)
  rows['jose flattenedVerify, Uint8Array key'] = await timeAsync(() => flattenedVerify({ protected: protectedPart, payload: body.toString('base64url'), signature }, secret, options), ms)
  rows['hookgate: Basic + JWS verifiers'] = await timeAsync(async () => {
    for (const verifier of provider.verifiers) await verifier.verify(request)
  }, ms)
  rows['hookgate: receive(), forged'] = await timeAsync(() => full.receive(body, forged.headers), ms, 5)
  rows['hookgate: receive(), handler + schema'] = await timeAsync(() => full.receive(body, genuine.headers), ms, 5)
  return rows
}

export async function runMicro (ms: number = CONFIG.microMs): Promise<MicroResult[]> {
  const allocation = allocatedPerCall()
  const results: MicroResult[] = []
  for (const size of SIZES) {
    results.push({ size: size.label, bytes: size.bytes, backchannel: await backchannelRows(size.bytes, ms), bread: await breadRows(size.bytes, ms), allocated: allocation?.[size.label] })
  }
  return results
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const started = Date.now()
  for (const result of await runMicro()) {
    console.log(`\n${result.size}`)
    for (const [group, rows] of [['backchannel', result.backchannel], ['bread', result.bread]] as const) {
      for (const [name, ns] of Object.entries(rows)) console.log(`  ${group.padEnd(12)} ${name.padEnd(48)} ${(ns / 1000).toFixed(2).padStart(9)} µs`)
    }
    if (result.allocated !== undefined) console.log(`  JS heap allocated per call: hand ${Math.round(result.allocated.hand)} B, receive() ${Math.round(result.allocated.receive)} B`)
  }
  console.log(`\n${((Date.now() - started) / 1000).toFixed(1)} s`)
}
