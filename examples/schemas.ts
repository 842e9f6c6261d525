/**
 * JSON Schemas for the `data` of the Backchannel events this example handles. They accept what the
 * sender documents (its own sample spells the currency in lower case, "brl") and add no
 * `additionalProperties: false`, so a field the sender adds later is no 400; `amount` stays strict
 * (a non-negative integer of minor units) to show what a 400 looks like.
 */
export const orderCreated = {
  type: 'object',
  required: ['order_id', 'amount', 'currency'],
  properties: {
    order_id: { type: 'string', minLength: 1 },
    customer: { type: 'string' },
    amount: { type: 'integer', minimum: 0 },
    currency: { type: 'string', pattern: '^[A-Za-z]{3}$' }
  }
} as const

export const inventoryUpdated = {
  type: 'object',
  required: ['sku', 'quantity'],
  properties: {
    sku: { type: 'string' },
    quantity: { type: 'integer' }
  }
} as const
