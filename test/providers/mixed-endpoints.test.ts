import { test } from 'node:test'
import assert from 'node:assert/strict'
import { sign as githubSign } from '@octokit/webhooks-methods'
import Fastify from 'fastify'
import { Webhook } from 'standardwebhooks'
import Stripe from 'stripe'
import hookgate from '../../src/index.js'
import { backchannel, bread, github, standardWebhooks, stripe } from '../../src/providers/index.js'
import { backchannelRequest, breadRequest } from '../../src/testing/index.js'
import { BASIC_AUTH, KID, NOW, SECRET as BREAD_SECRET, TIMESTAMP } from '../fixtures/bread/keys.js'

test('one app, five endpoints from five senders, each with its own secrets and handlers', async (t) => {
  const app = Fastify()
  t.after(() => app.close())
  await app.register(hookgate, { now: () => NOW })
  const seen: string[] = []
  const note = (sender: string) => (event: { type: string }) => { seen.push(`${sender}:${event.type}`) }
  const secrets = { backchannel: 'bc-secret', stripe: 'whsec_stripe_mixed', github: 'gh-secret', standard: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw' }
  app.webhooks('/backchannel', backchannel({ secret: secrets.backchannel })).on('order.*', note('backchannel'))
  app.webhooks('/bread', bread({ keys: { [KID]: BREAD_SECRET }, basicAuth: BASIC_AUTH })).on('*', note('bread'))
  app.webhooks('/stripe', stripe({ secret: secrets.stripe })).on('invoice.*', note('stripe'))
  app.webhooks('/github', github({ secret: secrets.github })).on('issues.*', note('github'))
  app.webhooks('/standard', standardWebhooks({ secret: secrets.standard })).on('*', note('standard'))

  const nowSeconds = Math.floor(NOW / 1000)
  const stripeBody = JSON.stringify({ id: 'evt_m', type: 'invoice.paid', data: {} })
  const githubBody = JSON.stringify({ action: 'closed', issue: {} })
  const standardBody = JSON.stringify({ type: 'user.created', data: {} })
  const deliveries = [
    backchannelRequest({ id: 'evt_b', type: 'order.paid', data: {} }, secrets.backchannel, { url: '/backchannel' }),
    breadRequest({ identity: { tenantID: 't' } }, { kid: KID, secret: BREAD_SECRET, basicAuth: BASIC_AUTH, timestamp: TIMESTAMP, url: '/bread' }),
    { method: 'POST' as const, url: '/stripe', payload: stripeBody, headers: { 'content-type': 'application/json', 'stripe-signature': new Stripe('sk_test_x').webhooks.generateTestHeaderString({ payload: stripeBody, secret: secrets.stripe, timestamp: nowSeconds }) } },
    { method: 'POST' as const, url: '/github', payload: githubBody, headers: { 'content-type': 'application/json', 'x-hub-signature-256': await githubSign(secrets.github, githubBody), 'x-github-event': 'issues', 'x-github-delivery': 'd-1' } },
    { method: 'POST' as const, url: '/standard', payload: standardBody, headers: { 'content-type': 'application/json', 'webhook-id': 'msg_m', 'webhook-timestamp': String(nowSeconds), 'webhook-signature': new Webhook(secrets.standard).sign('msg_m', new Date(nowSeconds * 1000), standardBody) } }
  ]
  for (const delivery of deliveries) {
    const res = await app.inject(delivery)
    assert.equal(res.statusCode, 200, `${delivery.url}: ${res.body}`)
  }
  assert.deepEqual(seen, ['backchannel:order.paid', 'bread:integration_test_event', 'stripe:invoice.paid', 'github:issues.closed', 'standard:user.created'])

  // Each endpoint accepts only its own sender's signature.
  for (const delivery of deliveries) {
    const other = deliveries[(deliveries.indexOf(delivery) + 1) % deliveries.length] as typeof delivery
    const res = await app.inject({ ...other, url: delivery.url })
    assert.ok(res.statusCode === 401 || res.statusCode === 415, `${other.url} → ${delivery.url}: ${res.statusCode}`)
  }
  assert.equal(seen.length, 5)
})
