import { test } from 'node:test'
import assert from 'node:assert/strict'
import { compileDataValidator, createAjv } from '../../src/core/schemas.js'

const schema = {
  type: 'object',
  required: ['order_id', 'amount'],
  additionalProperties: false,
  properties: {
    order_id: { type: 'string' },
    amount: { type: 'integer', minimum: 0 },
    email: { type: 'string', format: 'email' },
    'a/b': { type: 'string' }
  }
}

test('valid data passes', () => {
  const validate = compileDataValidator(createAjv(), schema, 'order.created')
  assert.equal(validate({ order_id: 'o', amount: 1, email: 'a@b.co' }), undefined)
})

test('by default each schema reports its first problem, as Fastify\'s ajv does: allErrors lets one large invalid payload cost far more', () => {
  const validate = compileDataValidator(createAjv(), schema, 'order.created')
  assert.deepEqual(validate({ amount: -1, email: 'nope', extra: 1, 'a/b': 2 }), [{ path: '/order_id', message: "must have required property 'order_id'" }])
  const many = { type: 'array', items: { type: 'string' } }
  assert.equal(compileDataValidator(createAjv(), many, 'x')(Array.from({ length: 100_000 }, (_, i) => i))?.length, 1)
})

test('with allErrors, every problem is reported as a JSON Pointer and a message', () => {
  const validate = compileDataValidator(createAjv({ allErrors: true }), schema, 'order.created')
  assert.deepEqual(validate({ amount: -1, email: 'nope', extra: 1, 'a/b': 2 }), [
    { path: '/order_id', message: "must have required property 'order_id'" },
    { path: '/extra', message: 'must NOT have additional properties' },
    { path: '/amount', message: 'must be >= 0' },
    { path: '/email', message: 'must match format "email"' },
    { path: '/a~1b', message: 'must be string' }
  ])
})

test('at most 20 problems are reported', () => {
  const many = { type: 'array', items: { type: 'string' } }
  const issues = compileDataValidator(createAjv({ allErrors: true }), many, 'x')(Array.from({ length: 100 }, (_, i) => i))
  assert.equal(issues?.length, 20)
})

test('validation never coerces, fills defaults or removes properties', () => {
  const validate = compileDataValidator(createAjv(), { type: 'object', properties: { n: { type: 'integer', default: 3 }, s: { type: 'string' } }, additionalProperties: false }, 'x')
  const data = { s: 1 }
  assert.ok(validate(data) !== undefined)
  assert.deepEqual(data, { s: 1 })
})

test('an invalid schema throws a TypeError naming the event', () => {
  assert.throws(() => compileDataValidator(createAjv(), { type: 'nope' }, 'order.created'), { name: 'TypeError', message: /^the schema for event "order.created" is invalid: / })
  assert.throws(() => compileDataValidator(createAjv(), { type: 'object', properties: { a: { format: 'not-a-format', type: 'string' } } }, 'order.paid'), { name: 'TypeError', message: /"order.paid"/ })
})

test('options that would change the signed data are refused: coerceTypes, useDefaults, removeAdditional', () => {
  for (const options of [{ coerceTypes: true }, { coerceTypes: 'array' as const }, { useDefaults: true }, { removeAdditional: 'all' as const }]) {
    assert.throws(() => createAjv(options), { name: 'TypeError', message: /would change the signed payload/ }, JSON.stringify(options))
  }
})

test('a different schema under an $id already registered throws at registration instead of being replaced by the first', () => {
  const ajv = createAjv()
  compileDataValidator(ajv, { $id: 'order', type: 'object', required: ['a'] }, 'order.created')
  assert.throws(() => compileDataValidator(ajv, { $id: 'order', type: 'object', required: ['b'] }, 'order.paid'), { name: 'TypeError', message: /"order.paid".*another schema is already registered under \$id "order"/ })
})

test('data nested deeper than a recursive schema can walk is a reported problem (400), not a crash', () => {
  const validate = compileDataValidator(createAjv(), { type: 'object', properties: { a: { $ref: '#' } } }, 'tree')
  let data: Record<string, unknown> = {}
  for (let i = 0; i < 50_000; i++) data = { a: data }
  assert.deepEqual(validate(data), [{ path: '', message: 'is nested too deeply to validate' }])
})

test('two schema objects with the same $id (a shared schema module) are one schema, not an error', () => {
  const ajv = createAjv()
  const make = () => ({ $id: 'https://example.com/order.json', type: 'object', required: ['id'] })
  const a = compileDataValidator(ajv, make(), 'order.created')
  const b = compileDataValidator(ajv, make(), 'order.paid')
  assert.equal(a({ id: 1 }), undefined)
  assert.deepEqual(b({}), [{ path: '/id', message: "must have required property 'id'" }])
})
