import { test } from 'node:test'
import assert from 'node:assert/strict'
import fc from 'fast-check'
import { readQueuedEvent, type QueuedEvent } from '../../src/core/queue.js'
import { storedForm, wholeEvent } from '../../src/core/stored-event.js'
import type { WebhookEvent } from '../../src/core/types.js'

const record = (event: object, shared?: unknown): Record<string, unknown> => ({ v: 2, key: 'k', delivery: 'd', endpoint: '/hook', provider: 'p', receivedAt: 1, headers: {}, event, ...(shared === undefined ? {} : { shared }) })

/** What a durable engine does to a record: JSON there and back. */
const throughJson = (value: unknown): unknown => JSON.parse(JSON.stringify(value))

test('a JSON sender\'s data, also inside payload, is stored once and put back on reading', () => {
  const payload = { id: 'evt_1', type: 'order.paid', created_at: 1, data: { order_id: 'ord_1' } }
  const event = { id: 'evt_1', type: 'order.paid', data: payload.data, createdAt: 1, payload }
  const form = storedForm(event)
  assert.deepEqual({ ...form.shared }, { data: ['payload', 'data'] })
  assert.equal('data' in form.event, false)
  const read = readQueuedEvent(throughJson(record(form.event, form.shared))) as QueuedEvent
  assert.deepEqual(read.event, event)
  assert.equal((read.event as typeof event).data, (read.event as typeof event).payload.data)
  assert.equal('shared' in read, false)
})

test('one object under two names (Slack\'s interactions) is stored under the first and rebuilt', () => {
  const payload = { type: 'block_actions', trigger_id: 't' }
  const form = storedForm({ id: 't', type: 'block_actions.go', data: payload, payload, kind: 'interaction' })
  assert.deepEqual({ ...form.shared }, { data: ['payload'] })
  const read = readQueuedEvent(throughJson(record(form.event, form.shared))) as QueuedEvent
  assert.deepEqual(read.event, { id: 't', type: 'block_actions.go', payload, kind: 'interaction', data: payload })
})

test('an event with nothing twice is stored as it is, with no "shared"', () => {
  const event = { id: 'a', type: 't', source: 's', data: { n: 1 }, extensions: { n: 1 } }
  const form = storedForm(event)
  assert.equal(form.event, event)
  assert.equal(form.shared, undefined)
})

test('fields named like Object.prototype\'s members are found and kept', () => {
  const inner = { x: 1 }
  const form = storedForm({ id: 'a', type: 't', data: inner, toString: { inner }, constructor: 'c' } as unknown as WebhookEvent)
  assert.deepEqual({ ...form.shared }, { data: ['toString', 'inner'] })
  assert.deepEqual(form.event, { id: 'a', type: 't', toString: { inner }, constructor: 'c' })
})

test('a stored event whose shared fields cannot be followed is unreadable, with the reason', () => {
  const cases: Array<[unknown, RegExp]> = [
    [['payload'], /"shared" is not an object/],
    [{ data: 'payload' }, /"shared.data" is not a path/],
    [{ data: [] }, /"shared.data" is not a path/],
    [{ data: ['payload', 'missing'] }, /names payload.missing, which the stored event lacks/],
    [{ data: ['payload', 'toString'] }, /which the stored event lacks/],
    [JSON.parse('{"__proto__": ["payload"]}'), /names __proto__, which is never shared/],
    // A hostile job must not swap the id or type the job was checked by, nor overwrite what is stored.
    [{ type: ['payload', 'o'] }, /names type, which is never shared/],
    [{ id: ['payload'] }, /names id, which is never shared/],
    [{ payload: ['payload'] }, /names payload, which the stored event holds/]
  ]
  for (const [shared, reason] of cases) {
    const read = readQueuedEvent(record({ id: 'a', type: 't', payload: { o: { x: 1 } } }, shared))
    assert.equal(typeof read, 'string', JSON.stringify(shared))
    assert.match(read as string, /^the stored event cannot be rebuilt: /)
    assert.match(read as string, reason)
  }
  assert.equal(wholeEvent({ id: 'a' }, undefined).constructor, Object)
})

test('a version 1 job (no "shared") is read as it was written', () => {
  const v1 = { ...record({ id: 'a', type: 't', data: { n: 1 }, payload: { data: { n: 1 } } }), v: 1 }
  assert.equal(readQueuedEvent(v1), v1)
})

test('a path never goes through a field that is itself left out, whatever the order of the fields', () => {
  const p = { q: 1 }
  const chained = storedForm({ id: 'a', type: 't', data: p, payload: p, alias: p })
  assert.deepEqual({ ...chained.shared }, { data: ['payload'], alias: ['payload'] })
  const inner = { x: {} }
  const through = storedForm({ id: 'a', type: 't', data: inner.x, raw: inner, payload: inner })
  assert.deepEqual({ ...through.shared }, { data: ['raw', 'x'], payload: ['raw'] })
  for (const form of [chained, through]) assert.notEqual(typeof readQueuedEvent(throughJson(record(form.event, form.shared))), 'string')
})

test('an own "__proto__" field stays a field of the stored event', () => {
  const data = { n: 1 }
  const event = JSON.parse('{"id":"a","type":"t","__proto__":{"polluted":true}}') as Record<string, unknown>
  Object.assign(event, { data, payload: { data } })
  const form = storedForm(event as unknown as WebhookEvent)
  assert.equal(Object.hasOwn(form.event, '__proto__'), true)
  assert.equal(Object.getPrototypeOf(form.event), Object.prototype)
})

test('property: any event, with objects shared between any of its fields or one level down, reads back equal after JSON', () => {
  const object = fc.dictionary(fc.string({ maxLength: 6 }), fc.jsonValue({ maxDepth: 2 }), { maxKeys: 4 })
  // Up to five object fields; each is a new object, another field's object, or an object inside another field.
  const source = fc.oneof(fc.record({ kind: fc.constant('new' as const), value: object }), fc.record({ kind: fc.constantFrom('same' as const, 'inside' as const), of: fc.nat(4), key: fc.string({ maxLength: 4 }) }))
  fc.assert(fc.property(fc.array(source, { minLength: 1, maxLength: 5 }), (sources) => {
    const fields: Array<Record<string, unknown>> = []
    for (const s of sources) {
      const target = fields[s.kind === 'new' ? -1 : s.of % Math.max(fields.length, 1)]
      if (s.kind === 'new' || target === undefined) fields.push({ ...(s.kind === 'new' ? s.value : {}) })
      else if (s.kind === 'same') fields.push(target)
      else { const value = { nested: s.key }; target[s.key] = value; fields.push(value) }
    }
    const event: Record<string, unknown> = { id: 'e', type: 't' }
    fields.forEach((value, i) => { event[`f${i}`] = value })
    const form = storedForm(event as unknown as WebhookEvent)
    const read = readQueuedEvent(throughJson(record(form.event, form.shared)))
    assert.notEqual(typeof read, 'string', String(read))
    assert.deepEqual(throughJson((read as QueuedEvent).event), throughJson(event))
    for (const [name, path] of Object.entries(form.shared ?? {})) assert.equal(Object.hasOwn(form.event, path[0] as string), true, `${name} → ${path.join('.')}`)
  }), { numRuns: 500 })
})
