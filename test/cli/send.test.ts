// `hookgate sign` and `hookgate send`: a preset's test signer from the command line, against a real
// endpoint over HTTP; a forged request, a redelivery, a custom signer module.
import { after, test, type TestContext } from 'node:test'
import assert from 'node:assert/strict'
import { generateKeyPairSync } from 'node:crypto'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Fastify from 'fastify'
import hookgate from '../../src/index.js'
import { runCli } from '../../src/cli/run.js'
import { backchannel, discord, discordInteractions, hmacPreset, hubspot, intercom, linear, mailgun, meta, paddle, postmark, slack, square, twilio, twitch, zoom } from '../../src/providers/index.js'
import { freePort } from '../services.js'

async function cli (...args: string[]): Promise<{ stdout: string, stderr: string, code: number }> {
  let stdout = ''
  let stderr = ''
  const code = await runCli(args, (line) => { stdout += `${line}\n` }, (line) => { stderr += `${line}\n` })
  return { stdout, stderr, code }
}

const SECRET = 'cli-send-secret'
const dir = mkdtempSync(join(tmpdir(), 'hookgate-send-'))
after(() => { rmSync(dir, { recursive: true, force: true }) })
const ed = generateKeyPairSync('ed25519')
const privateKeyFile = join(dir, 'discord.pem')
writeFileSync(privateKeyFile, ed.privateKey.export({ format: 'pem', type: 'pkcs8' }))

async function server (t: TestContext, ran: string[]): Promise<string> {
  const app = Fastify()
  t.after(() => app.close())
  await app.register(hookgate)
  app.webhooks('/backchannel', backchannel({ secret: SECRET })).on('*', (event) => { ran.push(`backchannel ${event.type}`) })
  app.webhooks('/discord', discord({ publicKey: ed.publicKey })).on('*', (event) => { ran.push(`discord ${event.type}`) })
  app.webhooks('/interactions', discordInteractions({ publicKey: ed.publicKey })).on('*', (event) => { ran.push(`interaction ${event.type}`) })
  app.webhooks('/custom', hmacPreset('custom', { secret: SECRET }, { header: 'x-custom-signature' }, {})).on('*', (event) => { ran.push(`custom ${event.type}`) })
  return await app.listen({ host: '127.0.0.1', port: 0 })
}

test('send signs with the preset\'s test signer and prints each reply; --repeat shows the duplicate; exit 0 on 2xx', async (t) => {
  const ran: string[] = []
  const url = await server(t, ran)
  const sent = await cli('send', 'backchannel', `${url}/backchannel`, '--secret', SECRET, '--type', 'order.paid', '--data', '{"amount":5}', '--id', 'evt_cli', '--repeat', '2')
  assert.equal(sent.code, 0, sent.stderr)
  assert.deepEqual(sent.stdout.trim().split('\n'), ['200 {"ok":true,"handled":1}', '200 {"ok":true,"handled":0,"duplicates":1}'])
  const event = join(dir, 'event.json')
  writeFileSync(event, JSON.stringify({ version: 1, application_id: 'a', type: 1, event: { type: 'APPLICATION_AUTHORIZED', timestamp: new Date().toISOString(), data: {} } }))
  assert.equal((await cli('send', 'discord', `${url}/discord`, '--private-key', privateKeyFile, '--event', event)).code, 0)
  assert.deepEqual(ran, ['backchannel order.paid', 'discord APPLICATION_AUTHORIZED'])
  writeFileSync(event, JSON.stringify({ id: 'p1', application_id: 'a', type: 1, token: 't', version: 1 }))
  const pong = await cli('send', 'discord-interactions', `${url}/interactions`, '--private-key', privateKeyFile, '--event', event)
  assert.deepEqual([pong.code, pong.stdout], [0, '200 {"type":1}\n'])
  assert.equal(ran.length, 2, 'a PING reaches no handler')
})

test('--forge signs with a random key: 401 is the expected answer (exit 0), a 2xx fails (exit 1); a wrong secret without --forge exits 1', async (t) => {
  const ran: string[] = []
  const url = await server(t, ran)
  const forged = await cli('send', 'backchannel', `${url}/backchannel`, '--secret', SECRET, '--type', 'order.paid', '--forge')
  assert.equal(forged.code, 0)
  assert.match(forged.stdout, /^401 .*HOOKGATE_SIGNATURE_INVALID/)
  assert.equal((await cli('send', 'discord', `${url}/discord`, '--private-key', privateKeyFile, '--type', 'x', '--forge')).code, 0)
  assert.equal((await cli('send', 'backchannel', `${url}/backchannel`, '--secret', 'wrong', '--type', 'order.paid')).code, 1)
  assert.deepEqual(ran, [])
})

test('sign prints the headers for curl; a custom preset signs through --signer; usage errors exit 2', async (t) => {
  const signed = await cli('sign', 'backchannel', '--secret', SECRET, '--type', 'order.paid', '--id', 'evt_1')
  assert.equal(signed.code, 0)
  assert.match(signed.stdout, /^content-type: application\/json\nx-bc-signature: sha256=[0-9a-f]{64}\n$/)
  const signerModule = join(dir, 'signer.mjs')
  writeFileSync(signerModule, "import { createHmac } from 'node:crypto'\nexport default (body, { secret }) => ({ 'x-custom-signature': createHmac('sha256', secret).update(body).digest('hex') })\n")
  const ran: string[] = []
  const url = await server(t, ran)
  assert.equal((await cli('send', 'custom', `${url}/custom`, '--signer', signerModule, '--secret', SECRET, '--type', 'thing.happened')).code, 0)
  assert.deepEqual(ran, ['custom thing.happened'])
  for (const args of [['sign', 'nope', '--secret', 's', '--type', 't'], ['sign', 'backchannel', '--type', 't'], ['send', 'backchannel', '--secret', 's', '--type', 't'], ['sign', 'backchannel', '--secret', 's']]) {
    const { code, stderr } = await cli(...args)
    assert.equal(code, 2, args.join(' '))
    assert.match(stderr, /usage: hookgate sign/)
  }
})

test('sign works for every preset with a test signer, and refuses what it cannot sign', async () => {
  const ec = generateKeyPairSync('ec', { namedCurve: 'prime256v1' })
  const ecFile = join(dir, 'sendgrid.pem')
  writeFileSync(ecFile, ec.privateKey.export({ format: 'pem', type: 'pkcs8' }))
  const whsec = `whsec_${Buffer.from('standard-webhooks-secret-bytes').toString('base64')}`
  const cases: Array<[string[], RegExp]> = [
    [['stripe', '--secret', 's'], /stripe-signature: t=\d+,v1=[0-9a-f]{64}/],
    [['github', '--secret', 's', '--id', 'd1'], /x-hub-signature-256: sha256=/],
    [['shopify', '--secret', 's', '--id', 'e1'], /x-shopify-hmac-sha256: /],
    [['slack', '--secret', 's'], /x-slack-signature: v0=/],
    [['standard-webhooks', '--secret', whsec, '--id', 'msg_1'], /webhook-signature: v1,/],
    [['svix', '--secret', whsec], /svix-signature: v1,/],
    [['sendgrid', '--private-key', ecFile], /x-twilio-email-event-webhook-signature: /],
    [['bread', '--secret', 's', '--kid', 'k1', '--basic', 'user:pa:ss', '--id', 'ce-1'], /x-jws-signature: [^.]+\.\.[^.]+/],
    [['discord', '--private-key', privateKeyFile], /x-signature-ed25519: [0-9a-f]{128}/],
    [['discord-interactions', '--private-key', privateKeyFile], /x-signature-ed25519: [0-9a-f]{128}/]
  ]
  for (const [args, expected] of cases) {
    const { code, stdout, stderr } = await cli('sign', ...args, '--type', 'thing.happened', '--data', '{"a":1}')
    assert.equal(code, 0, `${args[0] ?? ''}: ${stderr}`)
    assert.match(stdout, expected, args[0])
  }
  const noDefault = join(dir, 'no-default.mjs')
  writeFileSync(noDefault, 'export const signer = () => ({})\n')
  for (const args of [['backchannel', '--secret', 's', '--type', 't', '--data', '{nope'], ['github', '--secret', 's'], ['backchannel', '--secret', 's', '--type', 't', '--signer', noDefault]]) {
    const { code } = await cli('sign', ...args)
    assert.equal(code, 2, args.join(' '))
  }
  for (const extra of [['--repeat', '0'], ['--timeout', '0']]) {
    assert.equal((await cli('send', 'backchannel', 'http://127.0.0.1:9/', '--secret', 's', '--type', 't', ...extra)).code, 2, extra.join(' '))
  }
  assert.equal((await cli('send', 'backchannel', 'http://127.0.0.1:9/', '--secret', 's', '--type', 't', '--timeout', '2')).code, 1, 'nothing listens: exit 1')
})

test('send signs for every newer preset too (the URL for those that sign it, a form for Twilio, the body for Mailgun); --forge is refused by each', async (t) => {
  const port = await freePort()
  const base = `http://127.0.0.1:${port}`
  const ran: string[] = []
  const app = Fastify()
  t.after(() => app.close())
  await app.register(hookgate)
  const record = (name: string) => (event: { type: string }): void => { ran.push(`${name} ${event.type}`) }
  app.webhooks('/paddle', paddle({ secret: SECRET })).on('*', record('paddle'))
  app.webhooks('/intercom', intercom({ secret: SECRET })).on('*', record('intercom'))
  app.webhooks('/linear', linear({ secret: SECRET })).on('*', record('linear'))
  app.webhooks('/twitch', twitch({ secret: SECRET })).on('*', record('twitch'))
  app.webhooks('/zoom', zoom({ secret: SECRET })).on('*', record('zoom'))
  app.webhooks('/meta', meta({ appSecret: SECRET, verifyToken: 't' })).on('*', record('meta'))
  app.webhooks('/square', square({ secret: SECRET, notificationUrl: `${base}/square` })).on('*', record('square'))
  app.webhooks('/hubspot', hubspot({ secret: SECRET, url: `${base}/hubspot` })).on('*', record('hubspot'))
  app.webhooks('/twilio', twilio({ authToken: SECRET })).on('*', record('twilio'))
  app.webhooks('/mailgun', mailgun({ signingKey: SECRET })).on('*', record('mailgun'))
  app.webhooks('/slack-command', slack({ secret: SECRET })).on('*', (event) => { record('slack')(event); return { text: 'ok' } })
  app.webhooks('/postmark', postmark({ basicAuth: { username: 'u', password: 'p' } })).on('*', record('postmark'))
  await app.listen({ host: '127.0.0.1', port })
  const cases: Array<[string, string[]]> = [
    ['paddle', ['--data', '{"event_id":"e1","event_type":"transaction.completed","data":{}}']],
    ['intercom', ['--data', '{"id":"n1","topic":"contact.created","data":{}}']],
    ['linear', ['--data', '{"type":"Issue","action":"create","data":{}}']],
    ['twitch', ['--data', '{"subscription":{"type":"channel.follow"},"event":{}}']],
    ['zoom', ['--data', '{"event":"meeting.started","payload":{}}']],
    ['meta', ['--data', '{"object":"page","entry":[{"id":"p","changes":[{"field":"feed","value":{}}]}]}']],
    ['square', ['--data', '{"event_id":"s1","type":"payment.updated","data":{}}']],
    ['hubspot', ['--data', '[{"eventId":1,"subscriptionType":"contact.creation"}]']],
    ['twilio', ['--data', '{"MessageSid":"SM1","MessageStatus":"sent"}']],
    ['mailgun', ['--data', '{"id":"mg1","event":"delivered"}']],
    ['slack-command', ['--data', '{"command":"/weather","text":"lisbon","trigger_id":"t1"}']],
    ['postmark', ['--basic', 'u:p', '--data', '{"RecordType":"Bounce"}']]
  ]
  for (const [preset, args] of cases) {
    const secret = preset === 'postmark' ? [] : ['--secret', SECRET]
    const sent = await cli('send', preset, `${base}/${preset}`, ...secret, ...args)
    assert.equal(sent.code, 0, `${preset}: ${sent.stdout}${sent.stderr}`)
    const forged = await cli('send', preset, `${base}/${preset}`, ...secret, ...args, '--forge')
    assert.equal(forged.code, 0, `${preset} --forge: ${forged.stdout}${forged.stderr}`)
    assert.match(forged.stdout, /^401 /, preset)
  }
  assert.deepEqual(ran, ['paddle transaction.completed', 'intercom contact.created', 'linear Issue.create', 'twitch channel.follow', 'zoom meeting.started', 'meta page.feed', 'square payment.updated', 'hubspot contact.creation', 'twilio message.sent', 'mailgun delivered', 'slack /weather', 'postmark Bounce'])
  const signed = await cli('sign', 'twilio', '--secret', SECRET, '--url', `${base}/twilio`, '--data', '{"CallSid":"CA1","CallStatus":"busy"}')
  assert.match(signed.stdout, /^content-type: application\/x-www-form-urlencoded\nx-twilio-signature: \S+\n\nCallSid=CA1&CallStatus=busy\n$/)
})
