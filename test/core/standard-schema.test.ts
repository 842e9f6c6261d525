// Handlers whose schema is a Standard Schema (Zod 4, Valibot): validated by it, given its output, and
// refused with hookgate's 400 shape, on every adapter; a schema that throws is a 500 of its own.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import * as v from 'valibot'
import { z } from 'zod'
import { ADAPTERS, type Declarable } from '../contract/harness.js'
import { SENDERS, type Sender } from '../contract/senders.js'
import { createReceiver } from '../../src/core/index.js'
import { backchannel } from '../../src/providers/index.js'
import { signBackchannel } from '../../src/testing/index.js'

const backchannelSender = SENDERS[0] as Sender
const zodOrder = z.object({ amount: z.number().int(), note: z.string().optional() })
const valibotOrder = v.object({ amount: v.pipe(v.number(), v.integer()) })
const cents = z.object({ amount: z.number() }).transform((data) => ({ cents: Math.round(data.amount * 100) }))
const slowCheck = z.object({ amount: z.number() }).refine(async (data) => await Promise.resolve(data.amount > 0), { message: 'must be positive', path: ['amount'] })

for (const adapter of ADAPTERS) {
  test(`${adapter.name}: Zod and Valibot schemas validate, refuse with 400 { errors: [{ path, message }] }, and hand the handler their output`, async (t) => {
    const seen: Array<[string, unknown]> = []
    const harness = await adapter.start(backchannelSender.provider, {}, (endpoint: Declarable) => {
      endpoint.on('order.created', { schema: zodOrder }, (event) => { seen.push([event.id, event.data]) })
      endpoint.on('order.paid', { schema: valibotOrder }, (event) => { seen.push([event.id, event.data]) })
      endpoint.on('order.refunded', { schema: cents }, (event) => { seen.push([event.id, event.data]) })
      endpoint.on('order.disputed', { schema: slowCheck }, (event) => { seen.push([event.id, event.data]) })
    })
    t.after(() => harness.close())
    const send = async (type: string, data: Record<string, unknown>, id: string): Promise<{ status: number, body: unknown }> => await harness.send(backchannelSender.deliver(type, data, { id }))

    assert.equal((await send('order.created', { amount: 5, extra: 'dropped by zod' }, 'evt_zod')).status, 200)
    assert.equal((await send('order.paid', { amount: 7 }, 'evt_valibot')).status, 200)
    assert.equal((await send('order.refunded', { amount: 1.25 }, 'evt_transform')).status, 200)
    assert.equal((await send('order.disputed', { amount: 3 }, 'evt_async')).status, 200)
    assert.deepEqual(seen, [['evt_zod', { amount: 5 }], ['evt_valibot', { amount: 7 }], ['evt_transform', { cents: 125 }], ['evt_async', { amount: 3 }]])

    const zodBad = await send('order.created', { amount: 'x' }, 'evt_zod_bad')
    assert.equal(zodBad.status, 400)
    assert.deepEqual((zodBad.body as { code: string, errors: unknown[] }).code, 'HOOKGATE_PAYLOAD_INVALID')
    assert.deepEqual((zodBad.body as { errors: Array<{ path: string }> }).errors.map((e) => e.path), ['/amount'])
    const valibotBad = await send('order.paid', { amount: 1.5 }, 'evt_valibot_bad')
    assert.equal(valibotBad.status, 400)
    assert.deepEqual((valibotBad.body as { errors: Array<{ path: string, message: string }> }).errors.map((e) => e.path), ['/amount'])
    const asyncBad = await send('order.disputed', { amount: -1 }, 'evt_async_bad')
    assert.deepEqual((asyncBad.body as { errors: unknown }).errors, [{ path: '/amount', message: 'must be positive' }])
    assert.equal(seen.length, 4)
  })
}

test('a Standard Schema whose validate throws or rejects: 500 HOOKGATE_SCHEMA_FAILED, logged, the handler not run and the event not claimed', async () => {
  const errors: Array<Record<string, unknown>> = []
  const log = { debug () {}, info () {}, warn () {}, error: (obj: object) => { errors.push(obj as Record<string, unknown>) } }
  let fail: 'throw' | 'reject' | 'no' = 'throw'
  const flaky = {
    '~standard': {
      version: 1 as const,
      vendor: 'test',
      validate: (value: unknown) => {
        if (fail === 'throw') throw new Error('schema bug')
        if (fail === 'reject') return Promise.reject(new Error('schema bug, async'))
        return { value }
      }
    }
  }
  let ran = 0
  const receiver = createReceiver(backchannel({ secret: 's' })).on('order.created', { schema: flaky }, () => { ran++ })
  const body = JSON.stringify({ id: 'evt_1', type: 'order.created', data: { amount: 1 } })
  const deliver = async (): Promise<{ status: number, body: unknown }> => await receiver.receive(Buffer.from(body), signBackchannel(body, 's'), { log })
  for (const mode of ['throw', 'reject'] as const) {
    fail = mode
    const outcome = await deliver()
    assert.equal(outcome.status, 500, mode)
    assert.equal((outcome.body as { code: string }).code, 'HOOKGATE_SCHEMA_FAILED')
  }
  assert.equal(errors.length, 2)
  assert.match(String((errors[0]?.err as Error).message), /schema bug/)
  assert.equal(ran, 0)
  fail = 'no'
  assert.equal((await deliver()).status, 200, 'nothing was claimed: the retry runs the handler')
  assert.equal(ran, 1)
})
