import { randomUUID } from 'node:crypto'
import type { Secret } from '../verify/secrets.js'
import { bodyBytes, hmacOf, signingKey, unixSeconds, type TestBody } from './body.js'

/** Headers a signer returns; pass them with the same body to `app.inject()` or `fetch`. */
export type SenderHeaders = Readonly<Record<string, string>>

function required (value: unknown, option: string, signer: string): string {
  if (typeof value !== 'string' || value === '') throw new TypeError(`${signer}: "${option}" must be a non-empty string`)
  return value
}

/**
 * What Stripe sends: `Stripe-Signature: t=<unix>,v1=<hex HMAC-SHA256 of "<t>.<body>">`, the
 * endpoint's `whsec_…` secret used as is.
 * @example await app.inject({ method: 'POST', url: '/webhooks/stripe', headers: signStripe(event, secret), payload: JSON.stringify(event) })
 */
export function signStripe (body: TestBody, secret: Secret, options: { timestamp?: number } = {}): SenderHeaders {
  const key = signingKey(secret, 'signStripe()')
  const t = unixSeconds(options.timestamp, 'signStripe()')
  const v1 = hmacOf('sha256', key, Buffer.from(`${t}.`), bodyBytes(body)).toString('hex')
  return { 'content-type': 'application/json', 'stripe-signature': `t=${t},v1=${v1}` }
}

/**
 * What GitHub sends: `X-Hub-Signature-256: sha256=<hex>` (and the legacy SHA-1 `X-Hub-Signature`),
 * `X-GitHub-Event` and `X-GitHub-Delivery`.
 */
export function signGithub (body: TestBody, secret: Secret, options: { event: string, delivery?: string }): SenderHeaders {
  const key = signingKey(secret, 'signGithub()')
  const event = required(options?.event, 'event', 'signGithub()')
  const bytes = bodyBytes(body)
  return {
    'content-type': 'application/json',
    'x-github-event': event,
    'x-github-delivery': options.delivery ?? randomUUID(),
    'x-hub-signature': `sha1=${hmacOf('sha1', key, bytes).toString('hex')}`,
    'x-hub-signature-256': `sha256=${hmacOf('sha256', key, bytes).toString('hex')}`
  }
}

/** What Shopify sends: `X-Shopify-Hmac-Sha256: <base64>`, `X-Shopify-Topic` and the event and webhook ids. */
export function signShopify (body: TestBody, secret: Secret, options: { topic: string, eventId?: string, webhookId?: string }): SenderHeaders {
  const key = signingKey(secret, 'signShopify()')
  const topic = required(options?.topic, 'topic', 'signShopify()')
  return {
    'content-type': 'application/json',
    'x-shopify-topic': topic,
    'x-shopify-event-id': options.eventId ?? randomUUID(),
    'x-shopify-webhook-id': options.webhookId ?? randomUUID(),
    'x-shopify-hmac-sha256': hmacOf('sha256', key, bodyBytes(body)).toString('base64')
  }
}

/**
 * What Slack sends: `X-Slack-Signature: v0=<hex HMAC-SHA256 of "v0:<ts>:<body>">` and
 * `X-Slack-Request-Timestamp`, with the content type of the body: JSON for an Events API callback,
 * a form for a slash command or an interaction (`command=/weather&…`, `payload=…`).
 */
export function signSlack (body: TestBody, secret: Secret, options: { timestamp?: number } = {}): SenderHeaders {
  const key = signingKey(secret, 'signSlack()')
  const ts = unixSeconds(options.timestamp, 'signSlack()')
  const bytes = bodyBytes(body)
  const signature = hmacOf('sha256', key, Buffer.from(`v0:${ts}:`), bytes).toString('hex')
  const json = bytes[0] === 0x7b || bytes[0] === 0x5b
  return { 'content-type': json ? 'application/json' : 'application/x-www-form-urlencoded', 'x-slack-request-timestamp': ts, 'x-slack-signature': `v0=${signature}` }
}

/**
 * What a Standard Webhooks sender sends (Svix with `headerPrefix: 'svix'`): `<prefix>-id`,
 * `<prefix>-timestamp` and `<prefix>-signature: v1,<base64 HMAC-SHA256 of "<id>.<timestamp>.<body>">`,
 * keyed with the base64 after `whsec_`.
 */
export function signStandardWebhooks (body: TestBody, secret: string, options: { id?: string, timestamp?: number, headerPrefix?: 'webhook' | 'svix' } = {}): SenderHeaders {
  const encoded = required(secret, 'secret', 'signStandardWebhooks()')
  const key = Buffer.from(encoded.startsWith('whsec_') ? encoded.slice(6) : encoded, 'base64')
  if (key.length === 0) throw new TypeError('signStandardWebhooks(): "secret" must be whsec_ followed by base64')
  const prefix = options.headerPrefix ?? 'webhook'
  if (prefix !== 'webhook' && prefix !== 'svix') throw new TypeError('signStandardWebhooks(): "headerPrefix" must be "webhook" or "svix"')
  const id = options.id ?? `msg_${randomUUID()}`
  const timestamp = unixSeconds(options.timestamp, 'signStandardWebhooks()')
  const signature = hmacOf('sha256', key, Buffer.from(`${id}.${timestamp}.`), bodyBytes(body)).toString('base64')
  return { 'content-type': 'application/json', [`${prefix}-id`]: id, [`${prefix}-timestamp`]: timestamp, [`${prefix}-signature`]: `v1,${signature}` }
}
