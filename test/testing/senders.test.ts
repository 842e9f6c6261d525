import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { createHmac } from 'node:crypto'
import { sign as githubSign } from '@octokit/webhooks-methods'
import { Webhook } from 'standardwebhooks'
import Stripe from 'stripe'
import { createReceiver } from '../../src/core/receiver.js'
import type { Provider, WebhookEvent } from '../../src/core/types.js'
import { github, shopify, slack, standardWebhooks, stripe, svix } from '../../src/providers/index.js'
import { signGithub, signShopify, signSlack, signStandardWebhooks, signStripe } from '../../src/testing/index.js'

const NOW = 1700000000

/** Delivers a signed body to a receiver of `provider` at NOW; the status and the events its handler saw. */
async function deliver (provider: Provider, body: string, headers: Readonly<Record<string, string>>): Promise<{ status: number, events: WebhookEvent[] }> {
  const events: WebhookEvent[] = []
  const receiver = createReceiver(provider, { now: () => NOW * 1000, idempotency: false }).on('*', (event) => { events.push(event) })
  const outcome = await receiver.receive(Buffer.from(body), headers)
  return { status: outcome.status, events }
}

describe('signers for the HMAC presets, each checked against the sender\'s own package or documentation', () => {
  test('signStripe() gives the header stripe.webhooks.generateTestHeaderString() gives, and stripe() accepts it', async () => {
    const secret = 'whsec_test_signer'
    const body = JSON.stringify({ id: 'evt_1', type: 'invoice.paid', created: NOW, data: { object: { id: 'in_1' } } })
    const headers = signStripe(body, secret, { timestamp: NOW })
    assert.equal(headers['stripe-signature'], new Stripe('sk_test_x').webhooks.generateTestHeaderString({ payload: body, secret, timestamp: NOW }))
    assert.equal((await deliver(stripe({ secret }), body, headers)).events[0]?.type, 'invoice.paid')
  })

  test('signGithub() gives the signature @octokit/webhooks-methods sign() gives, and github() accepts it', async () => {
    const secret = 'github-signer'
    const body = JSON.stringify({ action: 'opened', issue: { number: 1 } })
    const headers = signGithub(body, secret, { event: 'issues', delivery: 'd-1' })
    assert.equal(headers['x-hub-signature-256'], await githubSign(secret, body))
    assert.equal(headers['x-hub-signature'], `sha1=${createHmac('sha1', secret).update(body).digest('hex')}`)
    const { status, events } = await deliver(github({ secret }), body, headers)
    assert.equal(status, 200)
    assert.deepEqual([events[0]?.type, events[0]?.id], ['issues.opened', 'd-1'])
  })

  test('signShopify() gives the base64 HMAC Shopify documents, and shopify() accepts it', async () => {
    const secret = 'shopify-signer'
    const body = JSON.stringify({ id: 820982911946154500, email: 'jon@example.com' })
    const headers = signShopify(body, secret, { topic: 'orders/create', eventId: 'e-1' })
    assert.equal(headers['x-shopify-hmac-sha256'], createHmac('sha256', secret).update(body).digest('base64'))
    const { events } = await deliver(shopify({ secret }), body, headers)
    assert.deepEqual([events[0]?.type, events[0]?.id], ['orders/create', 'e-1'])
  })

  test('signSlack() reproduces the signature in Slack\'s documentation, and slack() accepts it', async () => {
    const secret = '8f742231b10e8888abcd99yyyzzz85a5'
    const documented = 'token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text=&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c'
    assert.equal(signSlack(documented, secret, { timestamp: 1531420618 })['x-slack-signature'], 'v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503')
    const body = JSON.stringify({ event_id: 'Ev1', event_time: NOW, event: { type: 'app_mention', text: 'hi' } })
    assert.equal((await deliver(slack({ secret }), body, signSlack(body, secret, { timestamp: NOW }))).events[0]?.type, 'app_mention')
  })

  test('signStandardWebhooks() gives the signature the standardwebhooks package gives, for both header prefixes', async () => {
    const secret = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw'
    const body = JSON.stringify({ type: 'invoice.paid', data: { id: 'inv_1' } })
    const headers = signStandardWebhooks(body, secret, { id: 'msg_1', timestamp: NOW })
    assert.equal(headers['webhook-signature'], new Webhook(secret).sign('msg_1', new Date(NOW * 1000), body))
    assert.equal((await deliver(standardWebhooks({ secret }), body, headers)).events[0]?.id, 'msg_1')
    const svixHeaders = signStandardWebhooks(body, secret, { id: 'msg_2', timestamp: NOW, headerPrefix: 'svix' })
    assert.deepEqual(Object.keys(svixHeaders).sort(), ['content-type', 'svix-id', 'svix-signature', 'svix-timestamp'])
    assert.equal((await deliver(svix({ secret }), body, svixHeaders)).events[0]?.id, 'msg_2')
  })

  test('a signature under another secret is refused by the preset; bad options throw a TypeError naming them', async () => {
    const body = JSON.stringify({ id: 'evt_1', type: 'invoice.paid', created: NOW, data: {} })
    assert.equal((await deliver(stripe({ secret: 'whsec_right' }), body, signStripe(body, 'whsec_wrong', { timestamp: NOW }))).status, 401)
    assert.throws(() => signStripe(body, ''), { name: 'TypeError', message: /signStripe\(\): "secret"/ })
    assert.throws(() => signStripe(body, 's', { timestamp: 1.5 }), { name: 'TypeError', message: /"timestamp" must be whole Unix seconds/ })
    assert.throws(() => signGithub(body, 's', { event: '' }), { name: 'TypeError', message: /signGithub\(\): "event"/ })
    assert.throws(() => signShopify(body, 's', undefined as never), { name: 'TypeError', message: /signShopify\(\): "topic"/ })
    assert.throws(() => signStandardWebhooks(body, 'whsec_'), { name: 'TypeError', message: /whsec_ followed by base64/ })
  })
})
