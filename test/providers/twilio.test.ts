// Twilio: what twilio's own getExpectedTwilioSignature signs and validateRequest accepts, hookgate
// accepts too, over real HTTP on every adapter, with the URL as Twilio called it (publicUrl).
import { test } from 'node:test'
import assert from 'node:assert/strict'
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
    assert.deepEqual(seen, [['idem-1', 'message.delivered', '+15550001111']])
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
