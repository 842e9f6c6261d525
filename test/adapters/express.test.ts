import { test, type TestContext } from 'node:test'
import assert from 'node:assert/strict'
import { createServer, type RequestListener, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import express from 'express'
import express4 from 'express4'
import { createHmac } from 'node:crypto'
import { webhooks } from '../../src/adapters/express.js'
import { jsonTypeEnvelope } from '../../src/envelopes/json-type.js'
import { hmacVerifier } from '../../src/verify/hmac.js'
import type { Logger } from '../../src/core/types.js'
import { backchannel } from '../../src/providers/index.js'
import { backchannelRequest } from '../../src/testing/index.js'

const SECRET = 'express-secret'
const EVENT = { id: 'evt_x', type: 'order.paid', data: { amount: 1 } }

async function listen (t: TestContext, app: RequestListener): Promise<string> {
  const server: Server = createServer(app)
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  t.after(() => { server.closeAllConnections(); server.close() })
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`
}

function recorder (): Logger & { lines: Array<[string, Record<string, unknown>, string | undefined]> } {
  const lines: Array<[string, Record<string, unknown>, string | undefined]> = []
  const at = (level: string) => (obj: object, msg?: string) => { lines.push([level, obj as Record<string, unknown>, msg]) }
  return { lines, debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') }
}

async function post (base: string, path: string, secret = SECRET): Promise<Response> {
  const request = backchannelRequest(EVENT, secret, { url: path })
  return await fetch(`${base}${path}`, { method: 'POST', headers: request.headers, body: request.payload })
}

test('express.json() mounted before hookgate is detected: 500 HOOKGATE_BODY_ALREADY_PARSED and a log naming the fix, not a 401', async (t) => {
  const log = recorder()
  const ran: string[] = []
  const app = express()
  app.use(express.json())
  app.post('/hook', webhooks(backchannel({ secret: SECRET }), { log }).on('*', (event) => { ran.push(event.id) }))
  const res = await post(await listen(t, app), '/hook')
  assert.equal(res.status, 500)
  assert.deepEqual(await res.json(), { code: 'HOOKGATE_BODY_ALREADY_PARSED', message: 'the request body was read before hookgate could verify it' })
  assert.equal(ran.length, 0)
  const [level, fields] = log.lines[0] ?? []
  assert.equal(level, 'error')
  assert.match(String(fields?.reason), /mount hookgate before express\.json\(\)/)
})

test('any body parser that consumed the stream is detected too (express.text with a matching type)', async (t) => {
  const app = express()
  app.post('/hook', express.text({ type: '*/*' }), webhooks(backchannel({ secret: SECRET }), { log: recorder() }).on('*', () => {}))
  const res = await post(await listen(t, app), '/hook')
  assert.equal(res.status, 500)
  assert.equal((await res.json() as { code: string }).code, 'HOOKGATE_BODY_ALREADY_PARSED')
})

test('a Buffer left by express.raw() is the raw body and verifies', async (t) => {
  const app = express()
  app.post('/hook', express.raw({ type: '*/*' }), webhooks(backchannel({ secret: SECRET })).on('*', () => {}))
  const base = await listen(t, app)
  assert.equal((await post(base, '/hook')).status, 200)
  assert.equal((await post(base, '/hook', 'forged')).status, 401)
})

test('mounted before the JSON parser, hookgate and the app\'s JSON routes both work', async (t) => {
  const app = express()
  app.post('/hook', webhooks(backchannel({ secret: SECRET })).on('*', (event, req) => { assert.equal(req.path, '/hook'); assert.equal(event.id, 'evt_x') }))
  app.use(express.json())
  app.post('/api', (req, res) => { res.json({ parsed: req.body as unknown }) })
  const base = await listen(t, app)
  assert.equal((await post(base, '/hook')).status, 200)
  const api = await fetch(`${base}/api`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"a":1}' })
  assert.deepEqual(await api.json(), { parsed: { a: 1 } })
})

test('on a Router of its own, beside express.json() elsewhere', async (t) => {
  const app = express()
  const hooks = express.Router()
  hooks.post('/backchannel', webhooks(backchannel({ secret: SECRET })).on('*', () => {}))
  app.use('/webhooks', hooks)
  app.use(express.json())
  assert.equal((await post(await listen(t, app), '/webhooks/backchannel')).status, 200)
})

test('Express 4 works the same, including the body-parser trap', async (t) => {
  const app = express4()
  app.post('/hook', webhooks(backchannel({ secret: SECRET })).on('*', () => {}))
  app.post('/parsed', express4.json(), webhooks(backchannel({ secret: SECRET }), { log: recorder() }).on('*', () => {}))
  const base = await listen(t, app)
  assert.equal((await post(base, '/hook')).status, 200)
  assert.equal((await post(base, '/hook', 'forged')).status, 401)
  assert.equal((await post(base, '/parsed')).status, 500)
})

test('Express 4: a body parser mounted app-wide that left this content type unread (req.body = {}) is not taken for a consumed body', async (t) => {
  const app = express4()
  app.use(express4.urlencoded({ extended: false }))
  app.post('/hook', webhooks(backchannel({ secret: SECRET }), { log: recorder() }).on('*', () => {}))
  const base = await listen(t, app)
  assert.equal((await post(base, '/hook')).status, 200)
  assert.equal((await post(base, '/hook', 'forged')).status, 401)
})

test('behind a trusted proxy, a scheme that signs the URL sees the host and protocol the sender called (X-Forwarded-*), on Express 5 and 4', async (t) => {
  const provider = { name: 'url-signed', verifiers: [hmacVerifier({ header: 'x-sig', secrets: SECRET, signedContent: '{url}{body}' })], envelope: jsonTypeEnvelope() }
  const body = JSON.stringify(EVENT)
  const signature = createHmac('sha256', SECRET).update(`https://hooks.example.com/hook${body}`).digest('hex')
  const headers = { 'content-type': 'application/json', 'x-sig': signature, 'x-forwarded-proto': 'https', 'x-forwarded-host': 'hooks.example.com' }
  for (const [name, make] of [['express 5', express], ['express 4', express4]] as const) {
    const trusting = make()
    trusting.set('trust proxy', true)
    trusting.post('/hook', webhooks(provider, { log: recorder() }).on('*', () => {}))
    const untrusting = make()
    untrusting.post('/hook', webhooks(provider, { log: recorder() }).on('*', () => {}))
    assert.equal((await fetch(`${await listen(t, trusting)}/hook`, { method: 'POST', headers, body })).status, 200, name)
    assert.equal((await fetch(`${await listen(t, untrusting)}/hook`, { method: 'POST', headers, body })).status, 401, `${name}: forwarded headers from an untrusted proxy are ignored`)
  }
})
