// Public-key presets (Discord: Ed25519; SendGrid: ECDSA P-256) and the verifier kind behind them,
// cross-checked with the senders' own verification libraries, and the handshakes a sender signs
// (Discord's PING, Slack's url_verification) answered without any handler.
import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { generateKeyPairSync, sign, type KeyObject } from 'node:crypto'
import fc from 'fast-check'
import { verifyKey } from 'discord-interactions'
import { EventWebhook } from '@sendgrid/eventwebhook'
import { isValidSlackRequest } from '@slack/bolt'
import Fastify from 'fastify'
import hookgate from '../../src/index.js'
import { createReceiver } from '../../src/core/receiver.js'
import type { InboundRequest, WebhookEvent } from '../../src/core/types.js'
import { discord, sendgrid, slack } from '../../src/providers/index.js'
import { signDiscord, signSendGrid, signSlack } from '../../src/testing/index.js'
import { publicKeyVerifier, type PublicKeyOptions } from '../../src/verify/public-key.js'

const NOW = 1_733_600_000
const now = (): number => NOW * 1000
const ed = generateKeyPairSync('ed25519')
const ec = generateKeyPairSync('ec', { namedCurve: 'prime256v1' })
const edHex = (ed.publicKey.export({ format: 'jwk' }).x ?? '') === '' ? '' : Buffer.from(ed.publicKey.export({ format: 'jwk' }).x as string, 'base64url').toString('hex')
const ecSpki = ec.publicKey.export({ format: 'der', type: 'spki' }).toString('base64')

function request (body: string | Buffer, headers: Record<string, string>): InboundRequest {
  return { body: Buffer.from(body), header: (name) => headers[name], headers, now }
}

async function codeOf (options: PublicKeyOptions, body: string, headers: Record<string, string>): Promise<string | undefined> {
  const result = await publicKeyVerifier(options).verify(request(body, headers))
  return result === undefined ? undefined : (result as { code?: string }).code
}

describe('publicKeyVerifier', () => {
  const body = '{"id":"e1"}'
  const edOptions = (keys: PublicKeyOptions['keys']): PublicKeyOptions => ({ header: 'x-sig', algorithm: 'ed25519', keys, signedContent: '{timestamp}{body}', timestamp: { header: 'x-ts' } })
  const edHeaders = (privateKey: KeyObject = ed.privateKey, content = `${NOW}${body}`): Record<string, string> => ({ 'x-sig': sign(null, Buffer.from(content), privateKey).toString('hex'), 'x-ts': String(NOW) })

  test('Ed25519 keys as hex, PEM, JWK or KeyObject all verify; another key, another body or time, a stale timestamp do not', async () => {
    for (const keys of [edHex, ed.publicKey.export({ format: 'pem', type: 'spki' }) as string, ed.publicKey.export({ format: 'jwk' }), ed.publicKey, [generateKeyPairSync('ed25519').publicKey, edHex]]) {
      assert.equal(await codeOf(edOptions(keys), body, edHeaders()), undefined, JSON.stringify(typeof keys))
    }
    assert.equal(await codeOf(edOptions(edHex), body, edHeaders(generateKeyPairSync('ed25519').privateKey)), 'HOOKGATE_SIGNATURE_INVALID')
    assert.equal(await codeOf(edOptions(edHex), '{"id":"e2"}', edHeaders()), 'HOOKGATE_SIGNATURE_INVALID')
    assert.equal(await codeOf(edOptions(edHex), body, { ...edHeaders(), 'x-ts': String(NOW + 1) }), 'HOOKGATE_SIGNATURE_INVALID')
    const stale = { 'x-sig': sign(null, Buffer.from(`${NOW - 301}${body}`), ed.privateKey).toString('hex'), 'x-ts': String(NOW - 301) }
    assert.equal(await codeOf(edOptions(edHex), body, stale), 'HOOKGATE_TIMESTAMP_OUT_OF_TOLERANCE')
    assert.equal(await codeOf(edOptions(edHex), body, { 'x-ts': String(NOW) }), 'HOOKGATE_SIGNATURE_MISSING')
    for (const bad of ['zz', 'abc', 'a'.repeat(600), `${edHeaders()['x-sig'] ?? ''} `]) {
      assert.equal(await codeOf(edOptions(edHex), body, { ...edHeaders(), 'x-sig': bad }), 'HOOKGATE_SIGNATURE_INVALID', bad.slice(0, 10))
    }
  })

  test('ECDSA P-256 with the key as base64 SPKI DER (SendGrid\'s form), signatures as DER or raw r‖s', async () => {
    const data = Buffer.from(`${NOW}${body}`)
    const options = (signatureFormat: 'der' | 'raw'): PublicKeyOptions => ({ header: 'x-sig', algorithm: 'ecdsa-p256', keys: ecSpki, encoding: 'base64', signatureFormat, signedContent: '{timestamp}{body}', timestamp: { header: 'x-ts' } })
    const der = sign('sha256', data, ec.privateKey).toString('base64')
    const raw = sign('sha256', data, { key: ec.privateKey, dsaEncoding: 'ieee-p1363' }).toString('base64')
    assert.equal(await codeOf(options('der'), body, { 'x-sig': der, 'x-ts': String(NOW) }), undefined)
    assert.equal(await codeOf(options('raw'), body, { 'x-sig': raw, 'x-ts': String(NOW) }), undefined)
    assert.equal(await codeOf(options('der'), body, { 'x-sig': raw, 'x-ts': String(NOW) }), 'HOOKGATE_SIGNATURE_INVALID', 'raw where DER is expected')
    assert.equal(await codeOf(options('der'), '{"id":"e2"}', { 'x-sig': der, 'x-ts': String(NOW) }), 'HOOKGATE_SIGNATURE_INVALID')
  })

  test('keys that cannot be the algorithm\'s, and bad options, throw at startup naming the option', () => {
    const cases: Array<[Partial<PublicKeyOptions>, RegExp]> = [
      [{ keys: ecSpki }, /"publicKey\.keys" is not a public key|is a ec/],
      [{ keys: 'ab'.repeat(31) }, /an Ed25519 public key is 32 bytes; got 31/],
      [{ keys: ed.privateKey }, /must be a public key, not a private one/],
      [{ keys: [] }, /"publicKey\.keys" must be a public key or a non-empty list/],
      [{ algorithm: 'rsa' as never }, /"publicKey\.algorithm" must be ed25519 or ecdsa-p256/],
      [{ signedContent: '{timestamp}{body}' }, /"publicKey\.timestamp" is required/],
      [{ header: 'x sig' }, /"publicKey\.header"/]
    ]
    for (const [override, message] of cases) {
      assert.throws(() => publicKeyVerifier({ header: 'x-sig', algorithm: 'ed25519', keys: edHex, ...override } as PublicKeyOptions), { name: 'TypeError', message }, JSON.stringify(Object.keys(override)))
    }
    assert.throws(() => publicKeyVerifier({ header: 'x-sig', algorithm: 'ecdsa-p256', keys: ed.publicKey }), /is a ed25519 key; "ecdsa-p256" needs a P-256/)
  })
})

describe('discord', () => {
  const event = { version: 1, application_id: 'app_1', type: 1, event: { type: 'APPLICATION_AUTHORIZED', timestamp: '2024-12-07T19:33:20.000Z', data: { user: { id: 'u1' } } } }
  const body = JSON.stringify(event)

  test('signDiscord() makes what discord-interactions\' own verifyKey accepts, and so does hookgate', async () => {
    const headers = signDiscord(body, ed.privateKey, { timestamp: NOW })
    assert.equal(await verifyKey(body, headers['x-signature-ed25519'] ?? '', headers['x-signature-timestamp'] ?? '', edHex), true)
    assert.equal(await verifyKey(`${body} `, headers['x-signature-ed25519'] ?? '', headers['x-signature-timestamp'] ?? '', edHex), false)
    const seen: WebhookEvent[] = []
    const receiver = createReceiver(discord({ publicKey: edHex }), { now }).on('APPLICATION_AUTHORIZED', (e) => { seen.push(e) })
    const outcome = await receiver.receive(Buffer.from(body), headers)
    assert.equal(outcome.status, 200)
    assert.deepEqual(seen.map((e) => [e.type, e.data]), [['APPLICATION_AUTHORIZED', { user: { id: 'u1' } }]])
    assert.deepEqual((await receiver.receive(Buffer.from(body), headers)).body, { ok: true, handled: 0, duplicates: 1 }, 'a redelivery of the same bytes is a duplicate')
    assert.equal((await receiver.receive(Buffer.from(body), signDiscord(body, generateKeyPairSync('ed25519').privateKey, { timestamp: NOW }))).status, 401, 'Discord probes with bad signatures and wants 401')
  })

  test('Discord\'s PING is answered 204 with no body on every adapter once its signature verifies; it reaches no handler and claims nothing', async (t) => {
    const ping = JSON.stringify({ version: 1, application_id: 'app_1', type: 0 })
    let ran = 0
    const app = Fastify()
    t.after(() => app.close())
    await app.register(hookgate, { now })
    app.webhooks('/discord', discord({ publicKey: edHex })).on('*', () => { ran++ })
    const reply = await app.inject({ method: 'POST', url: '/discord', headers: signDiscord(ping, ed.privateKey, { timestamp: NOW }), payload: ping })
    assert.equal(reply.statusCode, 204)
    assert.equal(reply.body, '')
    const forged = await app.inject({ method: 'POST', url: '/discord', headers: signDiscord(ping, generateKeyPairSync('ed25519').privateKey, { timestamp: NOW }), payload: ping })
    assert.equal(forged.statusCode, 401)
    const { webhooks } = await import('../../src/adapters/node.js')
    const endpoint = webhooks(discord({ publicKey: edHex }), { now, log: { debug () {}, info () {}, warn () {}, error () {} } }).on('*', () => { ran++ })
    const { createServer } = await import('node:http')
    const server = createServer(endpoint)
    await new Promise<void>((resolve) => { server.listen(0, '127.0.0.1', resolve) })
    t.after(() => { server.close() })
    const res = await fetch(`http://127.0.0.1:${(server.address() as { port: number }).port}/`, { method: 'POST', headers: signDiscord(ping, ed.privateKey, { timestamp: NOW }), body: ping })
    assert.equal(res.status, 204)
    assert.equal(await res.text(), '')
    assert.equal(ran, 0)
  })

  test('discord() refuses a missing key or an unknown option', () => {
    assert.throws(() => discord({} as never), /discord\(\): "publicKey" is required/)
    assert.throws(() => discord({ publicKey: edHex, secret: 'x' } as never), /unknown option "secret"/)
  })
})

describe('sendgrid', () => {
  const batch = [
    { email: 'a@example.com', timestamp: NOW, event: 'delivered', sg_event_id: 'sg_1', sg_message_id: 'm1' },
    { email: 'b@example.com', timestamp: NOW, event: 'open', sg_event_id: 'sg_2', sg_message_id: 'm2' },
    { email: 'a@example.com', timestamp: NOW, event: 'bounce', sg_event_id: 'sg_3', sg_message_id: 'm1' }
  ]
  // SendGrid's bodies end with CRLF: the signature covers it, so it must be kept.
  const body = `${JSON.stringify(batch)}\r\n`

  test('signSendGrid() makes what @sendgrid/eventwebhook\'s own verifySignature accepts, and so does hookgate: each event of the batch dispatched and de-duplicated on its own', async () => {
    const headers = signSendGrid(body, ec.privateKey, { timestamp: NOW })
    const official = new EventWebhook()
    const key = official.convertPublicKeyToECDSA(ecSpki)
    assert.equal(official.verifySignature(key, body, headers['x-twilio-email-event-webhook-signature'] ?? '', headers['x-twilio-email-event-webhook-timestamp'] ?? ''), true)
    assert.equal(official.verifySignature(key, body.trimEnd(), headers['x-twilio-email-event-webhook-signature'] ?? '', headers['x-twilio-email-event-webhook-timestamp'] ?? ''), false)
    const seen: string[] = []
    const receiver = createReceiver(sendgrid({ publicKey: ecSpki }), { now }).on('*', (e) => { seen.push(`${e.type} ${e.id}`) })
    assert.equal((await receiver.receive(Buffer.from(body), headers)).status, 200)
    assert.deepEqual(seen, ['delivered sg_1', 'open sg_2', 'bounce sg_3'])
    const again = await receiver.receive(Buffer.from(body), headers)
    assert.deepEqual(again.body, { ok: true, handled: 0, duplicates: 3 })
    assert.equal((await receiver.receive(Buffer.from(body.trimEnd()), headers)).status, 401, 'the CRLF is signed')
  })

  test('a body that is not a batch of events with ids and types is refused with 400', async () => {
    const receiver = createReceiver(sendgrid({ publicKey: ecSpki }), { now }).on('*', () => {})
    for (const bad of ['{"event":"open"}', '[]', '[{"event":"open"}]', '[{"sg_event_id":"x"}]', '[1]']) {
      const outcome = await receiver.receive(Buffer.from(bad), signSendGrid(bad, ec.privateKey, { timestamp: NOW }))
      assert.equal(outcome.status, 400, bad)
      assert.equal(outcome.error?.code, 'HOOKGATE_ENVELOPE_INVALID')
    }
  })
})

describe('slack url_verification', () => {
  test('answered { challenge } once signed by the signing secret, reaching no handler; a forged one gets 401', async () => {
    const secret = 'slack-signing-secret'
    const body = JSON.stringify({ token: 'legacy', challenge: '3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P', type: 'url_verification' })
    let ran = 0
    const receiver = createReceiver(slack({ secret }), { now }).on('*', () => { ran++ })
    const outcome = await receiver.receive(Buffer.from(body), signSlack(body, secret, { timestamp: NOW }))
    assert.equal(outcome.status, 200)
    assert.deepEqual(outcome.body, { challenge: '3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P' })
    assert.equal((await receiver.receive(Buffer.from(body), signSlack(body, 'wrong', { timestamp: NOW }))).status, 401)
    assert.equal(ran, 0)
  })
})

describe('publicKeyVerifier properties', () => {
  const schemes: Array<[string, PublicKeyOptions, (data: Buffer) => string]> = [
    ['ed25519', { header: 'x-sig', algorithm: 'ed25519', keys: edHex, signedContent: '{timestamp}{body}', timestamp: { header: 'x-ts' } }, (data) => sign(null, data, ed.privateKey).toString('hex')],
    ['ecdsa-p256', { header: 'x-sig', algorithm: 'ecdsa-p256', keys: ecSpki, encoding: 'base64', signedContent: '{timestamp}{body}', timestamp: { header: 'x-ts' } }, (data) => sign('sha256', data, ec.privateKey).toString('base64')]
  ]
  for (const [name, options, signWith] of schemes) {
    test(`${name}: any single change to the body, the timestamp or the signature is refused; no input throws`, async () => {
      const verifier = publicKeyVerifier(options)
      const mutation = fc.oneof(
        fc.record({ kind: fc.constant('body' as const), index: fc.nat(), bit: fc.integer({ min: 0, max: 7 }) }),
        fc.record({ kind: fc.constant('timestamp' as const), delta: fc.integer({ min: -60, max: 60 }).filter((d) => d !== 0) }),
        fc.record({ kind: fc.constant('signature' as const), index: fc.nat(), char: fc.constantFrom(...'0123456789abcdefABCDEF+/=') })
      )
      await fc.assert(fc.asyncProperty(fc.string({ minLength: 1, maxLength: 200 }), mutation, async (text, change) => {
        const body = Buffer.from(text)
        let ts = String(NOW)
        let signature = signWith(Buffer.concat([Buffer.from(ts), body]))
        assert.equal(verifier.verify(request(body, { 'x-sig': signature, 'x-ts': ts })), undefined)
        if (change.kind === 'body') body[change.index % body.length] = (body[change.index % body.length] as number) ^ (1 << change.bit)
        if (change.kind === 'timestamp') ts = String(NOW + change.delta)
        if (change.kind === 'signature') {
          const at = change.index % signature.length
          if (signature[at] === change.char) return
          signature = signature.slice(0, at) + change.char + signature.slice(at + 1)
        }
        const result = verifier.verify(request(body, { 'x-sig': signature, 'x-ts': ts })) as { code?: string } | undefined
        assert.ok(result?.code === 'HOOKGATE_SIGNATURE_INVALID', `${JSON.stringify(change)} → ${result?.code ?? 'accepted'}`)
      }), { numRuns: 300 })
      await fc.assert(fc.asyncProperty(fc.string({ maxLength: 300 }), fc.string({ maxLength: 30 }), fc.uint8Array({ maxLength: 100 }), async (signature, ts, body) => {
        const result = verifier.verify(request(Buffer.from(body), { 'x-sig': signature, 'x-ts': ts })) as { statusCode?: number } | undefined
        assert.ok(result !== undefined && (result.statusCode ?? 0) >= 400 && (result.statusCode ?? 0) < 500)
      }), { numRuns: 300 })
    })
  }
})

describe('slack against @slack/bolt', () => {
  test('what signSlack() signs, Bolt\'s own isValidSlackRequest accepts, and hookgate too; Bolt refuses what hookgate refuses', async () => {
    const secret = 'slack-signing-secret-for-bolt'
    const body = JSON.stringify({ type: 'event_callback', event_id: 'Ev1', event: { type: 'app_mention', text: 'hi' } })
    const headers = signSlack(body, secret)
    const bolt = (text: string, signed: Record<string, string>): boolean => isValidSlackRequest({ signingSecret: secret, body: text, headers: { 'x-slack-signature': signed['x-slack-signature'] ?? '', 'x-slack-request-timestamp': Number(signed['x-slack-request-timestamp']) } })
    assert.equal(bolt(body, headers), true)
    assert.equal((await createReceiver(slack({ secret })).on('*', () => {}).receive(Buffer.from(body), headers)).status, 200)
    assert.equal(bolt(`${body} `, headers), false)
    assert.equal((await createReceiver(slack({ secret })).on('*', () => {}).receive(Buffer.from(`${body} `), headers)).status, 401)
  })
})
