import { test, type TestContext } from 'node:test'
import assert from 'node:assert/strict'
import { request as httpRequest, type IncomingMessage } from 'node:http'
import { connect, type AddressInfo } from 'node:net'
import http2 from 'node:http2'
import Fastify from 'fastify'
import hookgate from '../../src/index.js'
import { backchannel } from '../../src/providers/index.js'
import { signBackchannel } from '../../src/testing/index.js'

const SECRET = 'real-socket-secret'
const LIMIT = 64 * 1024
const EVENT = { id: 'evt_http', type: 'order.paid', data: { note: 'über 🎉' } }

async function listen (t: TestContext): Promise<{ url: string, port: number, handled: string[] }> {
  const app = Fastify()
  t.after(() => app.close())
  await app.register(hookgate)
  const handled: string[] = []
  app.webhooks('/hook', backchannel({ secret: SECRET }), { bodyLimit: LIMIT }).on('*', (event) => { handled.push(event.id) })
  await app.listen({ host: '127.0.0.1', port: 0 })
  const { port } = app.server.address() as AddressInfo
  return { url: `http://127.0.0.1:${port}/hook`, port, handled }
}

test('over a real socket: a genuine delivery → 200, a forged one → 401', async (t) => {
  const { url, handled } = await listen(t)
  const body = JSON.stringify(EVENT)
  const ok = await fetch(url, { method: 'POST', headers: signBackchannel(body, SECRET), body })
  assert.equal(ok.status, 200)
  assert.deepEqual(await ok.json(), { ok: true, handled: 1 })
  const forged = await fetch(url, { method: 'POST', headers: signBackchannel(body, 'forger'), body })
  assert.equal(forged.status, 401)
  assert.equal((await forged.json() as { code: string }).code, 'HOOKGATE_SIGNATURE_INVALID')
  assert.deepEqual(handled, ['evt_http'])
})

test('over a real socket: a chunked body is verified over the bytes of all its chunks', async (t) => {
  const { port, handled } = await listen(t)
  const body = Buffer.from(JSON.stringify(EVENT))
  const status = await new Promise<number>((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port, path: '/hook', method: 'POST', headers: signBackchannel(body, SECRET) }, (res) => { res.resume(); resolve(res.statusCode ?? 0) })
    req.on('error', reject)
    // Split inside the emoji so a decoder that works chunk by chunk would corrupt it.
    const cut = body.indexOf(Buffer.from('🎉')) + 2
    req.write(body.subarray(0, cut))
    setTimeout(() => { req.end(body.subarray(cut)) }, 20)
  })
  assert.equal(status, 200)
  assert.deepEqual(handled, ['evt_http'])
})

test('over a real socket: a chunked body growing past the limit is cut off early with 413', async (t) => {
  const { port, handled } = await listen(t)
  const chunk = Buffer.alloc(16 * 1024, 0x20)
  const maxBytes = 64 * 1024 * 1024
  const { status, written } = await new Promise<{ status: number, written: number }>((resolve, reject) => {
    let written = 0
    let response: IncomingMessage | undefined
    const req = httpRequest({ host: '127.0.0.1', port, path: '/hook', method: 'POST', headers: { 'content-type': 'application/json', 'x-bc-signature': 'sha256=00' } }, (res) => {
      response = res
      res.resume()
      resolve({ status: res.statusCode ?? 0, written })
    })
    req.on('error', (err) => { if (response === undefined) reject(err) })
    const pump = (): void => {
      while (response === undefined && written < maxBytes) {
        written += chunk.length
        if (!req.write(chunk)) { req.once('drain', pump); return }
      }
      if (response === undefined) req.end()
    }
    pump()
  })
  assert.equal(status, 413)
  assert.ok(written < maxBytes / 4, `stopped after ${written} bytes, not after ${maxBytes}`)
  assert.deepEqual(handled, [])
})

test('over a real socket: a Content-Length above the limit is refused before any body byte is sent', async (t) => {
  const { port } = await listen(t)
  const status = await new Promise<number>((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port, path: '/hook', method: 'POST', headers: { 'content-type': 'application/json', 'content-length': String(LIMIT * 100), 'x-bc-signature': 'sha256=00' } }, (res) => { res.resume(); resolve(res.statusCode ?? 0); req.destroy() })
    req.on('error', () => {})
    req.flushHeaders()
    setTimeout(() => { reject(new Error('no answer without a body')) }, 2000).unref()
  })
  assert.equal(status, 413)
})

test('over a real socket: a repeated signature header is refused even when one copy is right', async (t) => {
  const { port, handled } = await listen(t)
  const body = Buffer.from(JSON.stringify(EVENT))
  const good = signBackchannel(body, SECRET)['x-bc-signature']
  const head = [
    'POST /hook HTTP/1.1', 'Host: 127.0.0.1', 'Connection: close', 'Content-Type: application/json',
    `X-BC-Signature: ${good}`, `X-BC-Signature: ${good}`, `Content-Length: ${body.length}`, '', ''
  ].join('\r\n')
  const response = await new Promise<string>((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => { socket.end(Buffer.concat([Buffer.from(head), body])) })
    let text = ''
    socket.on('data', (data) => { text += data.toString() })
    socket.on('end', () => { resolve(text) })
    socket.on('error', reject)
  })
  assert.match(response, /^HTTP\/1\.1 400 /)
  assert.match(response, /HOOKGATE_HEADER_REPEATED/)
  assert.deepEqual(handled, [])
})

/** Sends only the request head (the body it announces never comes) and resolves with the first reply bytes. */
async function replyToHeadOnly (port: number, headers: string[]): Promise<string> {
  return await new Promise<string>((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => { socket.write(['POST /hook HTTP/1.1', 'host: 127.0.0.1', ...headers, '', ''].join('\r\n')) })
    socket.once('data', (data) => { socket.destroy(); resolve(data.toString()) })
    socket.on('error', reject)
    // A server that waits for the body never answers: fail, and free the socket so the app can close.
    socket.setTimeout(2000, () => { socket.destroy(); reject(new Error('no reply while the body was unsent')) })
  })
}

test('over a real socket: a body that is not plain JSON (type, charset, encoding) or larger than the limit is refused before it is sent', async (t) => {
  const { port, handled } = await listen(t)
  for (const head of [['content-type: text/plain'], ['content-type: application/json; charset=latin1'], ['content-type: application/json', 'content-encoding: gzip']]) {
    const refused = await replyToHeadOnly(port, [...head, 'content-length: 1000', 'x-bc-signature: sha256=00'])
    assert.match(refused, /^HTTP\/1\.1 415 /, head.join(', '))
    assert.match(refused, /HOOKGATE_UNSUPPORTED_(MEDIA_TYPE|ENCODING)/)
  }
  for (const contentType of ['application/json', 'text/plain']) {
    const tooLarge = await replyToHeadOnly(port, [`content-type: ${contentType}`, `content-length: ${LIMIT + 1}`, 'x-bc-signature: sha256=00'])
    assert.match(tooLarge, /^HTTP\/1\.1 413 /, contentType)
  }
  assert.deepEqual(handled, [])
})

test('over a real socket: a refusal before the body is read closes the connection, so the unread body is not read and discarded', async (t) => {
  const { port } = await listen(t)
  for (const head of [['content-type: application/json', `content-length: ${LIMIT * 1000}`], ['content-type: text/plain', 'content-length: 1000000']]) {
    const { reply, closed } = await new Promise<{ reply: string, closed: boolean }>((resolve, reject) => {
      let reply = ''
      const socket = connect(port, '127.0.0.1', () => { socket.write(['POST /hook HTTP/1.1', 'host: 127.0.0.1', ...head, 'x-bc-signature: sha256=00', '', ''].join('\r\n')) })
      socket.on('data', (data) => { reply += data.toString() })
      socket.on('end', () => { socket.destroy(); resolve({ reply, closed: true }) })
      socket.on('error', reject)
      socket.setTimeout(2000, () => { socket.destroy(); resolve({ reply, closed: false }) })
    })
    assert.match(reply, /^HTTP\/1\.1 41[35] /, head.join(', '))
    assert.match(reply, /\r\nconnection: close\r\n/i, head.join(', '))
    assert.ok(closed, `the server kept the connection open, waiting for the body (${head.join(', ')})`)
  }
})

test('a JSON media type the envelope accepts but hookgate lists no parser for is read in full and verified', async (t) => {
  const app = Fastify()
  t.after(() => app.close())
  await app.register(hookgate)
  const preset = backchannel({ secret: SECRET })
  const vendorJson = 'application/vnd.backchannel.event+json'
  const handled: string[] = []
  app.webhooks('/hook', { ...preset, envelope: { ...preset.envelope, accepts: (type) => type === vendorJson } }).on('*', (event) => { handled.push(event.id) })
  const body = JSON.stringify(EVENT)
  const signed = { ...signBackchannel(body, SECRET), 'content-type': vendorJson }
  assert.equal((await app.inject({ method: 'POST', url: '/hook', headers: signed, payload: body })).statusCode, 200)
  assert.equal((await app.inject({ method: 'POST', url: '/hook', headers: { ...signed, 'content-type': 'application/json' }, payload: body })).statusCode, 415)
  const tooLarge = await app.inject({ method: 'POST', url: '/hook', headers: signed, payload: Buffer.alloc(1024 * 1024 + 1, 0x20) })
  assert.equal(tooLarge.statusCode, 413)
  assert.deepEqual(handled, ['evt_http'])
})

test('over HTTP/2: an early refusal is answered without a Connection header, which HTTP/2 does not have (Node would warn and drop it)', async (t) => {
  const app = Fastify({ http2: true })
  await app.register(hookgate)
  app.webhooks('/hook', backchannel({ secret: SECRET })).on('*', () => {})
  await app.listen({ host: '127.0.0.1', port: 0 })
  const { port } = app.server.address() as AddressInfo
  const warnings: string[] = []
  const onWarning = (warning: Error): void => { warnings.push(warning.message) }
  process.on('warning', onWarning)
  t.after(() => { process.off('warning', onWarning) })
  const client = http2.connect(`http://127.0.0.1:${port}`)
  // The client's session first: Fastify's close() waits for open HTTP/2 sessions (72 s here otherwise).
  t.after(async () => { client.close(); await app.close() })
  const response = await new Promise<http2.IncomingHttpHeaders>((resolve, reject) => {
    const stream = client.request({ ':method': 'POST', ':path': '/hook', 'content-type': 'text/plain' })
    stream.on('response', (headers) => { stream.resume(); resolve(headers) })
    stream.on('error', reject)
    stream.end('hello')
  })
  await new Promise((resolve) => setImmediate(resolve))
  assert.equal(response[':status'], 415)
  assert.equal(response.connection, undefined)
  assert.deepEqual(warnings.filter((message) => message.includes('connection header')), [])
})
