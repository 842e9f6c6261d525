import { test, type TestContext } from 'node:test'
import assert from 'node:assert/strict'
import { createServer, request as httpRequest, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { createHmac } from 'node:crypto'
import http2 from 'node:http2'
import { jsonTypeEnvelope } from '../../src/envelopes/json-type.js'
import { hmacVerifier } from '../../src/verify/hmac.js'
import { webhooks } from '../../src/adapters/node.js'
import { backchannel } from '../../src/providers/index.js'
import { backchannelRequest, signBackchannel } from '../../src/testing/index.js'
import { inspect } from 'node:util'

const SECRET = 'node-secret'
const EVENT = { id: 'evt_n', type: 'order.paid', data: {} }

async function listen (t: TestContext, listener: (req: IncomingMessage, res: ServerResponse) => void): Promise<string> {
  const server = createServer(listener)
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  t.after(() => { server.closeAllConnections(); server.close() })
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`
}

async function post (url: string, secret = SECRET): Promise<Response> {
  const request = backchannelRequest(EVENT, secret)
  return await fetch(url, { method: 'POST', headers: request.headers, body: request.payload })
}

test('as a request listener: handles every POST, the handler gets the IncomingMessage', async (t) => {
  const seen: string[] = []
  const base = await listen(t, webhooks(backchannel({ secret: SECRET })).on('*', (event, req) => { seen.push(`${event.id} ${req.url}`) }))
  assert.equal((await post(`${base}/anything`)).status, 200)
  assert.equal((await post(`${base}/anything`, 'forged')).status, 401)
  assert.deepEqual(seen, ['evt_n /anything'])
  const get = await fetch(base)
  assert.equal(get.status, 405)
  assert.equal(get.headers.get('allow'), 'POST')
})

test('with a path: other paths get 404, or go to next() when mounted as middleware', async (t) => {
  const endpoint = webhooks(backchannel({ secret: SECRET }), { path: '/hook' }).on('*', () => {})
  const base = await listen(t, endpoint)
  assert.equal((await post(`${base}/hook?x=1`)).status, 200, 'the query string is ignored')
  assert.equal((await post(`${base}/other`)).status, 404)

  let passedOn = 0
  const chained = await listen(t, (req, res) => {
    endpoint(req, res, () => { passedOn++; res.writeHead(418).end() })
  })
  assert.equal((await post(`${chained}/elsewhere`)).status, 418)
  assert.equal((await post(`${chained}/hook`)).status, 200)
  assert.equal(passedOn, 1)
})

test('a 404 or 405 answered while a body is still arriving closes the connection instead of reading it without limit; one without a body keeps it', async (t) => {
  const url = await listen(t, webhooks(backchannel({ secret: SECRET }), { path: '/bc', bodyLimit: 1000 }))
  const streaming = async (method: string, path: string): Promise<[number, string | undefined]> => await new Promise((resolve, reject) => {
    const request = httpRequest(`${url}${path}`, { method, headers: { 'transfer-encoding': 'chunked', 'content-type': 'application/json' } }, (response) => {
      response.resume()
      resolve([response.statusCode ?? 0, response.headers.connection])
      request.destroy()
    })
    request.on('error', (err: NodeJS.ErrnoException) => { if (err.code !== 'ECONNRESET') reject(err) })
    request.write('x'.repeat(5000)) // more than bodyLimit, and the body never ends
  })
  assert.deepEqual(await streaming('GET', '/bc'), [405, 'close'])
  assert.deepEqual(await streaming('POST', '/other'), [404, 'close'])
  const plain = await fetch(`${url}/bc`)
  assert.equal(plain.status, 405)
  assert.notEqual(plain.headers.get('connection'), 'close')
})

test('a bad path option throws at creation', () => {
  assert.throws(() => webhooks(backchannel({ secret: SECRET }), { path: 'hook' }), { name: 'TypeError', message: /"path"/ })
})

test('a logger that throws changes no reply and does not take the process down', async (t) => {
  const boom = (): never => { throw new Error('log transport down') }
  const endpoint = webhooks(backchannel({ secret: SECRET }), { log: { debug: boom, info: boom, warn: boom, error: boom } }).on('*', () => {})
  const base = await listen(t, endpoint)
  assert.equal((await post(base, 'forged')).status, 401)
  assert.equal((await post(base)).status, 200)
})

test('over HTTP/2 (compatibility API): the URL a scheme signs uses :authority, and an early refusal sends no Connection header', async (t) => {
  const provider = { name: 'url-signed', verifiers: [hmacVerifier({ header: 'x-sig', secrets: SECRET, signedContent: '{url}{body}' })], envelope: jsonTypeEnvelope() }
  const server = http2.createServer(webhooks(provider, { log: { debug () {}, info () {}, warn () {}, error () {} } }).on('*', () => {}) as unknown as Parameters<typeof http2.createServer>[0])
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const authority = `127.0.0.1:${(server.address() as AddressInfo).port}`
  const client = http2.connect(`http://${authority}`)
  t.after(() => { client.close(); server.close() })
  const warnings: string[] = []
  const onWarning = (warning: Error): void => { warnings.push(warning.message) }
  process.on('warning', onWarning)
  t.after(() => { process.off('warning', onWarning) })
  const send = async (headers: http2.OutgoingHttpHeaders, body: string): Promise<http2.IncomingHttpHeaders> => await new Promise((resolve, reject) => {
    const stream = client.request({ ':method': 'POST', ':path': '/hook', ...headers })
    stream.on('response', (response) => { stream.resume(); resolve(response) })
    stream.on('error', reject)
    stream.end(body)
  })
  const body = JSON.stringify(EVENT)
  const signature = createHmac('sha256', SECRET).update(`http://${authority}/hook${body}`).digest('hex')
  assert.equal((await send({ 'content-type': 'application/json', 'x-sig': signature }, body))[':status'], 200)
  const refused = await send({ 'content-type': 'text/plain' }, 'hello')
  assert.equal(refused[':status'], 415)
  await new Promise((resolve) => setImmediate(resolve))
  assert.deepEqual(warnings.filter((message) => message.includes('connection header')), [])
})

test('the default logger writes one line per 4xx refusal, without a stack; a 5xx is logged with its error', async (t) => {
  const printed: string[] = []
  const { warn, error } = console
  console.warn = (...args: unknown[]) => { printed.push(args.map((a) => typeof a === 'string' ? a : inspect(a)).join(' ')) }
  console.error = console.warn
  t.after(() => { console.warn = warn; console.error = error })
  const server = createServer(webhooks(backchannel({ secret: 'log-secret' }), { path: '/hook' }).on('*', () => { throw new Error('handler broke') }))
  await new Promise<void>((resolve) => { server.listen(0, '127.0.0.1', resolve) })
  t.after(() => { server.close() })
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`
  const refused = [
    { 'content-type': 'text/plain' },
    { 'content-type': 'application/json' },
    { 'content-type': 'application/json', 'x-bc-signature': 'sha256=00' },
    { 'content-type': 'application/json', 'content-encoding': 'gzip' }
  ]
  for (const headers of refused) await (await fetch(url, { method: 'POST', headers, body: '{}' })).arrayBuffer()
  assert.equal(printed.length, refused.length)
  for (const line of printed) {
    assert.doesNotMatch(line, /\n/, line)
    assert.match(line, /^webhook refused \{"code":"HOOKGATE_[A-Z_]+".*"endpoint":"\/hook","provider":"backchannel"\}$/)
  }
  printed.length = 0
  const body = JSON.stringify({ id: 'evt_1', type: 'order.paid', data: {} })
  assert.equal((await fetch(url, { method: 'POST', headers: signBackchannel(body, 'log-secret'), body })).status, 500)
  assert.match(printed.join('\n'), /webhook failed[\s\S]*handler broke[\s\S]*\n\s+at /)
})
