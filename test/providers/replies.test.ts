// Senders that read the handler's reply: Slack's slash commands and interactivity, Discord's
// interactions, Twilio's TwiML. Over real HTTP on every adapter, signed by the senders' own code
// where it exists (Bolt's and discord-interactions' verifiers accept what the test signers sign).
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { generateKeyPairSync } from 'node:crypto'
import { InteractionResponseType, InteractionType, verifyKey } from 'discord-interactions'
import { isValidSlackRequest } from '@slack/bolt'
import twilioLib from 'twilio'
import { ADAPTERS, type Declarable } from '../contract/harness.js'
import { createReceiver } from '../../src/core/receiver.js'
import { silentLogger } from '../../src/core/log.js'
import { webhooks as nodeWebhooks } from '../../src/adapters/node.js'
import { discord, discordInteractions, slack, twilio, type DiscordInteraction, type SlackEvent } from '../../src/providers/index.js'
import { memoryQueue } from '../../src/queues/memory.js'
import { signDiscord, signSlack } from '../../src/testing/index.js'
import { until } from '../wait.js'

const FORM = 'application/x-www-form-urlencoded'
const SLACK_SECRET = 'slack-signing-secret-for-replies'
const ed = generateKeyPairSync('ed25519')
const DISCORD_KEY = Buffer.from(ed.publicKey.export({ format: 'jwk' }).x as string, 'base64url').toString('hex')
const TWILIO_TOKEN = '12345678901234567890123456789012'

const command = new URLSearchParams({ token: 'legacy', team_id: 'T1', channel_id: 'C1', user_id: 'U1', command: '/weather', text: 'lisbon', response_url: 'https://hooks.slack.com/commands/T1/1/x', trigger_id: '13345224609.738474920.8088930838d88f008e0' }).toString()
const interaction = (payload: object): string => new URLSearchParams({ payload: JSON.stringify(payload) }).toString()
const slackForm = (body: string): Record<string, string> => ({ ...signSlack(body, SLACK_SECRET), 'content-type': FORM })

for (const adapter of ADAPTERS) {
  test(`${adapter.name}: Slack slash commands and interactions reach their handlers, and what a handler returns is Slack's reply`, async (t) => {
    const seen: Array<[string, string, string | undefined]> = []
    const harness = await adapter.start(slack({ secret: SLACK_SECRET }), {}, (endpoint: Declarable) => {
      endpoint.on('/weather', (event) => {
        const e = event as SlackEvent<Record<string, string>>
        seen.push([e.id, e.type, e.kind])
        return { response_type: 'in_channel', text: `Sunny in ${e.data.text ?? ''}` }
      })
      endpoint.on('/echo', (event) => (event.data as Record<string, string>).text)
      endpoint.on('/quiet', () => {})
      endpoint.on('/broken', () => 42)
      endpoint.on('block_actions.approve', (event) => { seen.push([event.id, event.type, (event as SlackEvent).kind]) })
      endpoint.on('view_submission.new_ticket', () => ({ response_action: 'errors', errors: { title: 'Too short' } }))
      endpoint.on('app_mention', (event) => { seen.push([event.id, event.type, (event as SlackEvent).kind]) })
    })
    t.after(() => harness.close())
    const send = async (body: string, headers = slackForm(body)) => await harness.send({ headers, body })

    const weather = await send(command)
    assert.equal(weather.status, 200)
    assert.deepEqual(weather.body, { response_type: 'in_channel', text: 'Sunny in lisbon' })
    assert.deepEqual(seen, [['13345224609.738474920.8088930838d88f008e0', '/weather', 'command']])
    const again = await send(command)
    assert.deepEqual([again.status, again.body], [200, ''], 'the same trigger_id again: a duplicate, acknowledged without a second run')
    assert.equal(seen.length, 1)

    const echo = await send(command.replace('%2Fweather', '%2Fecho').replace('13345224609', '2'))
    assert.deepEqual([echo.status, echo.headers['content-type'], echo.body], [200, 'text/plain; charset=utf-8', 'lisbon'])
    const quiet = await send(command.replace('%2Fweather', '%2Fquiet').replace('13345224609', '3'))
    assert.deepEqual([quiet.status, quiet.body], [200, ''])
    const unknown = await send(command.replace('%2Fweather', '%2Fnobody').replace('13345224609', '4'))
    assert.deepEqual([unknown.status, unknown.body], [200, ''], 'no handler: acknowledged as Slack expects')
    const broken = await send(command.replace('%2Fweather', '%2Fbroken').replace('13345224609', '5'))
    assert.equal(broken.status, 500)
    assert.equal((broken.body as { code: string }).code, 'HOOKGATE_REPLY_INVALID')

    const click = interaction({ type: 'block_actions', trigger_id: 'tr-click', user: { id: 'U1' }, actions: [{ action_id: 'approve', value: 'yes' }] })
    assert.deepEqual([(await send(click)).status, seen.at(-1)], [200, ['tr-click', 'block_actions.approve', 'interaction']])
    const submit = await send(interaction({ type: 'view_submission', trigger_id: 'tr-view', view: { callback_id: 'new_ticket', state: { values: {} } } }))
    assert.deepEqual([submit.status, submit.body], [200, { response_action: 'errors', errors: { title: 'Too short' } }])

    // The Events API still answers as before, and its url_verification too; a form is never a handshake.
    const mention = JSON.stringify({ type: 'event_callback', event_id: 'Ev1', event: { type: 'app_mention', text: 'hi' } })
    const callback = await send(mention, signSlack(mention, SLACK_SECRET))
    assert.deepEqual([callback.status, callback.body, seen.at(-1)?.[2]], [200, { ok: true, handled: 1 }, undefined])
    const challenge = JSON.stringify({ type: 'url_verification', challenge: 'abc' })
    assert.deepEqual((await send(challenge, signSlack(challenge, SLACK_SECRET))).body, { challenge: 'abc' })
    assert.equal((await send('type=url_verification&challenge=abc')).status, 400)

    assert.equal((await send(command, slackForm(`${command}&x=1`))).status, 401, 'a form signed over other bytes')
    assert.equal((await send(interaction({ type: 'block_actions' }).replace('payload', 'pay'))).status, 400)
    assert.equal((await send('payload=%7Bnot%20json')).status, 400)
    assert.equal((await send('command=weather&trigger_id=x')).status, 400, 'a command is named "/…"')
    assert.equal(seen.length, 3)
  })
}

test('Slack: Bolt\'s own verifier accepts a command as signSlack() signs it; a handler for a command may return text only there', async () => {
  const headers = slackForm(command)
  assert.equal(signSlack(command, SLACK_SECRET)['content-type'], FORM, 'signSlack() sends a form as a form')
  assert.equal(isValidSlackRequest({ signingSecret: SLACK_SECRET, body: command, headers: { 'x-slack-signature': headers['x-slack-signature'] ?? '', 'x-slack-request-timestamp': Number(headers['x-slack-request-timestamp']) } }), true)
  const receiver = createReceiver(slack({ secret: SLACK_SECRET })).on('*', () => 'text')
  const click = interaction({ type: 'shortcut', callback_id: 'open', trigger_id: 't1' })
  const outcome = await receiver.receive(Buffer.from(click), slackForm(click))
  assert.equal(outcome.status, 500)
  assert.equal(outcome.error?.code, 'HOOKGATE_REPLY_INVALID')
  assert.deepEqual(outcome.events.map((event) => event.type), ['shortcut.open'])
  const long = interaction({ type: 'block_actions', actions: [{ action_id: 'a'.repeat(250) }] })
  assert.equal((await receiver.receive(Buffer.from(long), slackForm(long))).status, 400, 'type and target over 256 characters')
  const closed = interaction({ type: 'view_closed', view: { callback_id: 'c' } })
  const noTrigger = await receiver.receive(Buffer.from(closed), slackForm(closed))
  assert.match(noTrigger.events[0]?.id ?? '', /^sha256:[0-9a-f]{64}$/, 'no trigger_id: the body\'s digest')
})

test('Slack in queue mode: a command is acknowledged with an empty 200 at once and its handler runs on a worker', async (t) => {
  const ran: string[] = []
  const listener = nodeWebhooks(slack({ secret: SLACK_SECRET }), { path: '/hook', log: silentLogger, queue: { engine: memoryQueue() } }).on('/weather', (event) => { ran.push(event.id); return { text: 'too late to be read' } })
  const server = createServer(listener)
  await new Promise<void>((resolve) => { server.listen(0, '127.0.0.1', resolve) })
  t.after(async () => { await listener.close(); await new Promise((resolve) => server.close(resolve)) })
  const res = await fetch(`http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`, { method: 'POST', headers: slackForm(command), body: command })
  assert.deepEqual([res.status, await res.text()], [200, ''])
  await until(() => ran.length === 1, 'the worker\'s run', 5000)
})

const discordInteraction = (type: number, data: object, id = '1160000000000000001'): string =>
  JSON.stringify({ id, application_id: 'A1', type, token: 'itoken', version: 1, guild_id: 'G1', member: { user: { id: 'U1' } }, data })

for (const adapter of ADAPTERS) {
  test(`${adapter.name}: Discord interactions: the PING is answered {"type":1}; a command's handler returns the response; nothing returned is a deferred response`, async (t) => {
    const seen: Array<[string, string, string]> = []
    const harness = await adapter.start(discordInteractions({ publicKey: DISCORD_KEY }), {}, (endpoint: Declarable) => {
      endpoint.on('command.weather', (event) => {
        const e = event as DiscordInteraction<{ options: Array<{ value: string }> }>
        seen.push([e.id, e.type, e.token])
        return { type: InteractionResponseType.CHANNEL_MESSAGE_WITH_SOURCE, data: { content: `Sunny in ${e.data.options[0]?.value ?? ''}` } }
      })
      endpoint.on('component.*', (event) => { seen.push([event.id, event.type, (event as DiscordInteraction).token]) })
      endpoint.on('command.broken', () => ({ content: 'no type' }))
    })
    t.after(() => harness.close())
    const send = async (body: string, headers = signDiscord(body, ed.privateKey)) => await harness.send({ headers, body })

    const ping = JSON.stringify({ id: 'p1', application_id: 'A1', type: InteractionType.PING, token: 't', version: 1 })
    const pingHeaders = signDiscord(ping, ed.privateKey)
    assert.equal(await verifyKey(ping, pingHeaders['x-signature-ed25519'] ?? '', pingHeaders['x-signature-timestamp'] ?? '', DISCORD_KEY), true, 'discord-interactions accepts the test signer')
    const pong = await send(ping, pingHeaders)
    assert.deepEqual([pong.status, pong.body], [200, { type: InteractionResponseType.PONG }])
    assert.equal((await send(ping, { ...pingHeaders, 'x-signature-timestamp': String(Number(pingHeaders['x-signature-timestamp']) + 1) })).status, 401, 'Discord probes that a bad signature is refused')

    const weather = await send(discordInteraction(InteractionType.APPLICATION_COMMAND, { id: 'c1', name: 'weather', options: [{ name: 'city', value: 'Lisbon' }] }))
    assert.deepEqual([weather.status, weather.body], [200, { type: 4, data: { content: 'Sunny in Lisbon' } }])
    assert.deepEqual(seen, [['1160000000000000001', 'command.weather', 'itoken']])

    const deferred = async (type: number, data: object, id: string): Promise<unknown> => (await send(discordInteraction(type, data, id))).body
    assert.deepEqual(await deferred(InteractionType.MESSAGE_COMPONENT, { custom_id: 'approve', component_type: 2 }, '2'), { type: InteractionResponseType.DEFERRED_UPDATE_MESSAGE })
    assert.deepEqual(seen.at(-1), ['2', 'component.approve', 'itoken'])
    assert.deepEqual(await deferred(InteractionType.APPLICATION_COMMAND, { name: 'nobody' }, '3'), { type: InteractionResponseType.DEFERRED_CHANNEL_MESSAGE_WITH_SOURCE })
    assert.deepEqual(await deferred(InteractionType.MODAL_SUBMIT, { custom_id: 'form', components: [] }, '4'), { type: InteractionResponseType.DEFERRED_CHANNEL_MESSAGE_WITH_SOURCE })
    assert.deepEqual(await deferred(InteractionType.APPLICATION_COMMAND_AUTOCOMPLETE, { name: 'weather', options: [] }, '5'), { type: InteractionResponseType.APPLICATION_COMMAND_AUTOCOMPLETE_RESULT, data: { choices: [] } })
    assert.equal(seen.length, 2, 'autocomplete has its own type: the command\'s handler did not run')

    const broken = await send(discordInteraction(InteractionType.APPLICATION_COMMAND, { name: 'broken' }, '6'))
    assert.deepEqual([broken.status, (broken.body as { code: string }).code], [500, 'HOOKGATE_REPLY_INVALID'])
    assert.equal((await send(discordInteraction(9, { name: 'x' }, '7'))).status, 400, 'an interaction type hookgate does not know')
    assert.equal((await send(JSON.stringify({ id: '8', type: 2, data: { name: 'weather' } }))).status, 400, 'no token')
    assert.equal((await send('[]')).status, 400)
    assert.equal((await send(discordInteraction(2, { name: 'n'.repeat(250) }, '9'))).status, 400, 'a name over 256 characters with its prefix')
  })
}

test('discordInteractions(): bad options name the preset as it is called', () => {
  assert.throws(() => discordInteractions({} as never), /^TypeError: discordInteractions\(\): "publicKey" is required/)
  assert.throws(() => discordInteractions({ publicKey: DISCORD_KEY, secret: 'x' } as never), /discordInteractions\(\)/)
})

for (const adapter of ADAPTERS) {
  test(`${adapter.name}: Twilio gets TwiML: the handler's (twilio's own MessagingResponse or a string), else an empty <Response/>`, async (t) => {
    const harness = await adapter.start(twilio({ authToken: TWILIO_TOKEN, publicUrl: 'https://hooks.example.com' }), {}, (endpoint: Declarable) => {
      endpoint.on('message.received', (event) => {
        const reply = new twilioLib.twiml.MessagingResponse()
        reply.message(`You said: ${(event.data as Record<string, string>).Body ?? ''}`)
        return reply
      })
      endpoint.on('call.ringing', () => '<Response><Say>Hello</Say></Response>')
      endpoint.on('call.in-progress', () => 42)
    })
    t.after(() => harness.close())
    const path = new URL(harness.url).pathname
    const send = async (params: Record<string, string>) => {
      const signature = twilioLib.getExpectedTwilioSignature(TWILIO_TOKEN, `https://hooks.example.com${path}`, params)
      return await harness.send({ headers: { 'content-type': FORM, 'x-twilio-signature': signature }, body: new URLSearchParams(params).toString() })
    }
    const incoming = await send({ MessageSid: 'SM1', SmsSid: 'SM1', SmsStatus: 'received', Body: 'hi', From: '+15550001111', To: '+15550002222' })
    assert.deepEqual([incoming.status, incoming.headers['content-type'], incoming.body], [200, 'text/xml; charset=utf-8', '<?xml version="1.0" encoding="UTF-8"?><Response><Message>You said: hi</Message></Response>'])
    const call = await send({ CallSid: 'CA1', CallStatus: 'ringing', Direction: 'inbound' })
    assert.deepEqual([call.status, call.body], [200, '<Response><Say>Hello</Say></Response>'])
    const status = await send({ MessageSid: 'SM2', MessageStatus: 'delivered' })
    assert.deepEqual([status.status, status.headers['content-type'], status.body], [200, 'text/xml; charset=utf-8', '<?xml version="1.0" encoding="UTF-8"?><Response/>'])
    const broken = await send({ CallSid: 'CA2', CallStatus: 'in-progress' })
    assert.deepEqual([broken.status, (broken.body as { code: string }).code], [500, 'HOOKGATE_REPLY_INVALID'])
  })
}

test('Twilio: an object without its own toString, or text that is not XML, is not TwiML', async () => {
  const params = { CallSid: 'CA1', CallStatus: 'ringing' }
  const url = 'https://hooks.example.com/voice'
  for (const value of [{ say: 'hi' }, 'Hello', ['<Response/>']]) {
    const receiver = createReceiver(twilio({ authToken: TWILIO_TOKEN })).on('*', () => value)
    const outcome = await receiver.receive(Buffer.from(new URLSearchParams(params).toString()), { 'content-type': FORM, 'x-twilio-signature': twilioLib.getExpectedTwilioSignature(TWILIO_TOKEN, url, params) }, { url })
    assert.equal(outcome.error?.code, 'HOOKGATE_REPLY_INVALID', JSON.stringify(value))
  }
})

test('an async handler\'s reply is sent also without a handler timeout', async () => {
  const receiver = createReceiver(discordInteractions({ publicKey: DISCORD_KEY }), { handlerTimeout: Infinity })
    .on('command.weather', async () => await Promise.resolve({ type: 4, data: { content: 'later' } }))
  const body = discordInteraction(2, { name: 'weather' })
  const outcome = await receiver.receive(Buffer.from(body), signDiscord(body, ed.privateKey))
  assert.deepEqual([outcome.status, outcome.body], [200, { type: 4, data: { content: 'later' } }])
})

test('a handshake sent to the other Discord endpoint is refused with 400 and reaches no handler', async () => {
  let runs = 0
  const interactionPing = JSON.stringify({ id: 'p', application_id: 'A1', type: 1, token: 't', version: 1 })
  const webhookPing = JSON.stringify({ version: 1, application_id: 'A1', type: 0 })
  const events = createReceiver(discord({ publicKey: DISCORD_KEY })).on('*', () => { runs++ })
  const interactions = createReceiver(discordInteractions({ publicKey: DISCORD_KEY })).on('*', () => { runs++ })
  assert.equal((await events.receive(Buffer.from(interactionPing), signDiscord(interactionPing, ed.privateKey))).status, 400)
  assert.equal((await interactions.receive(Buffer.from(webhookPing), signDiscord(webhookPing, ed.privateKey))).status, 400)
  assert.equal((await events.receive(Buffer.from(webhookPing), signDiscord(webhookPing, ed.privateKey))).status, 204)
  assert.equal(runs, 0)
})

for (const adapter of ADAPTERS) {
  test(`${adapter.name}: Slack's unsigned ssl_check=1 is answered 200 and dispatches nothing; anything else unsigned is 401`, async (t) => {
    let runs = 0
    const harness = await adapter.start(slack({ secret: SLACK_SECRET }), {}, (endpoint: Declarable) => { endpoint.on('*', () => { runs++ }) })
    t.after(() => harness.close())
    const send = async (body: string, headers: Record<string, string> = { 'content-type': FORM }) => await harness.send({ headers, body })
    const check = await send('ssl_check=1&token=legacy')
    assert.deepEqual([check.status, check.body], [200, ''])
    assert.equal((await send(`ssl_check=1&${command}`)).status, 200, 'a command smuggled into a check')
    assert.equal((await send(command)).status, 401)
    assert.equal((await send('ssl_check=1', { 'content-type': FORM, 'x-slack-signature': 'v0=00', 'x-slack-request-timestamp': '1' })).status, 401, 'a signed one is verified')
    assert.equal((await send('{"ssl_check":"1"}', { 'content-type': 'application/json' })).status, 401)
    assert.equal((await send(`ssl_check=1&pad=${'x'.repeat(600)}`)).status, 401, 'longer than a check')
    assert.equal(runs, 0)
  })
}

test('Twilio: two <Gather> actions of one call are two events; a retry of one, or a replay under a new I-Twilio-Idempotency-Token, is a duplicate', async () => {
  const url = 'https://hooks.example.com/voice/gather'
  const seen: string[] = []
  const receiver = createReceiver(twilio({ authToken: TWILIO_TOKEN })).on('call.in-progress', (event) => { seen.push((event.data as Record<string, string>).Digits ?? ''); return '<Response><Say>ok</Say></Response>' })
  const gather = async (Digits: string, token = Digits) => {
    const params = { CallSid: 'CA9', CallStatus: 'in-progress', Digits }
    return await receiver.receive(Buffer.from(new URLSearchParams(params).toString()), { 'content-type': FORM, 'x-twilio-signature': twilioLib.getExpectedTwilioSignature(TWILIO_TOKEN, url, params), 'i-twilio-idempotency-token': token }, { url })
  }
  assert.equal((await gather('1')).body, '<Response><Say>ok</Say></Response>')
  assert.equal((await gather('2')).body, '<Response><Say>ok</Say></Response>')
  assert.equal((await gather('2')).body, '<?xml version="1.0" encoding="UTF-8"?><Response/>', 'the same bytes again: a duplicate')
  assert.equal((await gather('2', 'forged-token')).body, '<?xml version="1.0" encoding="UTF-8"?><Response/>', 'the token is not signed: it makes no new event')
  assert.deepEqual(seen, ['1', '2'])
})

test('Slack: a block_suggestion has no trigger_id: the same text typed again later is a new event, a replay of one request a duplicate; legacy actions and ambiguous forms', async () => {
  const asked: string[] = []
  const receiver = createReceiver(slack({ secret: SLACK_SECRET })).on('*', (event) => {
    asked.push(event.type)
    return event.type.startsWith('block_suggestion') ? { options: [{ text: { type: 'plain_text', text: 'Lisbon' }, value: 'lis' }] } : undefined
  })
  const typed = interaction({ type: 'block_suggestion', action_id: 'city', value: 'lis' })
  const at = (seconds: number) => ({ ...signSlack(typed, SLACK_SECRET, { timestamp: seconds }), 'content-type': FORM })
  const now = Math.floor(Date.now() / 1000)
  const first = await receiver.receive(Buffer.from(typed), at(now - 2))
  const later = await receiver.receive(Buffer.from(typed), at(now))
  const replayed = await receiver.receive(Buffer.from(typed), at(now))
  assert.deepEqual([first.body, later.body, replayed.body].map((body) => typeof body === 'object'), [true, true, false])
  assert.deepEqual(asked, ['block_suggestion.city', 'block_suggestion.city'])
  const legacy = interaction({ type: 'interactive_message', callback_id: 'wopr_game', trigger_id: 'tl', actions: [{ name: 'game', type: 'button', value: 'chess' }] })
  assert.equal((await receiver.receive(Buffer.from(legacy), slackForm(legacy))).events[0]?.type, 'interactive_message.wopr_game')
  const both = `${command}&payload=${encodeURIComponent('{"type":"shortcut"}')}`
  assert.equal((await receiver.receive(Buffer.from(both), slackForm(both))).status, 400)
})

test('Discord: context-menu commands and subcommands have types of their own; a response type the interaction does not allow is refused', async () => {
  const seen: string[] = []
  const receiver = createReceiver(discordInteractions({ publicKey: DISCORD_KEY })).on('*', (event) => {
    seen.push(event.type)
    return event.type === 'autocomplete.weather.today' ? { type: 9, data: {} } : undefined
  })
  const send = async (type: number, data: object, id: string) => {
    const body = discordInteraction(type, data, id)
    return await receiver.receive(Buffer.from(body), signDiscord(body, ed.privateKey))
  }
  await send(2, { name: 'Report', type: 2 }, 'u1')
  await send(2, { name: 'Quote', type: 3 }, 'm1')
  await send(2, { name: 'weather', type: 1, options: [{ name: 'today', type: 1, options: [{ name: 'city', type: 3, value: 'Lisbon' }] }] }, 's1')
  await send(2, { name: 'settings', options: [{ name: 'alerts', type: 2, options: [{ name: 'add', type: 1, options: [] }] }] }, 's2')
  const refused = await send(4, { name: 'weather', options: [{ name: 'today', type: 1, options: [{ name: 'city', type: 3, value: 'Li', focused: true }] }] }, 'a1')
  assert.deepEqual(seen, ['user_command.Report', 'message_command.Quote', 'command.weather.today', 'command.settings.alerts.add', 'autocomplete.weather.today'])
  assert.deepEqual([refused.status, refused.error?.code], [500, 'HOOKGATE_REPLY_INVALID'], 'a modal (9) does not answer an autocomplete')
})

test('a Slack command or a Discord interaction whose handler runs past its timeout gets the acknowledgement, not a 500; Slack\'s Events API and Twilio still get the 500', async () => {
  const slow = async (): Promise<object> => await new Promise((resolve) => { setTimeout(() => { resolve({ type: 4, data: { content: 'late' } }) }, 150) })
  const interactions = createReceiver(discordInteractions({ publicKey: DISCORD_KEY }), { handlerTimeout: 30 }).on('*', slow)
  const body = discordInteraction(2, { name: 'weather' }, 'late-1')
  const late = await interactions.receive(Buffer.from(body), signDiscord(body, ed.privateKey))
  assert.deepEqual([late.status, late.body], [200, { type: 5 }])
  const commands = createReceiver(slack({ secret: SLACK_SECRET }), { handlerTimeout: 30 }).on('*', slow)
  assert.deepEqual((await commands.receive(Buffer.from(command), slackForm(command))).status, 200)
  const mention = JSON.stringify({ type: 'event_callback', event_id: 'Ev-late', event: { type: 'app_mention' } })
  assert.equal((await commands.receive(Buffer.from(mention), signSlack(mention, SLACK_SECRET))).status, 500, 'the Events API retries: it gets the 500')
  const params = { CallSid: 'CA-late', CallStatus: 'ringing' }
  const url = 'https://hooks.example.com/voice'
  const calls = createReceiver(twilio({ authToken: TWILIO_TOKEN }), { handlerTimeout: 30 }).on('*', slow)
  const call = await calls.receive(Buffer.from(new URLSearchParams(params).toString()), { 'content-type': FORM, 'x-twilio-signature': twilioLib.getExpectedTwilioSignature(TWILIO_TOKEN, url, params) }, { url })
  assert.equal(call.status, 500, 'Twilio sends a 5xx to the number\'s fallback URL')
  await new Promise((resolve) => { setTimeout(resolve, 200) })
})

test('Twilio: a captured request re-encoded (fields reordered, %20 for +, a stray &) or sent to another query the publicUrl function drops is still the same event', async () => {
  const url = 'https://hooks.example.com/sms'
  let runs = 0
  const receiver = createReceiver(twilio({ authToken: TWILIO_TOKEN, publicUrl: (u) => `https://hooks.example.com${new URL(u).pathname}` })).on('*', () => { runs++ })
  const params = { MessageSid: 'SM-re', SmsStatus: 'received', Body: 'charge me', From: '+15550001111' }
  const headers = { 'content-type': FORM, 'x-twilio-signature': twilioLib.getExpectedTwilioSignature(TWILIO_TOKEN, url, params) }
  const send = async (body: string, at = 'http://10.0.0.1/sms') => (await receiver.receive(Buffer.from(body), headers, { url: at })).status
  const form = new URLSearchParams(params).toString()
  const bodies = [form, `&${form}`, form.replace('charge+me', 'charge%20me'), new URLSearchParams(Object.entries(params).reverse()).toString()]
  for (const body of bodies) assert.equal(await send(body), 200, body)
  assert.equal(await send(form, 'http://10.0.0.1/sms?replay=1'), 200)
  assert.equal(runs, 1)
  assert.equal(await send(form.replace('charge', 'refund')), 401, 'what is signed still decides')
})

test('a reply the sender cannot read is reported to onRejected only; a good one to onEvent only', async () => {
  const reported: string[] = []
  const receiver = createReceiver(discordInteractions({ publicKey: DISCORD_KEY }), {
    onEvent: (event) => { reported.push(`event ${event.type}`) },
    onRejected: (error) => { reported.push(`rejected ${error.code}`) }
  }).on('command.good', () => ({ type: 4, data: { content: 'ok' } })).on('command.bad', () => 42)
  for (const [name, id] of [['good', 'r1'], ['bad', 'r2']]) {
    const body = discordInteraction(2, { name }, id)
    await receiver.receive(Buffer.from(body), signDiscord(body, ed.privateKey))
  }
  assert.deepEqual(reported, ['event command.good', 'rejected HOOKGATE_REPLY_INVALID'])
})
