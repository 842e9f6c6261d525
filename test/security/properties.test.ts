// Property-based tests: a hostile sender against every adapter and both presets. Bounded runs
// (FC_RUNS, default 50 per property and adapter) keep `npm test` within its budget.
import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { randomUUID } from 'node:crypto'
import fc from 'fast-check'
import { ADAPTERS, type Declarable, type Harness } from '../contract/harness.js'
import { SENDERS, type Sender } from '../contract/senders.js'

const RUNS = Number(process.env.FC_RUNS ?? 50)
const WHITESPACE = new Set([0x20, 0x09, 0x0a, 0x0d])

function counting (ran: string[]) {
  return (endpoint: Declarable): void => { endpoint.on('*', (event) => { ran.push(event.id) }) }
}

type Mutation =
  | { kind: 'flip', index: number, bit: number }
  | { kind: 'truncate', length: number }
  | { kind: 'extend', bytes: Uint8Array }
  | { kind: 'signature', index: number, char: string }
  | { kind: 'header', name: string, value: string }

function mutations (sender: Sender): fc.Arbitrary<Mutation> {
  const signedHeaders = sender.name === 'bread'
    ? fc.constantFrom('timestamp', 'authorization').chain((name) => fc.string({ minLength: 1, maxLength: 40 }).map((value) => ({ kind: 'header' as const, name, value })))
    : fc.constant({ kind: 'header' as const, name: 'x-bc-signature', value: 'sha256=' })
  return fc.oneof(
    fc.record({ kind: fc.constant('flip' as const), index: fc.nat(), bit: fc.integer({ min: 0, max: 7 }) }),
    fc.record({ kind: fc.constant('truncate' as const), length: fc.nat() }),
    // Whitespace-only additions are excluded: Backchannel's documented compact-JSON fallback accepts
    // a MAC over the compact form, so `{…} ` carries the same signed content.
    fc.record({ kind: fc.constant('extend' as const), bytes: fc.uint8Array({ minLength: 1, maxLength: 16 }).filter((b) => b.some((x) => !WHITESPACE.has(x))) }),
    fc.record({ kind: fc.constant('signature' as const), index: fc.nat(), char: fc.constantFrom(...'ABCDEFabcdef0123456789-_') }),
    signedHeaders
  )
}

function apply (mutation: Mutation, sender: Sender, delivery: { headers: Record<string, string>, body: string }): { headers: Record<string, string>, body: Buffer } | undefined {
  const body = Buffer.from(delivery.body)
  const headers = { ...delivery.headers }
  switch (mutation.kind) {
    case 'flip': {
      const i = mutation.index % body.length
      body[i] = (body[i] as number) ^ (1 << mutation.bit)
      return { headers, body }
    }
    case 'truncate':
      return { headers, body: body.subarray(0, mutation.length % body.length) }
    case 'extend':
      return { headers, body: Buffer.concat([body, mutation.bytes]) }
    case 'signature': {
      const name = sender.signatureHeaders[0] as string
      const value = headers[name] as string
      const i = mutation.index % value.length
      if (value[i] === mutation.char || value[i] === '.' || value[i] === '=') return undefined
      headers[name] = value.slice(0, i) + mutation.char + value.slice(i + 1)
      return { headers, body }
    }
    case 'header':
      if (headers[mutation.name] === mutation.value) return undefined
      headers[mutation.name] = mutation.value
      return { headers, body }
  }
}

async function withHarness (adapterIndex: number, sender: Sender, run: (h: Harness, ran: string[]) => Promise<void>): Promise<void> {
  const ran: string[] = []
  const harness = await (ADAPTERS[adapterIndex] as typeof ADAPTERS[number]).start(sender.provider, { ...sender.options, bodyLimit: 64 * 1024 }, counting(ran))
  try {
    await run(harness, ran)
  } finally {
    await harness.close()
  }
}

for (const sender of SENDERS) {
  ADAPTERS.forEach((adapter, adapterIndex) => {
    describe(`${adapter.name} × ${sender.name}: properties`, () => {
      test('any change to a genuinely signed request is refused with 401 and no handler runs', async () => {
        await withHarness(adapterIndex, sender, async (harness, ran) => {
          await fc.assert(fc.asyncProperty(fc.string({ minLength: 1, maxLength: 200 }), mutations(sender), async (text, mutation) => {
            const genuine = sender.deliver('order.created', { note: text })
            const forged = apply(mutation, sender, genuine)
            fc.pre(forged !== undefined)
            const before = ran.length
            const reply = await harness.send(forged as { headers: Record<string, string>, body: Buffer })
            assert.equal(reply.status, 401, `${JSON.stringify(mutation)} → ${reply.status} ${JSON.stringify(reply.body)}`)
            assert.equal(ran.length, before)
          }), { numRuns: RUNS })
          // The unmutated delivery still passes: the property is not vacuous.
          assert.equal((await harness.send(sender.deliver('order.created', { note: 'control' }))).status, 200)
        })
      })

      test('any bytes with any headers: never a 5xx, never a throw, never a handler', async () => {
        await withHarness(adapterIndex, sender, async (harness, ran) => {
          const headerName = fc.constantFrom('content-type', 'x-bc-signature', 'x-jws-signature', 'authorization', 'timestamp', 'ce-id', 'ce-type', 'ce-source', 'ce-specversion', 'content-encoding', 'x-other')
          const headerValue = fc.oneof(fc.string({ maxLength: 100 }), fc.constantFrom('application/json', 'application/cloudevents+json', 'application/cloudevents-batch+json', '1.0', 'sha256=00', 'Basic Og=='))
          const printable = (v: string): string => v.replace(/[^\x20-\x7e]/g, '')
          await fc.assert(fc.asyncProperty(
            fc.uint8Array({ maxLength: 2048 }),
            fc.dictionary(headerName, headerValue.map(printable), { maxKeys: 8 }),
            async (body, headers) => {
              const reply = await harness.send({ headers, body: Buffer.from(body) })
              assert.ok(reply.status < 500, `${reply.status} ${JSON.stringify(reply.body)} for ${JSON.stringify(headers)}`)
              assert.equal(ran.length, 0)
            }
          ), { numRuns: RUNS })
        })
      })

      test('header name case never matters; a repeated signature header is refused, even with two right copies', async () => {
        await withHarness(adapterIndex, sender, async (harness, ran) => {
          await fc.assert(fc.asyncProperty(fc.array(fc.boolean(), { minLength: 32, maxLength: 32 }), fc.string({ maxLength: 50 }), async (upper, text) => {
            const { headers, body } = sender.deliver('order.created', { note: text }, { id: randomUUID() })
            const recased = Object.fromEntries(Object.entries(headers).map(([name, value], i) => [upper[i % upper.length] === true ? name.toUpperCase() : name, value]))
            const before = ran.length
            const genuine = await harness.send({ headers: recased, body })
            assert.equal(genuine.status === 200 && ran.length === before + 1, true, `case-changed headers → ${genuine.status}`)
            const name = sender.signatureHeaders[0] as string
            const doubled = { ...headers, [name]: `${headers[name] as string}, ${headers[name] as string}` }
            const repeated = await harness.send({ headers: doubled, body })
            assert.equal(repeated.status, 401)
            assert.equal(ran.length, before + 1)
          }), { numRuns: Math.max(5, Math.floor(RUNS / 2)) })
        })
      })
    })
  })
}
