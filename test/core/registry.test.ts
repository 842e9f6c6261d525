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
