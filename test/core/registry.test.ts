import { test } from 'node:test'
import assert from 'node:assert/strict'
import { EventRegistry } from '../../src/core/registry.js'

function registry (...patterns: string[]): EventRegistry<string> {
  const r = new EventRegistry<string>()
  for (const p of patterns) r.add(p, p)
  return r
}

test('an exact type matches only itself', () => {
  const r = registry('order.created')
  assert.equal(r.match('order.created'), 'order.created')
  assert.equal(r.match('order.paid'), undefined)
  assert.equal(r.match('order.created.v2'), undefined)
})

test('a namespace wildcard matches its namespace at any depth, and not a longer name', () => {
  const r = registry('order.*')
  assert.equal(r.match('order.created'), 'order.*')
  assert.equal(r.match('order.paid'), 'order.*')
  assert.equal(r.match('order.item.added'), 'order.*')
  assert.equal(r.match('orders.x'), undefined)
  assert.equal(r.match('order'), undefined)
  assert.equal(r.match('order.'), 'order.*')
  assert.equal(r.match('inventory.updated'), undefined)
})

test('the most specific pattern wins: exact, then the longest namespace, then the catch-all', () => {
  const r = registry('*', 'order.*', 'order.item.*', 'order.item.added')
  assert.equal(r.match('order.item.added'), 'order.item.added')
  assert.equal(r.match('order.item.removed'), 'order.item.*')
  assert.equal(r.match('order.paid'), 'order.*')
  assert.equal(r.match('inventory.updated'), '*')
  assert.equal(r.match(''), '*')
})

test('registration order does not change precedence', () => {
  const r = registry('order.item.added', 'order.item.*', 'order.*', '*')
  assert.equal(r.match('order.item.added'), 'order.item.added')
  assert.equal(r.match('order.item.x'), 'order.item.*')
})

test('registering the same pattern twice throws', () => {
  for (const p of ['order.created', 'order.*', '*']) {
    assert.throws(() => registry(p, p), { name: 'TypeError', message: `a handler for "${p}" is already registered on this endpoint` })
  }
})

test('malformed patterns throw at registration', () => {
  for (const p of ['', 'order*', '*.created', 'order.*.created', '.*', 'a.**']) {
    assert.throws(() => registry(p), TypeError, p)
  }
})

test('sender-controlled types cannot reach Object.prototype', () => {
  const r = registry('order.*')
  for (const t of ['__proto__', 'constructor', 'toString', 'hasOwnProperty', '__proto__.x']) {
    assert.equal(r.match(t), undefined)
  }
})

test('source-scoped patterns: exact source, then the longest source namespace, then any source', () => {
  const r = new EventRegistry<string>()
  r.add({ source: 'bread.webhooks.webhook', type: 'paid' }, 'exact/exact')
  r.add({ source: 'bread.webhooks.*', type: '*' }, 'ns/any')
  r.add({ source: 'bread.*', type: 'paid' }, 'outer/exact')
  r.add('paid', 'any/exact')
  r.add({ source: '*', type: 'refunded' }, 'any/refunded')
  assert.equal(r.match('paid', 'bread.webhooks.webhook'), 'exact/exact')
  assert.equal(r.match('refunded', 'bread.webhooks.webhook'), 'ns/any', 'a scoped catch-all beats an unscoped exact type')
  assert.equal(r.match('paid', 'bread.webhooks.other'), 'ns/any')
  assert.equal(r.match('paid', 'bread.batch'), 'outer/exact')
  assert.equal(r.match('refunded', 'bread.batch'), 'any/refunded', 'falls through to handlers for any source')
  assert.equal(r.match('paid', 'other'), 'any/exact')
  assert.equal(r.match('paid'), 'any/exact', 'events without a source only see unscoped handlers')
  assert.equal(r.match('x', 'other'), undefined)
})

test('source namespaces may also end at "/" or ":" (URI sources)', () => {
  const r = new EventRegistry<string>()
  r.add({ source: 'https://github.com/cloudevents/*', type: '*' }, 'github')
  r.add({ source: 'urn:bread:*', type: '*' }, 'urn')
  assert.equal(r.match('push', 'https://github.com/cloudevents/spec'), 'github')
  assert.equal(r.match('push', 'https://github.com/other/spec'), undefined)
  assert.equal(r.match('t', 'urn:bread:webhooks'), 'urn')
})

test('a scoped pattern is distinct from the same type unscoped; a repeat of either throws', () => {
  const r = new EventRegistry<string>()
  r.add('paid', 'a')
  r.add({ source: 'bread', type: 'paid' }, 'b')
  assert.throws(() => { r.add({ source: 'bread', type: 'paid' }, 'c') }, { message: 'a handler for "paid from bread" is already registered on this endpoint' })
  assert.throws(() => { r.add({ type: 'paid' }, 'd') }, /already registered/)
  assert.throws(() => { r.add({ source: '*', type: 'paid' }, 'e') }, /already registered/, 'source "*" means any source')
  assert.throws(() => { r.add({ source: 'bread*', type: 'x' }, 'f') }, TypeError)
  assert.throws(() => { r.add({ source: 'bread' } as unknown as { type: string }, 'g') }, TypeError)
  assert.throws(() => { r.add(null as unknown as string, 'h') }, TypeError)
})

test('.on({ source, type }) on an endpoint whose events carry no source is refused at startup, not left never to match', async () => {
  const { createReceiver } = await import('../../src/core/receiver.js')
  const { backchannel, bread } = await import('../../src/providers/index.js')
  assert.throws(() => createReceiver(backchannel({ secret: 's' })).on({ source: 'shop', type: 'order.paid' }, () => {}), /backchannel events carry no source, so this handler would never run/)
  createReceiver(backchannel({ secret: 's' })).on({ source: '*', type: 'order.paid' }, () => {})
  createReceiver(bread({ keys: { k: 'secret-secret-secret-secret-32b!' }, basicAuth: { username: 'u', password: 'p' } })).on({ source: 'breadpayments.*', type: '*' }, () => {})
})
