/**
 * What every server and every request shares: the secrets, the event schema and the bodies. Each
 * body is padded to an exact size so that every server reads the same number of bytes.
 */

export const BACKCHANNEL_SECRET = 'bench-backchannel-secret'
export const WRONG_SECRET = 'not-the-secret'
export const BREAD_KID = 'bench-kid-1'
export const BREAD_SECRET = 'bench-bread-hs256-secret-0123456789'
export const BREAD_BASIC = Object.freeze({ username: 'bread', password: 'bench-basic-password' })
export const BREAD_SOURCE = 'breadpayments.webhooks.webhook'
/** Standard Webhooks secrets are `whsec_` + base64 of the key bytes. */
export const STANDARD_SECRET = `whsec_${Buffer.from('bench-standard-webhooks-key').toString('base64')}`
export const EVENT_TYPE = 'order.created'
export const EVENT_ID = 'evt_bench_0001'

/** The schema of `order.created` data, given to every server that validates. */
export const ORDER_SCHEMA = {
  type: 'object',
  required: ['order_id', 'amount', 'currency', 'items'],
  properties: {
    order_id: { type: 'string', minLength: 1 },
    amount: { type: 'integer', minimum: 0 },
    currency: { type: 'string', minLength: 3, maxLength: 3 },
    items: {
      type: 'array',
      items: {
        type: 'object',
        required: ['sku', 'qty'],
        properties: { sku: { type: 'string' }, qty: { type: 'integer', minimum: 1 }, note: { type: 'string' } }
      }
    },
    note: { type: 'string' }
  }
} as const

/** Bread's own rule for every event's data (hookgate's `BREAD_IDENTITY_SCHEMA`), for the hand-written servers. */
export const IDENTITY_SCHEMA = {
  type: 'object',
  required: ['identity'],
  properties: { identity: { type: 'object', required: ['tenantID'], properties: { tenantID: { type: 'string', minLength: 1 } } } }
} as const

/** The JSON reply every server sends for an accepted event. */
export const OK_REPLY = Object.freeze({ ok: true, handled: 1 })

type Json = Record<string, unknown>

/** Order data with about one item per 64 bytes, so that validation work grows with the body. */
function orderData (bytes: number, valid: boolean): Json {
  const count = Math.max(1, Math.floor(bytes / 64))
  const items = Array.from({ length: count }, (_, i) => ({ sku: `sku-${i % 997}`, qty: 1 + (i % 5), note: 'gift' }))
  return { order_id: 'ord_1', amount: valid ? 4200 : 'lots', currency: 'EUR', items, note: '' }
}

/** Serialises `body`, padding `note` (wherever `pad` finds it) until the bytes are exactly `bytes` long. */
function exactly (bytes: number, body: Json, pad: (body: Json) => Json): Buffer {
  let text = JSON.stringify(body)
  // Drop whole items until it fits, then pad the rest.
  const data = pad(body)
  const items = data.items as unknown[]
  while (Buffer.byteLength(text) > bytes && items.length > 1) {
    items.length = Math.max(1, items.length - Math.ceil((Buffer.byteLength(text) - bytes) / 40))
    text = JSON.stringify(body)
  }
  const missing = bytes - Buffer.byteLength(text)
  if (missing < 0) throw new RangeError(`cannot fit the body in ${bytes} bytes`)
  data.note = 'x'.repeat(missing)
  const out = Buffer.from(JSON.stringify(body))
  if (out.length !== bytes) throw new RangeError(`body is ${out.length} bytes, wanted ${bytes}`)
  return out
}

/** `{ id, type, created_at, data }`: Backchannel's shape, also used by the GitHub and Standard Webhooks servers. */
export function typedBody (bytes: number, valid = true): Buffer {
  const body = { id: EVENT_ID, type: EVENT_TYPE, created_at: 1708456200, data: orderData(bytes, valid) }
  return exactly(bytes, body, (b) => b.data as Json)
}

/** CloudEvents binary mode: the body is the event's data, with Bread's `identity`. */
export function cloudEventData (bytes: number, valid = true): Buffer {
  const body = { identity: { tenantID: 'tenant_1' }, ...orderData(bytes, valid) }
  return exactly(bytes, body, (b) => b)
}
