// Paddle, Intercom, Linear and Twitch EventSub: each signed as the sender documents it (Paddle's
// own SDK checks the same signature), a one-byte change refused, and Twitch's signed handshakes
// answered without a handler.
import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { createHmac, randomUUID } from 'node:crypto'
import fc from 'fast-check'
import { Paddle } from '@paddle/paddle-node-sdk'
import { Signature as HubSpotSignature } from '@hubspot/api-client'
import { WebhooksHelper } from 'square'
import { signHubSpot, signSquare } from '../../src/testing/index.js'
import Fastify from 'fastify'
import hookgate from '../../src/index.js'
import { createReceiver } from '../../src/core/receiver.js'
import type { Provider, WebhookEvent } from '../../src/core/types.js'
import { hubspot, intercom, linear, mailgun, meta, paddle, postmark, square, twilio, twitch, zoom } from '../../src/providers/index.js'

const hmac = (algorithm: 'sha1' | 'sha256', secret: string, text: string): string => createHmac(algorithm, secret).update(text).digest('hex')

async function deliver (provider: Provider, body: string, headers: Record<string, string>): Promise<{ status: number, seen: WebhookEvent[], body: unknown }> {
  const seen: WebhookEvent[] = []
  const receiver = createReceiver(provider).on('*', (event) => { seen.push(event) })
  const outcome = await receiver.receive(Buffer.from(body), { 'content-type': 'application/json', ...headers })
  return { status: outcome.status, seen, body: outcome.body }
}

describe('paddle', () => {
  const secret = 'pdl_ntfset_01gkpjp8bkm3tm53kdgkx6sms7_6h3qd3uFSi9YCD3OLYAShQI90XTI5vEI'
  const body = JSON.stringify({ event_id: 'evt_01h8bzakzx3hm2fmen703n5q45', event_type: 'transaction.completed', occurred_at: new Date().toISOString(), notification_id: 'ntf_1', data: { id: 'txn_1' } })

  test('what Paddle\'s own SDK accepts, hookgate accepts; a changed byte or an old ts is refused', async () => {
    const ts = Math.floor(Date.now() / 1000)
    const signature = `ts=${ts};h1=${hmac('sha256', secret, `${ts}:${body}`)}`
    assert.equal(await new Paddle('test_key').webhooks.isSignatureValid(body, secret, signature), true)
    const ok = await deliver(paddle({ secret }), body, { 'paddle-signature': signature })
    assert.equal(ok.status, 200)
    assert.deepEqual(ok.seen.map((e) => [e.id, e.type, e.data]), [['evt_01h8bzakzx3hm2fmen703n5q45', 'transaction.completed', { id: 'txn_1' }]])
    assert.equal((await deliver(paddle({ secret }), body.replace('txn_1', 'txn_2'), { 'paddle-signature': signature })).status, 401)
    const old = ts - 60
    assert.equal((await deliver(paddle({ secret }), body, { 'paddle-signature': `ts=${old};h1=${hmac('sha256', secret, `${old}:${body}`)}` })).status, 401, 'Paddle\'s 5 s, as its SDK')
    assert.equal((await deliver(paddle({ secret, tolerance: 120 }), body, { 'paddle-signature': `ts=${old};h1=${hmac('sha256', secret, `${old}:${body}`)}` })).status, 200)
  })
})

describe('intercom', () => {
  test('X-Hub-Signature: sha1=<hex> over the body; id, topic and data from the notification', async () => {
    const secret = 'intercom-client-secret'
    const body = JSON.stringify({ type: 'notification_event', id: 'notif_1', topic: 'conversation.user.created', created_at: 1733600000, data: { item: { id: 'c1' } } })
    const ok = await deliver(intercom({ secret }), body, { 'x-hub-signature': `sha1=${hmac('sha1', secret, body)}` })
    assert.equal(ok.status, 200)
    assert.deepEqual(ok.seen.map((e) => [e.id, e.type, e.data]), [['notif_1', 'conversation.user.created', { item: { id: 'c1' } }]])
    assert.equal((await deliver(intercom({ secret }), `${body} `, { 'x-hub-signature': `sha1=${hmac('sha1', secret, body)}` })).status, 401)
  })
})

describe('linear', () => {
  test('Linear-Signature: <hex> over the body; id from Linear-Delivery, type from type and action', async () => {
    const secret = 'lin_wh_secret'
    const body = JSON.stringify({ action: 'create', type: 'Issue', data: { id: 'i1', title: 'Bug' }, url: 'https://linear.app/x', createdAt: '2024-12-07T19:00:00.000Z', webhookTimestamp: 1733598000000 })
    const ok = await deliver(linear({ secret }), body, { 'linear-signature': hmac('sha256', secret, body), 'linear-delivery': '234d1a4e-b617-4388-90fe-adc3633d6b72' })
    assert.equal(ok.status, 200)
    assert.deepEqual(ok.seen.map((e) => [e.id, e.type]), [['234d1a4e-b617-4388-90fe-adc3633d6b72', 'Issue.create']])
    assert.equal((await deliver(linear({ secret }), body, { 'linear-signature': hmac('sha256', 'other', body), 'linear-delivery': 'd1' })).status, 401)
  })
})

describe('twitch', () => {
  const secret = 'twitch-subscription-secret'
  function signed (type: string, body: string, timestamp = new Date().toISOString()): Record<string, string> {
    const id = randomUUID()
    return {
      'content-type': 'application/json',
      'twitch-eventsub-message-id': id,
      'twitch-eventsub-message-timestamp': timestamp,
      'twitch-eventsub-message-type': type,
      'twitch-eventsub-message-signature': `sha256=${hmac('sha256', secret, `${id}${timestamp}${body}`)}`
    }
  }
  const subscription = { id: 'sub_1', type: 'channel.follow', version: '2', status: 'enabled' }

  test('a notification is an event: id from the message id, type from the subscription, data its event', async () => {
    const body = JSON.stringify({ subscription, event: { user_id: 'u1', broadcaster_user_id: 'b1' } })
    const ok = await deliver(twitch({ secret }), body, signed('notification', body))
    assert.equal(ok.status, 200)
    assert.deepEqual(ok.seen.map((e) => [e.type, e.data]), [['channel.follow', { user_id: 'u1', broadcaster_user_id: 'b1' }]])
    assert.equal((await deliver(twitch({ secret }), body, signed('notification', body, new Date(Date.now() - 11 * 60_000).toISOString()))).status, 401, 'older than 10 minutes')
  })

  test('the signed verification challenge is answered as text/plain, a revocation with 204, on Fastify and node:http; neither reaches a handler', async (t) => {
    const challenge = JSON.stringify({ challenge: 'pogchamp-kappa-360noscope-vohiyo', subscription: { ...subscription, status: 'webhook_callback_verification_pending' } })
    const revocation = JSON.stringify({ subscription: { ...subscription, status: 'authorization_revoked' } })
    let ran = 0
    const app = Fastify()
    t.after(() => app.close())
    await app.register(hookgate)
    app.webhooks('/twitch', twitch({ secret })).on('*', () => { ran++ })
    const verify = await app.inject({ method: 'POST', url: '/twitch', headers: signed('webhook_callback_verification', challenge), payload: challenge })
    assert.equal(verify.statusCode, 200)
    assert.equal(verify.body, 'pogchamp-kappa-360noscope-vohiyo')
    assert.match(String(verify.headers['content-type']), /^text\/plain/)
    assert.equal((await app.inject({ method: 'POST', url: '/twitch', headers: signed('revocation', revocation), payload: revocation })).statusCode, 204)
    const forged = { ...signed('webhook_callback_verification', challenge), 'twitch-eventsub-message-signature': `sha256=${'0'.repeat(64)}` }
    assert.equal((await app.inject({ method: 'POST', url: '/twitch', headers: forged, payload: challenge })).statusCode, 401)
    const { webhooks } = await import('../../src/adapters/node.js')
    const { createServer } = await import('node:http')
    const server = createServer(webhooks(twitch({ secret }), { log: { debug () {}, info () {}, warn () {}, error () {} } }).on('*', () => { ran++ }))
    await new Promise<void>((resolve) => { server.listen(0, '127.0.0.1', resolve) })
    t.after(() => { server.close() })
    const res = await fetch(`http://127.0.0.1:${(server.address() as { port: number }).port}/`, { method: 'POST', headers: signed('webhook_callback_verification', challenge), body: challenge })
    assert.equal(res.status, 200)
    assert.equal(await res.text(), 'pogchamp-kappa-360noscope-vohiyo')
    assert.match(res.headers.get('content-type') ?? '', /^text\/plain/)
    assert.equal(ran, 0)
  })
})

describe('square', () => {
  test('X-Square-HmacSha256-Signature: base64 HMAC of the registered notification URL and the body', async () => {
    const secret = 'square-signature-key'
    const notificationUrl = 'https://example.com/webhooks/square'
    const body = JSON.stringify({ merchant_id: 'm1', type: 'payment.updated', event_id: 'e7a6d9c2-0000-4000-8000-000000000001', created_at: '2024-12-07T19:00:00Z', data: { type: 'payment', id: 'p1', object: {} } })
    const signature = createHmac('sha256', secret).update(notificationUrl + body).digest('base64')
    const ok = await deliver(square({ secret, notificationUrl }), body, { 'x-square-hmacsha256-signature': signature })
    assert.equal(ok.status, 200)
    assert.deepEqual(ok.seen.map((e) => [e.id, e.type]), [['e7a6d9c2-0000-4000-8000-000000000001', 'payment.updated']])
    assert.equal((await deliver(square({ secret, notificationUrl: `${notificationUrl}/` }), body, { 'x-square-hmacsha256-signature': signature })).status, 401, 'another URL')
    assert.throws(() => square({ secret, notificationUrl: '/relative' }), /"notificationUrl" must be/)
  })
})

describe('hubspot', () => {
  test('X-HubSpot-Signature-v3 over POST, the URL, the body and the timestamp; each event of the batch on its own', async () => {
    const secret = 'hubspot-client-secret'
    const url = 'https://example.com/webhooks/hubspot'
    const body = JSON.stringify([
      { eventId: 100, subscriptionId: 1, portalId: 9, occurredAt: 1733600000000, subscriptionType: 'contact.creation', attemptNumber: 0, objectId: 123 },
      { eventId: 101, subscriptionId: 2, portalId: 9, occurredAt: 1733600000500, subscriptionType: 'deal.propertyChange', attemptNumber: 0, objectId: 456, propertyName: 'amount' }
    ])
    const timestamp = String(Date.now())
    const signature = createHmac('sha256', secret).update(`POST${url}${body}${timestamp}`).digest('base64')
    const ok = await deliver(hubspot({ secret, url }), body, { 'x-hubspot-signature-v3': signature, 'x-hubspot-request-timestamp': timestamp })
    assert.equal(ok.status, 200)
    assert.deepEqual(ok.seen.map((e) => [e.id, e.type]), [['100', 'contact.creation'], ['101', 'deal.propertyChange']])
    const old = String(Date.now() - 301_000)
    assert.equal((await deliver(hubspot({ secret, url }), body, { 'x-hubspot-signature-v3': createHmac('sha256', secret).update(`POST${url}${body}${old}`).digest('base64'), 'x-hubspot-request-timestamp': old })).status, 401)
  })
})

describe('zoom', () => {
  const secret = 'zoom-secret-token'
  function signed (body: string, ts = String(Math.floor(Date.now() / 1000))): Record<string, string> {
    return { 'x-zm-request-timestamp': ts, 'x-zm-signature': `v0=${hmac('sha256', secret, `v0:${ts}:${body}`)}` }
  }

  test('events are dispatched on their name, with the payload as data, de-duplicated by the body\'s hash', async () => {
    const body = JSON.stringify({ event: 'meeting.started', event_ts: 1733600000123, payload: { account_id: 'a1', object: { id: 'm1' } } })
    const ok = await deliver(zoom({ secret }), body, signed(body))
    assert.equal(ok.status, 200)
    assert.deepEqual(ok.seen.map((e) => [e.type, e.data]), [['meeting.started', { account_id: 'a1', object: { id: 'm1' } }]])
    assert.match(ok.seen[0]?.id ?? '', /^sha256:[0-9a-f]{64}$/)
  })

  test('the signed endpoint.url_validation is answered { plainToken, encryptedToken } without a handler; a forged one gets 401', async () => {
    const body = JSON.stringify({ event: 'endpoint.url_validation', event_ts: 1733600000123, payload: { plainToken: 'qgg8vlvZRS6UYooatFL8Aw' } })
    const ok = await deliver(zoom({ secret }), body, signed(body))
    assert.equal(ok.status, 200)
    assert.deepEqual(ok.body, { plainToken: 'qgg8vlvZRS6UYooatFL8Aw', encryptedToken: hmac('sha256', secret, 'qgg8vlvZRS6UYooatFL8Aw') })
    assert.deepEqual(ok.seen, [])
    assert.equal((await deliver(zoom({ secret }), body, { ...signed(body), 'x-zm-signature': `v0=${'0'.repeat(64)}` })).status, 401)
    assert.throws(() => zoom({ secret: async () => 'x' } as never), /"secret" must be the app's Secret Token/)
  })
})

describe('postmark', () => {
  test('Basic credentials only: the right pair → dispatched on RecordType; a wrong or missing pair → 401 with WWW-Authenticate', async () => {
    const basicAuth = { username: 'hooks', password: 'a-long-random-password' }
    const body = JSON.stringify({ RecordType: 'Bounce', ID: 42, Type: 'HardBounce', MessageID: 'm1', Email: 'x@example.com' })
    const auth = (user: string, pass: string): Record<string, string> => ({ authorization: `Basic ${Buffer.from(`${user}:${pass}`).toString('base64')}` })
    const ok = await deliver(postmark({ basicAuth }), body, auth('hooks', 'a-long-random-password'))
    assert.equal(ok.status, 200)
    assert.deepEqual(ok.seen.map((e) => e.type), ['Bounce'])
    assert.equal((await deliver(postmark({ basicAuth }), body, auth('hooks', 'wrong'))).status, 401)
    assert.equal((await deliver(postmark({ basicAuth }), body, {})).status, 401)
    assert.throws(() => postmark({} as never), /"basicAuth" is required/)
  })
})

describe('mailgun', () => {
  const signingKey = 'key-mailgun-signing'
  function body (eventId: string, timestamp = String(Math.floor(Date.now() / 1000)), key = signingKey, change: { token?: string } = {}): string {
    const token = change.token ?? `tok_${eventId}`
    return JSON.stringify({
      signature: { timestamp, token: `tok_${eventId}`, signature: hmac('sha256', key, `${timestamp}${token}`) },
      'event-data': { id: eventId, event: 'delivered', timestamp: Number(timestamp), recipient: 'x@example.com' }
    })
  }

  test('the signature inside the body (timestamp and token, HMAC-SHA256) verifies; events dispatched on event-data.event', async () => {
    const ok = await deliver(mailgun({ signingKey }), body('ev_1'), {})
    assert.equal(ok.status, 200)
    assert.deepEqual(ok.seen.map((e) => [e.id, e.type]), [['ev_1', 'delivered']])
    assert.equal((await deliver(mailgun({ signingKey }), body('ev_2', undefined, 'other-key'), {})).status, 401)
    assert.equal((await deliver(mailgun({ signingKey }), body('ev_3', undefined, signingKey, { token: 'tok_other' }), {})).status, 401, 'a token other than the signed one')
    assert.equal((await deliver(mailgun({ signingKey }), body('ev_4', String(Math.floor(Date.now() / 1000) - 400)), {})).status, 401, 'outside the tolerance')
    for (const bad of ['not json', '{}', '{"signature":{"timestamp":"1","token":"t","signature":"zz"}}', '[1]']) {
      const outcome = await deliver(mailgun({ signingKey }), bad, {})
      assert.equal(outcome.status, 401, bad)
    }
    assert.throws(() => mailgun({} as never), /"signingKey" is required/)
  })
})

describe('meta', () => {
  const appSecret = 'meta-app-secret'
  const verifyToken = 'my-verify-token'
  const body = JSON.stringify({
    object: 'whatsapp_business_account',
    entry: [{ id: 'waba_1', changes: [{ field: 'messages', value: { messaging_product: 'whatsapp', messages: [{ id: 'wamid.1', text: { body: 'hi' } }] } }, { field: 'message_template_status_update', value: { event: 'APPROVED' } }] }]
  })
  const signature = { 'x-hub-signature-256': `sha256=${hmac('sha256', appSecret, body)}` }

  test('X-Hub-Signature-256 over the body; every change an event of type <object>.<field>, de-duplicated as a whole delivery', async () => {
    const ok = await deliver(meta({ appSecret, verifyToken }), body, signature)
    assert.equal(ok.status, 200)
    assert.deepEqual(ok.seen.map((e) => e.type), ['whatsapp_business_account.messages', 'whatsapp_business_account.message_template_status_update'])
    assert.equal((await deliver(meta({ appSecret, verifyToken }), body.replace('hi', 'ho'), signature)).status, 401)
  })

  test('the GET subscription check is answered with the challenge for the right token (403 otherwise) on Fastify and node:http; POST still verifies', async (t) => {
    let ran = 0
    const app = Fastify()
    t.after(() => app.close())
    await app.register(hookgate)
    app.webhooks('/meta', meta({ appSecret, verifyToken })).on('*', () => { ran++ })
    const good = await app.inject({ method: 'GET', url: `/meta?hub.mode=subscribe&hub.verify_token=${verifyToken}&hub.challenge=1158201444` })
    assert.equal(good.statusCode, 200)
    assert.equal(good.body, '1158201444')
    assert.equal((await app.inject({ method: 'GET', url: '/meta?hub.mode=subscribe&hub.verify_token=wrong&hub.challenge=1' })).statusCode, 403)
    assert.equal((await app.inject({ method: 'GET', url: '/meta?hub.challenge=1' })).statusCode, 400)
    assert.equal((await app.inject({ method: 'POST', url: '/meta', headers: { 'content-type': 'application/json', ...signature }, payload: body })).statusCode, 200)
    const { webhooks } = await import('../../src/adapters/node.js')
    const { createServer } = await import('node:http')
    const server = createServer(webhooks(meta({ appSecret, verifyToken }), { path: '/meta', log: { debug () {}, info () {}, warn () {}, error () {} } }).on('*', () => { ran++ }))
    await new Promise<void>((resolve) => { server.listen(0, '127.0.0.1', resolve) })
    t.after(() => { server.close() })
    const base = `http://127.0.0.1:${(server.address() as { port: number }).port}/meta`
    const res = await fetch(`${base}?hub.mode=subscribe&hub.verify_token=${verifyToken}&hub.challenge=42`)
    assert.equal(res.status, 200)
    assert.equal(await res.text(), '42')
    assert.equal((await fetch(`${base}?hub.mode=subscribe&hub.verify_token=nope&hub.challenge=42`)).status, 403)
    assert.equal(ran, 2, 'only the POST deliveries ran handlers (two changes)')
    // A provider without a GET verification still answers GET 405 (node) / 404 (Fastify: no such route).
    const plain = createServer(webhooks(intercom({ secret: 's' }), { path: '/x', log: { debug () {}, info () {}, warn () {}, error () {} } }))
    await new Promise<void>((resolve) => { plain.listen(0, '127.0.0.1', resolve) })
    t.after(() => { plain.close() })
    assert.equal((await fetch(`http://127.0.0.1:${(plain.address() as { port: number }).port}/x`)).status, 405)
  })
})

describe('mailgun properties', () => {
  test('any single change to the timestamp, the token or the signature is refused; no body throws or answers 5xx', async () => {
    const receiver = createReceiver(mailgun({ signingKey: 'k' })).on('*', () => {})
    const send = async (body: string): Promise<number> => (await receiver.receive(Buffer.from(body), { 'content-type': 'application/json' })).status
    await fc.assert(fc.asyncProperty(fc.stringMatching(/^[a-z0-9]{1,40}$/), fc.constantFrom('timestamp', 'token', 'signature'), fc.nat(), async (token, field, index) => {
      const timestamp = String(Math.floor(Date.now() / 1000))
      const signature = { timestamp, token, signature: hmac('sha256', 'k', `${timestamp}${token}`) }
      const event = { 'event-data': { id: `ev-${token}`, event: 'delivered' } }
      assert.equal(await send(JSON.stringify({ signature, ...event })), 200)
      const value = signature[field as keyof typeof signature]
      const at = index % value.length
      const swapped = value.slice(0, at) + (value[at] === '1' ? '2' : '1') + value.slice(at + 1)
      assert.equal(await send(JSON.stringify({ signature: { ...signature, [field]: swapped }, ...event })), 401, `${field} changed`)
    }), { numRuns: 200 })
    await fc.assert(fc.asyncProperty(fc.json(), async (text) => {
      const status = await send(text)
      assert.ok(status >= 400 && status < 500, `${text} → ${status}`)
    }), { numRuns: 300 })
  })
})

describe('square and hubspot against their own SDKs', () => {
  test('what signSquare() signs, Square\'s WebhooksHelper.verifySignature accepts; what HubSpot\'s Signature.getSignature signs, hookgate accepts', async () => {
    const body = JSON.stringify({ merchant_id: 'm', type: 'payment.updated', event_id: 'sq-sdk-1', data: { id: 'p' } })
    const notificationUrl = 'https://example.com/webhooks/square'
    const headers = signSquare(body, 'sq-key', notificationUrl)
    assert.equal(await WebhooksHelper.verifySignature({ requestBody: body, signatureHeader: headers['x-square-hmacsha256-signature'] ?? '', signatureKey: 'sq-key', notificationUrl }), true)
    assert.equal((await deliver(square({ secret: 'sq-key', notificationUrl }), body, headers)).status, 200)

    const hub = JSON.stringify([{ eventId: 42, subscriptionType: 'contact.creation', occurredAt: Date.now() }])
    const url = 'https://example.com/webhooks/hubspot'
    const timestamp = Date.now()
    const signature = HubSpotSignature.getSignature('POST', 'v3', { signature: '', clientSecret: 'hub-secret', requestBody: hub, url, method: 'POST', timestamp })
    assert.equal((await deliver(hubspot({ secret: 'hub-secret', url }), hub, { 'x-hubspot-signature-v3': signature, 'x-hubspot-request-timestamp': String(timestamp) })).status, 200)
    const ours = signHubSpot(hub, 'hub-secret', url, { timestamp })
    assert.equal(HubSpotSignature.isValid({ signature: ours['x-hubspot-signature-v3'] ?? '', clientSecret: 'hub-secret', requestBody: hub, url, method: 'POST', signatureVersion: 'v3', timestamp }), true)
  })
})

describe('keys from a function (mailgun, twilio)', () => {
  test('a signing key or auth token function is asked per request; its failure answers 503 naming it', async () => {
    const timestamp = String(Math.floor(Date.now() / 1000))
    const body = JSON.stringify({ signature: { timestamp, token: 'tok', signature: hmac('sha256', 'k', `${timestamp}tok`) }, 'event-data': { id: 'fn-1', event: 'delivered' } })
    assert.equal((await deliver(mailgun({ signingKey: async () => 'k' }), body, {})).status, 200)
    const failing = await createReceiver(mailgun({ signingKey: async () => { throw new Error('vault down') } })).on('*', () => {}).receive(Buffer.from(body), { 'content-type': 'application/json' })
    assert.equal(failing.status, 503)
    assert.match(failing.error?.reason ?? '', /the signing key function failed/)
    const form = 'MessageSid=SM1&MessageStatus=sent'
    const signed = createHmac('sha1', 'tok-en').update('https://h.example.com/t' + 'MessageSidSM1MessageStatussent').digest('base64')
    const twilioOutcome = await createReceiver(twilio({ authToken: async () => 'tok-en', publicUrl: 'https://h.example.com' })).on('*', () => {}).receive(Buffer.from(form), { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': signed }, { url: 'http://10.0.0.1/t' })
    assert.equal(twilioOutcome.status, 200)
  })
})
