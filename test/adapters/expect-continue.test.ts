// `Expect: 100-continue`: with expectContinue(server), a request hookgate refuses on its headers gets
// that refusal as its only answer, and the sender never uploads the body; a delivery hookgate takes
// (and any other route that reads its body) gets 100 Continue first. Raw sockets, to see the 100.
import { test, type TestContext } from 'node:test'
import assert from 'node:assert/strict'
import { createServer, type Server } from 'node:http'
import { connect as connectHttp2 } from 'node:http2'
import type { AddressInfo } from 'node:net'
import express from 'express'
import Fastify from 'fastify'
import hookgate, { expectContinue } from '../../src/index.js'
import { webhooks as expressWebhooks } from '../../src/adapters/express.js'
import { webhooks } from '../../src/adapters/node.js'
import { backchannel } from '../../src/providers/index.js'
import { signBackchannel } from '../../src/testing/index.js'
import { converse, statuses } from './raw-http.js'

const SECRET = 'expect-continue-secret'
const LIMIT = 1024
const quiet = { debug () {}, info () {}, warn () {}, error () {} }
const BODY = JSON.stringify({ id: 'evt_1', type: 'order.paid', data: {} })

function head (path: string, headers: Record<string, string | number>): string {
  return `POST ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nExpect: 100-continue\r\n${Object.entries(headers).map(([k, v]) => `${k}: ${v}\r\n`).join('')}\r\n`
}
const signed = head('/wh', { 'content-type': 'application/json', 'x-bc-signature': signBackchannel(BODY, SECRET)['x-bc-signature'], 'content-length': Buffer.byteLength(BODY) })
const tooLarge = head('/wh', { 'content-type': 'application/json', 'x-bc-signature': 'sha256=00', 'content-length': LIMIT + 1 })
const wrongType = head('/wh', { 'content-type': 'text/plain', 'content-length': 2 })
const otherRoute = head('/other', { 'content-type': 'application/json', 'content-length': 2 })
const noRoute = head('/nowhere', { 'content-type': 'application/json', 'content-length': 2 })

/**
 * Sends the head of a request and, like curl, its body only after a 100 Continue (or never); what
 * came back once a final status arrived, the server closed, or 2 s passed.
 */
async function exchange (port: number, requestHead: string, body: string): Promise<string> {
  return await converse(port, requestHead, {
    enough: (text) => statuses(text).some((status) => status !== '100'),
    onChunk: (chunk, write) => { if (chunk.includes('100 Continue')) write(body) },
    ms: 2000
  })
}

async function listening (t: TestContext, server: Server): Promise<number> {
  if (!server.listening) await new Promise<void>((resolve) => { server.listen(0, '127.0.0.1', resolve) })
  t.after(async () => { await new Promise((resolve) => { server.closeAllConnections(); server.close(resolve) }) })
  return (server.address() as AddressInfo).port
}

/** The three adapters, each with hookgate at /wh and a route of the app's own at /other that reads a JSON body. */
async function servers (t: TestContext, withHelper: boolean): Promise<Array<[string, number]>> {
  const fastify = Fastify()
  await fastify.register(hookgate, { bodyLimit: LIMIT })
  fastify.webhooks('/wh', backchannel({ secret: SECRET })).on('*', () => {})
  fastify.post('/other', async (request) => ({ echo: request.body }))
  await fastify.ready()
  if (withHelper) expectContinue(fastify.server)
  await fastify.listen({ host: '127.0.0.1', port: 0 })
  t.after(async () => { await fastify.close() })

  const app = express()
  app.post('/wh', expressWebhooks(backchannel({ secret: SECRET }), { bodyLimit: LIMIT, log: quiet }).on('*', () => {}))
  app.post('/other', express.json(), (req, res) => { res.json({ echo: req.body as unknown }) })
  const expressServer = createServer(app)

  const node = createServer(webhooks(backchannel({ secret: SECRET }), { path: '/wh', bodyLimit: LIMIT, log: quiet }).on('*', () => {}))
  if (withHelper) { expectContinue(expressServer); expectContinue(node) }
  return [['fastify', (fastify.server.address() as AddressInfo).port], ['express', await listening(t, expressServer)], ['node', await listening(t, node)]]
}

test('with expectContinue, a request refused on its headers gets the refusal alone, never a 100', async (t) => {
  for (const [name, port] of await servers(t, true)) {
    assert.deepEqual(statuses(await exchange(port, tooLarge, '')), ['413'], name)
    assert.deepEqual(statuses(await exchange(port, wrongType, 'hi')), ['415'], name)
    // Fastify and Express read (drain) the body of a request for no route before their 404, so they invite it.
    assert.deepEqual(statuses(await exchange(port, noRoute, '{}')), name === 'node' ? ['404'] : ['100', '404'], name)
  }
})

test('with expectContinue, a route that answers without reading gets no 100 after its answer', async (t) => {
  // Node discards an unread body once the answer is sent, on a connection it keeps: that read must not send a 100 then.
  const server = createServer((_req, res) => { res.end('not reading that') })
  expectContinue(server)
  assert.deepEqual(statuses(await exchange(await listening(t, server), otherRoute, '{}')), ['200'])
})

test('with expectContinue, a delivery and another route that reads its body get 100 Continue, then their answer', async (t) => {
  for (const [name, port] of await servers(t, true)) {
    assert.deepEqual(statuses(await exchange(port, signed, BODY)), ['100', '200'], name)
    // The node:http endpoint owns its whole server: other paths get 404 without reading a body.
    if (name !== 'node') assert.deepEqual(statuses(await exchange(port, otherRoute, '{}')), ['100', '200'], name)
  }
})

test('without it, Node invites every body: 100 Continue comes before the refusal (what the helper is for)', async (t) => {
  for (const [name, port] of await servers(t, false)) {
    assert.deepEqual(statuses(await exchange(port, tooLarge, '')), ['100', '413'], name)
  }
})

test('with expectContinue, a route that sends its head before reading gets no 100 inside its answer', async (t) => {
  // Written into a chunked answer, a 100 would break its framing (curl: "Illegal or missing hexadecimal sequence").
  const server = createServer((req, res) => {
    res.writeHead(200, { 'content-type': 'text/plain' })
    res.flushHeaders()
    res.write('started\n')
    req.resume()
    req.on('end', () => { res.end('done') })
  })
  expectContinue(server)
  const text = await exchange(await listening(t, server), otherRoute, '{}')
  assert.deepEqual(statuses(text), ['200'])
  assert.doesNotMatch(text, /100 Continue/)
})

test('with expectContinue, a route that calls writeHead() and then pipes the body back still gets its 100', async (t) => {
  // writeHead() alone writes nothing yet (though headersSent is already true): the 100 is still due, or the sender would wait.
  const server = createServer((req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' })
    req.pipe(res)
  })
  expectContinue(server)
  const text = await exchange(await listening(t, server), otherRoute, '{}')
  assert.deepEqual(statuses(text), ['100', '200'])
})

test('with expectContinue, a body drained after a large answer sends no 100 behind it', async (t) => {
  const answer = Buffer.alloc(4 * 1024 * 1024, 'x')
  const server = createServer((req, res) => {
    res.writeHead(403, { 'content-length': answer.length })
    res.end(answer)
    req.resume()
  })
  expectContinue(server)
  const port = await listening(t, server)
  // Everything that comes back within a second, the 4 MiB answer and whatever follows it.
  const received = await converse(port, otherRoute, { enough: () => false, ms: 1000 })
  assert.deepEqual(statuses(received), ['403'])
  assert.doesNotMatch(received, /100 Continue/)
})

test('with expectContinue on Fastify over HTTP/2, a refusal on the headers comes without a 100, a delivery with one', async (t) => {
  const app = Fastify({ http2: true })
  await app.register(hookgate, { bodyLimit: LIMIT })
  app.webhooks('/wh', backchannel({ secret: SECRET })).on('*', () => {})
  await app.ready()
  expectContinue(app.server)
  await app.listen({ host: '127.0.0.1', port: 0 })
  const client = connectHttp2(`http://127.0.0.1:${(app.server.address() as AddressInfo).port}`)
  // The client's session first: Fastify's close() waits for open HTTP/2 sessions (72 s here otherwise).
  t.after(async () => { client.close(); await app.close() })
  const send = async (headers: Record<string, string | number>, body: string): Promise<{ status: number | undefined, continued: boolean }> => {
    return await new Promise((resolve, reject) => {
      let continued = false
      const stream = client.request({ ':method': 'POST', ':path': '/wh', expect: '100-continue', ...headers })
      stream.on('continue', () => { continued = true; stream.end(body) })
      stream.on('response', (response) => { stream.resume(); stream.on('end', () => { resolve({ status: response[':status'], continued }) }) })
      stream.on('error', reject)
    })
  }
  assert.deepEqual(await send({ 'content-type': 'application/json', 'content-length': LIMIT + 1 }, ''), { status: 413, continued: false })
  assert.deepEqual(await send({ 'content-type': 'application/json', 'x-bc-signature': signBackchannel(BODY, SECRET)['x-bc-signature'], 'content-length': Buffer.byteLength(BODY) }, BODY), { status: 200, continued: true })
})

test('expectContinue refuses a server with a checkContinue listener of its own, and a second call changes nothing', () => {
  const server = createServer()
  server.on('checkContinue', () => {})
  assert.throws(() => expectContinue(server), /already has a "checkContinue" listener of its own/)
  const mine = createServer()
  assert.equal(expectContinue(expectContinue(mine)), mine)
  assert.equal(mine.listenerCount('checkContinue'), 1)
})
