import { test } from 'node:test'
import assert from 'node:assert/strict'
import { createAjv } from '../../src/core/schemas.js'
import { orderCreated } from '../../examples/schemas.js'

test('the example\'s order.created schema takes the sender\'s own sample (lower-case currency, a customer) and still refuses a negative amount', () => {
  const validate = createAjv().compile(orderCreated)
  assert.equal(validate({ order_id: 'ord_1', customer: 'Nike Store', amount: 4200, currency: 'brl' }), true)
  assert.equal(validate({ order_id: 'ord_1', amount: 4200, currency: 'EUR', added_later: true }), true)
  assert.equal(validate({ order_id: 'ord_1', amount: -1, currency: 'brl' }), false)
})
