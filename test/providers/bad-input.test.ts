// What the newer presets and the public-key verifier refuse: malformed bodies (400, never a handler),
// malformed signatures and timestamps (401), and options that cannot work (a TypeError at startup).
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { createHmac, generateKeyPairSync, sign } from 'node:crypto'
import { createReceiver } from '../../src/core/receiver.js'
import type { InboundRequest, Provider } from '../../src/core/types.js'
import { discord, meta, postmark, zoom } from '../../src/providers/index.js'
import { signDiscord } from '../../src/testing/index.js'
import { publicKeyVerifier, type PublicKeyOptions } from '../../src/verify/public-key.js'

async function statusOf (provider: Provider, body: string, headers: Record<string, string>): Promise<[number, string | undefined]> {
  const outcome = await createReceiver(provider).on('*', () => { throw new Error('no handler may run') }).receive(Buffer.from(body), { 'content-type': 'application/json', ...headers })
  return [outcome.status, outcome.error?.code]
}

test('discord, zoom, meta and postmark refuse genuine bodies that are not their envelope with 400', async () => {
  const ed = generateKeyPairSync('ed25519')
  for (const body of ['[1]', '{"type":1}', '{"type":1,"event":{"type":""}}', '{"type":2,"event":{}}']) {
    assert.deepEqual(await statusOf(discord({ publicKey: ed.publicKey }), body, signDiscord(body, ed.privateKey)), [400, 'HOOKGATE_ENVELOPE_INVALID'], body)
  }
  const zoomSigned = (body: string): Record<string, string> => {
    const ts = String(Math.floor(Date.now() / 1000))
    return { 'x-zm-request-timestamp': ts, 'x-zm-signature': `v0=${createHmac('sha256', 'z').update(`v0:${ts}:${body}`).digest('hex')}` }
  }
  for (const body of ['{}', '{"event":""}', '{"event":"endpoint.url_validation","payload":{}}', '{"event":"endpoint.url_validation"}']) {
    assert.deepEqual(await statusOf(zoom({ secret: 'z' }), body, zoomSigned(body)), [400, 'HOOKGATE_ENVELOPE_INVALID'], body)
  }
  const metaSigned = (body: string): Record<string, string> => ({ 'x-hub-signature-256': `sha256=${createHmac('sha256', 'm').update(body).digest('hex')}` })
  for (const body of ['{}', '{"object":"page","entry":{}}', '{"object":"page","entry":[1]}', '{"object":"page","entry":[{"changes":[{"value":{}}]}]}', '{"object":"page","entry":[{"id":"p"}]}']) {
    assert.deepEqual(await statusOf(meta({ appSecret: 'm', verifyToken: 't' }), body, metaSigned(body)), [400, 'HOOKGATE_ENVELOPE_INVALID'], body)
  }
  const basic = { authorization: `Basic ${Buffer.from('u:p').toString('base64')}` }
  for (const body of ['[]', '{"RecordType":""}', '{}']) {
    assert.deepEqual(await statusOf(postmark({ basicAuth: { username: 'u', password: 'p' } }), body, basic), [400, 'HOOKGATE_ENVELOPE_INVALID'], body)
  }
})

test('Meta\'s Messenger items are events of type <object>.messaging, and an entry time in ms or s is read as seconds', async () => {
  const body = JSON.stringify({ object: 'page', entry: [{ id: 'p1', time: 1733600000123, messaging: [{ sender: { id: 's' }, message: { text: 'hi' } }] }, { id: 'p2', time: 1733600000, changes: [{ field: 'feed', value: { item: 'post' } }] }] })
  const seen: Array<[string, number | undefined]> = []
  const outcome = await createReceiver(meta({ appSecret: 'm', verifyToken: 't' })).on('*', (event) => { seen.push([event.type, event.createdAt]) })
    .receive(Buffer.from(body), { 'content-type': 'application/json', 'x-hub-signature-256': `sha256=${createHmac('sha256', 'm').update(body).digest('hex')}` })
  assert.equal(outcome.status, 200)
  assert.deepEqual(seen, [['page.messaging', 1733600000], ['page.feed', 1733600000]])
})

test('presets throw at startup on options that cannot work', () => {
  assert.throws(() => meta({ appSecret: 'm' } as never), /"verifyToken" must be/)
  assert.throws(() => meta({ verifyToken: 't' } as never), /"appSecret" is required/)
  assert.throws(() => meta(null as never), /meta\(\) needs/)
  assert.throws(() => zoom(null as never), /zoom\(\) needs/)
  assert.throws(() => postmark(null as never), /postmark\(\) needs/)
  assert.throws(() => discord(null as never), /discord\(\) needs/)
})

test('the public-key verifier: keys in every form for ECDSA, bad signature and timestamp headers, options that cannot work', async () => {
  const ec = generateKeyPairSync('ec', { namedCurve: 'prime256v1' })
  const ed = generateKeyPairSync('ed25519')
  const data = (ts: string): Buffer => Buffer.from(`${ts}{}`)
  const request = (headers: Record<string, string>): InboundRequest => ({ body: Buffer.from('{}'), header: (n) => headers[n], headers, now: Date.now })
  const ts = String(Math.floor(Date.now() / 1000))
  const base = { header: 'x-sig', signedContent: '{timestamp}{body}', timestamp: { header: 'x-ts' } }
  const derSig = sign('sha256', data(ts), ec.privateKey).toString('hex')
  for (const keys of [ec.publicKey.export({ format: 'pem', type: 'spki' }) as string, ec.publicKey.export({ format: 'jwk' }), ec.publicKey.export({ format: 'der', type: 'spki' })]) {
    assert.equal(publicKeyVerifier({ ...base, algorithm: 'ecdsa-p256', keys } as PublicKeyOptions).verify(request({ 'x-sig': derSig, 'x-ts': ts })), undefined)
  }
  const edBase64 = Buffer.from(ed.publicKey.export({ format: 'jwk' }).x as string, 'base64url').toString('base64')
  const edSig = sign(null, data(ts), ed.privateKey).toString('base64url')
  assert.equal(publicKeyVerifier({ ...base, algorithm: 'ed25519', keys: edBase64, keyEncoding: 'base64', encoding: 'base64url' }).verify(request({ 'x-sig': edSig, 'x-ts': ts })), undefined)
  const verifier = publicKeyVerifier({ ...base, algorithm: 'ed25519', keys: ed.publicKey })
  const codes = [
    verifier.verify(request({ 'x-sig': 'ab' })),
    verifier.verify(request({ 'x-sig': 'ab', 'x-ts': 'yesterday' })),
    publicKeyVerifier({ header: 'x-sig', algorithm: 'ed25519', keys: ed.publicKey, signedContent: '{header:x-other}{body}' }).verify(request({ 'x-sig': 'ab' }))
  ].map((result) => (result as { code?: string } | undefined)?.code)
  assert.deepEqual(codes, ['HOOKGATE_SIGNATURE_INVALID', 'HOOKGATE_SIGNATURE_INVALID', 'HOOKGATE_SIGNATURE_INVALID'])
  const bad: Array<[Record<string, unknown>, RegExp]> = [
    [{ encoding: 'utf8' }, /"publicKey\.encoding"/],
    [{ signatureFormat: 'pem' }, /"publicKey\.signatureFormat"/],
    [{ keyEncoding: 'utf8' }, /"publicKey\.keyEncoding"/],
    [{ timestamp: { header: 'x ts' } }, /"publicKey\.timestamp\.header"/],
    [{ keys: '-----BEGIN PUBLIC KEY-----\nnope\n-----END PUBLIC KEY-----' }, /is not a public key/],
    [{ keys: { kty: 'oct', k: 'AAAA' } }, /is not a public key|must be a public key/]
  ]
  for (const [override, message] of bad) {
    assert.throws(() => publicKeyVerifier({ header: 'x-sig', algorithm: 'ed25519', keys: ed.publicKey, ...override } as PublicKeyOptions), { name: 'TypeError', message }, JSON.stringify(override))
  }
  assert.throws(() => publicKeyVerifier(null as never), /"publicKey" options must be an object/)
})
