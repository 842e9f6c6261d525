// Every preset whose sender publishes a verifier (or a signer) on npm, over real HTTP on every
// adapter: the headers and body hookgate's test signer makes are accepted by the sender's own
// verifier, byte for byte, and the same bytes sent to the endpoint are accepted once; where the
// package can sign, what it signs is accepted over HTTP too.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { generateKeyPairSync } from 'node:crypto'
import { verifyKey } from 'discord-interactions'
import { EventWebhook } from '@sendgrid/eventwebhook'
import { isValidSlackRequest } from '@slack/bolt'
import { Paddle } from '@paddle/paddle-node-sdk'
import { Signature as HubSpotSignature } from '@hubspot/api-client'
import { WebhooksHelper } from 'square'
import twilioLib from 'twilio'
import { ADAPTERS, type Declarable } from '../contract/harness.js'
import type { Provider } from '../../src/core/types.js'
import { discord, discordInteractions, hubspot, paddle, sendgrid, slack, square, twilio } from '../../src/providers/index.js'
import { signDiscord, signHubSpot, signPaddle, signSendGrid, signSlack, signSquare, signTwilio } from '../../src/testing/index.js'

const SECRET = 'sender-code-over-http-secret'
const ed = generateKeyPairSync('ed25519')
const edHex = Buffer.from(ed.publicKey.export({ format: 'jwk' }).x as string, 'base64url').toString('hex')
const ec = generateKeyPairSync('ec', { namedCurve: 'prime256v1' })
const ecSpki = ec.publicKey.export({ format: 'der', type: 'spki' }).toString('base64')
const SQUARE_URL = 'https://hooks.example.com/webhooks/square'
const HUBSPOT_URL = 'https://hooks.example.com/webhooks/hubspot'
const TWILIO_ORIGIN = 'https://hooks.example.com'
const FORM = 'application/x-www-form-urlencoded'

interface Signed { readonly body: string, readonly headers: Record<string, string> }

interface Case {
  readonly provider: Provider
  /** A delivery signed by hookgate's test signer (the harness's path, for senders that sign the URL). */
  signed (path: string): Signed
  /** The sender's own verifier on exactly those bytes. */
  official (signed: Signed, path: string): boolean | Promise<boolean>
  /** Handler runs the delivery makes. */
  readonly runs: number
}

const sendgridBody = `${JSON.stringify([{ email: 'a@example.com', timestamp: 1, event: 'delivered', sg_event_id: 'sg_http_1' }])}\r\n`
const slackCommand = new URLSearchParams({ command: '/weather', text: 'lisbon', trigger_id: 'tr-http', user_id: 'U1' }).toString()
const twilioParams = { MessageSid: 'SM-http', MessageStatus: 'delivered', To: '+15550001111' }

const CASES: Record<string, Case> = {
  'discord (discord-interactions verifyKey)': {
    provider: discord({ publicKey: edHex }),
    signed: () => {
      const body = JSON.stringify({ version: 1, application_id: 'a', type: 1, event: { type: 'APPLICATION_AUTHORIZED', timestamp: new Date().toISOString(), data: {} } })
      return { body, headers: signDiscord(body, ed.privateKey) }
    },
    official: async ({ body, headers }) => await verifyKey(body, headers['x-signature-ed25519'] ?? '', headers['x-signature-timestamp'] ?? '', edHex),
    runs: 1
  },
  'discordInteractions (discord-interactions verifyKey)': {
    provider: discordInteractions({ publicKey: edHex }),
    signed: () => {
      const body = JSON.stringify({ id: '1161', application_id: 'a', type: 2, token: 't', version: 1, data: { name: 'weather' } })
      return { body, headers: signDiscord(body, ed.privateKey) }
    },
    official: async ({ body, headers }) => await verifyKey(body, headers['x-signature-ed25519'] ?? '', headers['x-signature-timestamp'] ?? '', edHex),
    runs: 1
  },
  'sendgrid (@sendgrid/eventwebhook verifySignature)': {
    provider: sendgrid({ publicKey: ecSpki }),
    signed: () => ({ body: sendgridBody, headers: signSendGrid(sendgridBody, ec.privateKey) }),
    official: ({ body, headers }) => {
      const official = new EventWebhook()
      return official.verifySignature(official.convertPublicKeyToECDSA(ecSpki), body, headers['x-twilio-email-event-webhook-signature'] ?? '', headers['x-twilio-email-event-webhook-timestamp'] ?? '')
    },
    runs: 1
  },
  'paddle (@paddle/paddle-node-sdk isSignatureValid)': {
    provider: paddle({ secret: SECRET }),
    signed: () => {
      const body = JSON.stringify({ event_id: 'evt_http', event_type: 'transaction.completed', occurred_at: new Date().toISOString(), data: { id: 'txn' } })
      return { body, headers: signPaddle(body, SECRET) }
    },
    official: async ({ body, headers }) => await new Paddle('test_key').webhooks.isSignatureValid(body, SECRET, headers['paddle-signature'] ?? ''),
    runs: 1
  },
  'square (square WebhooksHelper.verifySignature)': {
    provider: square({ secret: SECRET, notificationUrl: SQUARE_URL }),
    signed: () => {
      const body = JSON.stringify({ merchant_id: 'm', type: 'payment.updated', event_id: 'sq-http', data: { id: 'p' } })
      return { body, headers: signSquare(body, SECRET, SQUARE_URL) }
    },
    official: async ({ body, headers }) => await WebhooksHelper.verifySignature({ requestBody: body, signatureHeader: headers['x-square-hmacsha256-signature'] ?? '', signatureKey: SECRET, notificationUrl: SQUARE_URL }),
    runs: 1
  },
  'hubspot (@hubspot/api-client Signature.isValid)': {
    provider: hubspot({ secret: SECRET, url: HUBSPOT_URL }),
    signed: () => {
      const body = JSON.stringify([{ eventId: 4242, subscriptionType: 'contact.creation', occurredAt: Date.now() }])
      return { body, headers: signHubSpot(body, SECRET, HUBSPOT_URL) }
    },
    official: ({ body, headers }) => HubSpotSignature.isValid({ signature: headers['x-hubspot-signature-v3'] ?? '', clientSecret: SECRET, requestBody: body, url: HUBSPOT_URL, method: 'POST', signatureVersion: 'v3', timestamp: Number(headers['x-hubspot-request-timestamp']) }),
    runs: 1
  },
  'slack, a slash command (@slack/bolt isValidSlackRequest)': {
    provider: slack({ secret: SECRET }),
    signed: () => ({ body: slackCommand, headers: { ...signSlack(slackCommand, SECRET), 'content-type': FORM } }),
    official: ({ body, headers }) => isValidSlackRequest({ signingSecret: SECRET, body, headers: { 'x-slack-signature': headers['x-slack-signature'] ?? '', 'x-slack-request-timestamp': Number(headers['x-slack-request-timestamp']) } }),
    runs: 1
  },
  'twilio (twilio validateRequest)': {
    provider: twilio({ authToken: SECRET, publicUrl: TWILIO_ORIGIN }),
    signed: (path) => ({ body: new URLSearchParams(twilioParams).toString(), headers: signTwilio(twilioParams, SECRET, `${TWILIO_ORIGIN}${path}`) }),
    official: ({ headers }, path) => twilioLib.validateRequest(SECRET, headers['x-twilio-signature'] ?? '', `${TWILIO_ORIGIN}${path}`, twilioParams),
    runs: 1
  }
}

for (const adapter of ADAPTERS) {
  for (const [name, c] of Object.entries(CASES)) {
    test(`${adapter.name}: ${name} accepts what hookgate's test signer sends, and so does the endpoint, once`, async (t) => {
      let runs = 0
      const harness = await adapter.start(c.provider, {}, (endpoint: Declarable) => { endpoint.on('*', () => { runs++ }) })
      t.after(() => harness.close())
      const path = new URL(harness.url).pathname
      const signed = c.signed(path)
      assert.equal(await c.official(signed, path), true, 'the sender\'s own verifier')
      const reply = await harness.send({ headers: { 'content-type': 'application/json', ...signed.headers }, body: signed.body })
      assert.equal(reply.status, 200, JSON.stringify(reply.body))
      assert.equal(runs, c.runs)
      assert.equal((await harness.send({ headers: { 'content-type': 'application/json', ...signed.headers }, body: `${signed.body} ` })).status, 401, 'one byte more')
    })
  }

  test(`${adapter.name}: what HubSpot's own Signature.getSignature signs is accepted over HTTP`, async (t) => {
    let runs = 0
    const harness = await adapter.start(hubspot({ secret: SECRET, url: HUBSPOT_URL }), {}, (endpoint: Declarable) => { endpoint.on('*', () => { runs++ }) })
    t.after(() => harness.close())
    const body = JSON.stringify([{ eventId: 77, subscriptionType: 'deal.creation', occurredAt: Date.now() }])
    const timestamp = Date.now()
    const signature = HubSpotSignature.getSignature('POST', 'v3', { signature: '', clientSecret: SECRET, requestBody: body, url: HUBSPOT_URL, method: 'POST', timestamp })
    const reply = await harness.send({ headers: { 'content-type': 'application/json', 'x-hubspot-signature-v3': signature, 'x-hubspot-request-timestamp': String(timestamp) }, body })
    assert.deepEqual([reply.status, runs], [200, 1])
  })
}
