/**
 * `npm run bench:forged`: what a forged Backchannel body costs against a genuine delivery of the same
 * bytes, for the shapes that make the compact-JSON fallback work (16-digit numbers and keys in digits
 * send it to a parse and a re-serialisation; whitespace to a strip and a second MAC), through
 * `createReceiver().receive()` in this process. Writes its section of bench/results.md.
 */
import { createReceiver } from 'hookgate/core'
import { backchannel } from 'hookgate/providers'
import { signBackchannel } from 'hookgate/testing'
import { writeSection } from './lib/sections.js'
import { pin } from './lib/spawn.js'
import { timeAsync } from './lib/timing.js'

pin(process.pid, 1)
const SECRET = 'bench-forged-secret'
const HEAD = '{"id":"evt_1","type":"order.paid","created_at":1708456200,"data":'

/** A Backchannel event of about `bytes` whose data is `unit(i)` repeated, comma-separated, between `open` and `close`. */
function body (bytes: number, unit: (i: number) => string, open: string, close: string): Buffer {
  const parts: string[] = []
  let length = HEAD.length + open.length + close.length + 1
  for (let i = 0; length + unit(i).length + 1 <= bytes; i++) {
    parts.push(unit(i))
    length += unit(i).length + 1
  }
  return Buffer.from(`${HEAD}${open}${parts.join(',')}${close}}`)
}

const SHAPES: Record<string, (bytes: number) => Buffer> = {
  'compact keys and strings': (bytes) => body(bytes, (i) => `"k${i}":"v"`, '{', '}'),
  '16-digit numbers': (bytes) => body(bytes, () => '1234567890123456', '{"n":[', ']}'),
  'keys in digits': (bytes) => body(bytes, (i) => `"${i}":1`, '{', '}'),
  'whitespace between numbers': (bytes) => body(bytes, () => '1     ', '{"n":[', ']}')
}
const SIZES = [8 * 1024, 64 * 1024, 1024 * 1024]
const receiver = createReceiver(backchannel({ secret: SECRET }), { idempotency: false, bodyLimit: 2 * 1024 * 1024 }).on('order.paid', async () => {})
// The fallback's budget refills with the receiver's clock: ten seconds pass between requests here,
// so every forged body gets the fallback's full work, as the first ones of a flood do.
let clock = Date.now()
const rested = createReceiver(backchannel({ secret: SECRET }), { idempotency: false, bodyLimit: 2 * 1024 * 1024, now: () => (clock += 10_000) }).on('order.paid', async () => {})

const rows: string[] = []
for (const bytes of SIZES) {
  for (const [shape, make] of Object.entries(SHAPES)) {
    const bytesOfShape = make(bytes)
    const genuine = signBackchannel(bytesOfShape, SECRET)
    const forged = { ...genuine, 'x-bc-signature': `sha256=${'0'.repeat(64)}` }
    if ((await receiver.receive(bytesOfShape, genuine)).status !== 200 || (await receiver.receive(bytesOfShape, forged)).status !== 401) throw new Error(`${shape}: not 200 and 401`)
    const genuineNs = await timeAsync(() => receiver.receive(bytesOfShape, genuine), 600, 5)
    const firstNs = await timeAsync(() => rested.receive(bytesOfShape, forged), 600, 5)
    const floodNs = await timeAsync(() => receiver.receive(bytesOfShape, forged), 600, 5)
    const us = (ns: number): string => `${(ns / 1000).toFixed(0)} µs`
    rows.push(`| ${bytes / 1024} KiB | ${shape} | ${us(genuineNs)} | ${us(firstNs)} | ${(firstNs / genuineNs).toFixed(2)} | ${us(floodNs)} | ${(floodNs / genuineNs).toFixed(2)} |`)
    console.log(`[forged bench] ${rows.at(-1) ?? ''}`)
  }
}

writeSection('forged-bench', 'Forged bodies against genuine ones', 'npm run bench:forged', [
  'Backchannel through `createReceiver().receive()` (one handler, no schema, de-duplication off), in one process pinned to CPU 1: the median of five timed batches of 600 ms. Genuine: the bytes signed as sent (verify, parse, envelope, handler). Forged: the same bytes with a MAC that does not match. The compact-JSON fallback looks at bodies up to 64 KiB (`maxBytes`), and fails on at most 256 KiB of them per second and endpoint (`failedBytesPerSecond`); above the size, or once that budget is spent, a forged body costs one MAC. Within the budget: a receiver whose clock moves 10 s per request, so each forged body gets the fallback\'s whole work (the first ones of a flood). A flood: forged bodies back to back, as an attacker sends them, the budget spent after its first 256 KiB. Goal: a flood costs no more than genuine deliveries of the same bytes.',
  '',
  '| body | shape | genuine | forged, within the budget | / genuine | forged, a flood | / genuine |',
  '|---|---|---:|---:|---:|---:|---:|',
  ...rows
])
console.log('[forged bench] wrote its section of bench/results.md')
