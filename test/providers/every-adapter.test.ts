// Every newer preset over real HTTP on each adapter (Fastify inject and socket, Express, node:http):
// a genuine delivery → 2xx and its handler runs once; one byte of the body changed → 401; a signed
// time outside the tolerance → 401.
import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { createHmac, generateKeyPairSync, randomUUID } from 'node:crypto'
import { ADAPTERS, type Declarable } from '../contract/harness.js'
import type { Provider } from '../../src/core/types.js'
import { discord, discordInteractions, hubspot, intercom, linear, mailgun, meta, paddle, postmark, sendgrid, square, twitch, zoom } from '../../src/providers/index.js'
import { signDiscord, signSendGrid } from '../../src/testing/index.js'

const hmac = (algorithm: 'sha1' | 'sha256', key: string, text: string, encoding: 'hex' | 'base64' = 'hex'): string => createHmac(algorithm, key).update(text).digest(encoding)
const now = (): number => Math.floor(Date.now() / 1000)
const ed = generateKeyPairSync('ed25519')
const ec = generateKeyPairSync('ec', { namedCurve: 'prime256v1' })

interface Case {
  readonly provider: Provider
  /** The body and headers of a genuine delivery, signed `age` seconds ago. */
  deliver (body: string, age?: number): Record<string, string>
  readonly body: string
  /** Whether the scheme signs a time (then a stale delivery must be refused). */
  readonly timed: boolean
}

const S = 'shared-secret-for-the-adapters-test'
const CASES: Record<string, Case> = {
  discord: { provider: discord({ publicKey: ed.publicKey }), body: JSON.stringify({ version: 1, application_id: 'a', type: 1, event: { type: 'APPLICATION_AUTHORIZED', timestamp: '2024-12-07T00:00:00Z', data: { n: 1 } } }), timed: true, deliver: (body, age = 0) => ({ ...signDiscord(body, ed.privateKey, { timestamp: now() - age }) }) },
  'discord-interactions': { provider: discordInteractions({ publicKey: ed.publicKey }), body: JSON.stringify({ id: '1160', application_id: 'a', type: 2, token: 'tok', version: 1, data: { name: 'weather' } }), timed: true, deliver: (body, age = 0) => ({ ...signDiscord(body, ed.privateKey, { timestamp: now() - age }) }) },
  sendgrid: { provider: sendgrid({ publicKey: ec.publicKey }), body: `${JSON.stringify([{ sg_event_id: 'sg1', event: 'delivered', timestamp: 1 }])}\r\n`, timed: true, deliver: (body, age = 0) => ({ ...signSendGrid(body, ec.privateKey, { timestamp: now() - age }) }) },
  paddle: { provider: paddle({ secret: S }), body: JSON.stringify({ event_id: 'evt_p', event_type: 'transaction.completed', data: { id: 't' } }), timed: true, deliver: (body, age = 0) => ({ 'paddle-signature': `ts=${now() - age};h1=${hmac('sha256', S, `${now() - age}:${body}`)}` }) },
  intercom: { provider: intercom({ secret: S }), body: JSON.stringify({ id: 'notif_1', topic: 'contact.created', data: { item: {} } }), timed: false, deliver: (body) => ({ 'x-hub-signature': `sha1=${hmac('sha1', S, body)}` }) },
  linear: { provider: linear({ secret: S }), body: JSON.stringify({ type: 'Issue', action: 'create', data: { id: 'i' } }), timed: false, deliver: (body) => ({ 'linear-signature': hmac('sha256', S, body), 'linear-delivery': 'd-1' }) },
  twitch: {
    provider: twitch({ secret: S }),
    body: JSON.stringify({ subscription: { type: 'channel.follow' }, event: { user_id: 'u' } }),
    timed: true,
    deliver: (body, age = 0) => {
      const id = randomUUID()
      const ts = new Date(Date.now() - age * 1000).toISOString()
      return { 'twitch-eventsub-message-id': id, 'twitch-eventsub-message-timestamp': ts, 'twitch-eventsub-message-type': 'notification', 'twitch-eventsub-message-signature': `sha256=${hmac('sha256', S, `${id}${ts}${body}`)}` }
    }
  },
  square: { provider: square({ secret: S, notificationUrl: 'https://example.com/hook' }), body: JSON.stringify({ event_id: 'sq1', type: 'payment.updated', data: { id: 'p' } }), timed: false, deliver: (body) => ({ 'x-square-hmacsha256-signature': hmac('sha256', S, `https://example.com/hook${body}`, 'base64') }) },
  hubspot: {
    provider: hubspot({ secret: S, url: 'https://example.com/hook' }),
    body: JSON.stringify([{ eventId: 7, subscriptionType: 'contact.creation', occurredAt: 1 }]),
    timed: true,
    deliver: (body, age = 0) => {
      const ts = String(Date.now() - age * 1000)
      return { 'x-hubspot-request-timestamp': ts, 'x-hubspot-signature-v3': hmac('sha256', S, `POSThttps://example.com/hook${body}${ts}`, 'base64') }
    }
  },
  zoom: { provider: zoom({ secret: S }), body: JSON.stringify({ event: 'meeting.started', event_ts: 1, payload: { id: 'm' } }), timed: true, deliver: (body, age = 0) => ({ 'x-zm-request-timestamp': String(now() - age), 'x-zm-signature': `v0=${hmac('sha256', S, `v0:${now() - age}:${body}`)}` }) },
  meta: { provider: meta({ appSecret: S, verifyToken: 't' }), body: JSON.stringify({ object: 'page', entry: [{ id: 'p', changes: [{ field: 'feed', value: { v: 1 } }] }] }), timed: false, deliver: (body) => ({ 'x-hub-signature-256': `sha256=${hmac('sha256', S, body)}` }) },
  postmark: { provider: postmark({ basicAuth: { username: 'u', password: S } }), body: JSON.stringify({ RecordType: 'Delivery', MessageID: 'm' }), timed: false, deliver: () => ({ authorization: `Basic ${Buffer.from(`u:${S}`).toString('base64')}` }) }
}

/** Mailgun signs inside the body: its genuine body is built per delivery. */
function mailgunBody (age = 0): string {
  const timestamp = String(now() - age)
  const token = randomUUID()
  return JSON.stringify({ signature: { timestamp, token, signature: hmac('sha256', S, `${timestamp}${token}`) }, 'event-data': { id: `mg-${token}`, event: 'delivered' } })
}

function changed (body: string): string {
  // One byte of the body: a digit or letter inside its data, never the JSON's structure.
  const at = body.lastIndexOf('"') - 1
  return body.slice(0, at) + (body[at] === 'x' ? 'y' : 'x') + body.slice(at + 1)
}

for (const adapter of ADAPTERS) {
  describe(`${adapter.name}: every newer preset`, () => {
    for (const [name, c] of Object.entries(CASES)) {
      test(name, async (t) => {
        let ran = 0
        const harness = await adapter.start(c.provider, {}, (endpoint: Declarable) => { endpoint.on('*', () => { ran++ }) })
        t.after(() => harness.close())
        const send = async (body: string, headers: Record<string, string>): Promise<number> => (await harness.send({ headers: { 'content-type': 'application/json', ...headers }, body })).status
        assert.equal(await send(c.body, c.deliver(c.body)), 200, 'genuine')
        assert.equal(ran, 1)
        if (name !== 'postmark') assert.equal(await send(changed(c.body), c.deliver(c.body)), 401, 'one byte changed')
        if (c.timed) assert.equal(await send(c.body, c.deliver(c.body, 3600)), 401, 'an hour old')
        assert.equal(ran, 1)
      })
    }
    test('mailgun', async (t) => {
      let ran = 0
      const harness = await adapter.start(mailgun({ signingKey: S }), {}, (endpoint: Declarable) => { endpoint.on('*', () => { ran++ }) })
      t.after(() => harness.close())
      const send = async (body: string): Promise<number> => (await harness.send({ headers: { 'content-type': 'application/json' }, body })).status
      const genuine = mailgunBody()
      assert.equal(await send(genuine), 200)
      assert.equal(await send(genuine.replace(/"signature":"([0-9a-f])/, (_m, c: string) => `"signature":"${c === 'a' ? 'b' : 'a'}`)), 401, 'a changed signature')
      assert.equal(await send(mailgunBody(3600)), 401, 'an hour old')
      assert.equal(ran, 1)
    })
  })
}
