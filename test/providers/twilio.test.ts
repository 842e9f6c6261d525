// Twilio: what twilio's own getExpectedTwilioSignature signs and validateRequest accepts, hookgate
// accepts too, over real HTTP on every adapter, with the URL as Twilio called it (publicUrl).
import { test } from 'node:test'
import assert from 'node:assert/strict'
import fc from 'fast-check'
import twilioLib from 'twilio'
import { ADAPTERS, type Declarable } from '../contract/harness.js'
import { createReceiver } from '../../src/core/receiver.js'
import { twilio } from '../../src/providers/index.js'

const AUTH_TOKEN = '12345678901234567890123456789012'
const PUBLIC = 'https://hooks.example.com'
const params = { MessageSid: 'SM123', MessageStatus: 'delivered', To: '+15550001111', From: '+15550002222', AccountSid: 'AC1', ApiVersion: '2010-04-01' }
const form = new URLSearchParams(params).toString()

for (const adapter of ADAPTERS) {
  test(`${adapter.name}: a status callback signed by twilio's own code is accepted, dispatched as message.<status>; another URL, parameter or token is refused`, async (t) => {
    const seen: Array<[string, string, unknown]> = []
    const harness = await adapter.start(twilio({ authToken: AUTH_TOKEN, publicUrl: PUBLIC }), {}, (endpoint: Declarable) => { endpoint.on('*', (event) => { seen.push([event.id, event.type, (event.data as Record<string, unknown>).To]) }) })
    t.after(() => harness.close())
    const path = new URL(harness.url).pathname
    const signature = twilioLib.getExpectedTwilioSignature(AUTH_TOKEN, `${PUBLIC}${path}`, params)
    assert.equal(twilioLib.validateRequest(AUTH_TOKEN, signature, `${PUBLIC}${path}`, params), true)
    const send = async (body: string, headers: Record<string, string>): Promise<number> => (await harness.send({ headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers }, body })).status
    assert.equal(await send(form, { 'x-twilio-signature': signature, 'i-twilio-idempotency-token': 'idem-1' }), 200)
    assert.deepEqual(seen.map(([id, type, to]) => [/^sha256:[0-9a-f]{64}$/.test(id), type, to]), [[true, 'message.delivered', '+15550001111']])
    assert.equal(await send(form, { 'x-twilio-signature': signature, 'i-twilio-idempotency-token': 'idem-2' }), 200, 'a replay with another (unsigned) token: a duplicate')
    assert.equal(await send(form.replace('delivered', 'failed'), { 'x-twilio-signature': signature }), 401, 'a parameter changed')
    assert.equal(await send(`${form}&Extra=1`, { 'x-twilio-signature': signature }), 401, 'a parameter added')
    const elsewhere = twilioLib.getExpectedTwilioSignature(AUTH_TOKEN, `https://other.example.com${path}`, params)
    assert.equal(await send(form, { 'x-twilio-signature': elsewhere }), 401, 'signed for another URL')
    assert.equal(await send(form, { 'x-twilio-signature': twilioLib.getExpectedTwilioSignature('another-token-another-token-1234', `${PUBLIC}${path}`, params) }), 401)
    assert.equal(await send(JSON.stringify(params), { 'content-type': 'application/json', 'x-twilio-signature': signature }), 415, 'a JSON body is not what this endpoint reads')
    assert.equal(seen.length, 1)
  })
}

test('repeated parameters are signed sorted; a form with __proto__ stays a plain parameter; publicUrl as a function; bad options throw', async () => {
  const body = 'CallSid=CA1&CallStatus=completed&Digits=2&Digits=1&__proto__=x'
  const url = 'https://hooks.example.com/voice?x=1'
  // JSON.parse makes __proto__ an own property, as a form parser must (an object literal would set the prototype).
  const signed = twilioLib.getExpectedTwilioSignature(AUTH_TOKEN, url, JSON.parse('{"CallSid":"CA1","CallStatus":"completed","Digits":["2","1"],"__proto__":"x"}') as Record<string, string>)
  const seen: unknown[] = []
  const receiver = createReceiver(twilio({ authToken: AUTH_TOKEN, publicUrl: () => url })).on('*', (event) => { seen.push([event.type, event.data]) })
  const outcome = await receiver.receive(Buffer.from(body), { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': signed }, { url: 'http://10.0.0.5:3000/voice?x=1' })
  assert.equal(outcome.status, 200, JSON.stringify(outcome.body))
  assert.equal(({} as Record<string, unknown>).x, undefined)
  assert.deepEqual(JSON.stringify(seen), '[["call.completed",{"CallSid":"CA1","CallStatus":"completed","Digits":["2","1"],"__proto__":"x"}]]')
  assert.throws(() => twilio({ authToken: AUTH_TOKEN, publicUrl: 'hooks.example.com' }), /"publicUrl" must be an absolute origin/)
  assert.throws(() => twilio({} as never), /"authToken" is required/)
})

test('a signature spelt with the unused bits of its last character set (the same bytes, another text) is refused', async () => {
  const receiver = createReceiver(twilio({ authToken: AUTH_TOKEN, publicUrl: PUBLIC })).on('*', () => {})
  const signature = twilioLib.getExpectedTwilioSignature(AUTH_TOKEN, `${PUBLIC}/hook`, params)
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/'
  const last = alphabet.indexOf(signature[26] ?? '')
  const respelt = signature.slice(0, 26) + (alphabet[last ^ 1] ?? '') + '='
  assert.deepEqual(Buffer.from(respelt, 'base64'), Buffer.from(signature, 'base64'))
  const send = (sig: string) => receiver.receive(Buffer.from(form), { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': sig }, { url: `${PUBLIC}/hook` })
  assert.equal((await send(signature)).status, 200)
  const outcome = await send(respelt)
  assert.equal(outcome.status, 401)
  assert.equal(twilioLib.validateRequest(AUTH_TOKEN, respelt, `${PUBLIC}/hook`, params), false)
})

test('property: any single change to the URL, a parameter name or value, or the signature is refused; no input throws', async () => {
  const receiver = createReceiver(twilio({ authToken: AUTH_TOKEN, publicUrl: PUBLIC })).on('*', () => {})
  const name = fc.stringMatching(/^[A-Za-z][A-Za-z0-9]{0,8}$/)
  const paramsArb = fc.dictionary(name, fc.string({ maxLength: 12 }), { minKeys: 1, maxKeys: 5 }).map((extra) => ({ ...extra, MessageSid: 'SM1', MessageStatus: 'sent' }))
  const change = fc.oneof(
    fc.record({ kind: fc.constant('url' as const) }),
    fc.record({ kind: fc.constant('value' as const), index: fc.nat() }),
    fc.record({ kind: fc.constant('name' as const), index: fc.nat() }),
    fc.record({ kind: fc.constant('signature' as const), index: fc.nat(), char: fc.constantFrom(...'ABCabc012+/') })
  )
  await fc.assert(fc.asyncProperty(paramsArb, change, async (params, mutation) => {
    const path = '/hook'
    let signature = twilioLib.getExpectedTwilioSignature(AUTH_TOKEN, `${PUBLIC}${path}`, params)
    const entries = Object.entries(params)
    const at = entries.length === 0 ? 0 : ('index' in mutation ? mutation.index : 0) % entries.length
    let url = `http://10.0.0.1${path}`
    if (mutation.kind === 'url') url = `http://10.0.0.1${path}/`
    if (mutation.kind === 'value') entries[at] = [entries[at]?.[0] ?? 'x', `${entries[at]?.[1] ?? ''}!`]
    if (mutation.kind === 'name') entries[at] = [`${entries[at]?.[0] ?? 'x'}Z`, entries[at]?.[1] ?? '']
    if (mutation.kind === 'signature') {
      const i = mutation.index % 27
      if (signature[i] === mutation.char) return
      signature = signature.slice(0, i) + mutation.char + signature.slice(i + 1)
    }
    const outcome = await receiver.receive(Buffer.from(new URLSearchParams(entries).toString()), { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': signature }, { url })
    assert.ok(outcome.status === 401 || (mutation.kind !== 'signature' && outcome.status === 400), `${JSON.stringify(mutation)} → ${outcome.status}`)
  }), { numRuns: 300 })
  await fc.assert(fc.asyncProperty(fc.string({ maxLength: 40 }), fc.uint8Array({ maxLength: 200 }), async (signature, body) => {
    const outcome = await receiver.receive(Buffer.from(body), { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': signature }, { url: `${PUBLIC}/hook` })
    assert.ok(outcome.status >= 400 && outcome.status < 500)
  }), { numRuns: 300 })
})
