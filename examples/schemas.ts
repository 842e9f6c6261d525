/** JSON Schemas for the `data` of the Backchannel events this example handles. */
export const orderCreated = {
  type: 'object',
  required: ['order_id', 'amount', 'currency'],
  properties: {
    order_id: { type: 'string', minLength: 1 },
    amount: { type: 'integer', minimum: 0 },
    currency: { type: 'string', pattern: '^[A-Z]{3}$' }
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
