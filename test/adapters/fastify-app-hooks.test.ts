// The endpoint inside an app that has hooks of its own, and requests that reach it oddly. hookgate checks the headers in a route
// onRequest hook, which runs before any app preParsing hook, and lets Fastify read the body: two
// attempts to save that hook broke the cases below, so they are pinned here.
import { test, type TestContext } from 'node:test'
import assert from 'node:assert/strict'
import { Readable } from 'node:stream'
import Fastify, { type FastifyInstance } from 'fastify'
import hookgate from '../../src/index.js'
import { backchannel } from '../../src/providers/index.js'
import { signBackchannel } from '../../src/testing/index.js'

const SECRET = 'app-hooks-secret'
const BODY = JSON.stringify({ id: 'evt_hooks', type: 'order.created', data: { note: 'über' } })
const LIMIT = 1024

async function app (t: TestContext, configure: (app: FastifyInstance) => void): Promise<{ app: FastifyInstance, handled: string[] }> {
  const instance = Fastify()
  t.after(() => instance.close())
  configure(instance)
  await instance.register(hookgate)
  const handled: string[] = []
  instance.webhooks('/hook', backchannel({ secret: SECRET }), { bodyLimit: LIMIT }).on('*', (event) => { handled.push(event.id) })
  await instance.ready()
  return { app: instance, handled }
}

test('an app preParsing hook whose stream emits strings: the delivery still verifies', async (t) => {
  const { app: instance, handled } = await app(t, (a) => {
    a.addHook('preParsing', async (_request, _reply, payload) => {
      payload.resume()
      return Readable.from([BODY.slice(0, 20), BODY.slice(20)])
    })
  })
  const reply = await instance.inject({ method: 'POST', url: '/hook', headers: signBackchannel(BODY, SECRET), payload: BODY })
  assert.equal(reply.statusCode, 200, reply.body)
  assert.deepEqual(handled, ['evt_hooks'])
})

test('a refusal from the headers comes before any app preParsing hook reads the body', async (t) => {
  let read = 0
  const { app: instance } = await app(t, (a) => {
    // Like an audit hook that buffers every body, or @fastify/compress refusing an encoding it
    // does not know (415 with its own code).
    a.addHook('preParsing', async (request, _reply, payload) => {
      if (request.headers['content-encoding'] === 'compress') throw Object.assign(new Error('unsupported encoding'), { statusCode: 415, code: 'FST_CP_ERR_INVALID_CONTENT_ENCODING' })
      for await (const chunk of payload) read += (chunk as Buffer).length
      return Readable.from([])
    })
  })
  const signed = signBackchannel(BODY, SECRET)
  for (const headers of [{ 'content-type': 'text/plain' }, { 'content-encoding': 'compress' }, { 'content-length': String(LIMIT * 100) }]) {
    const payload = headers['content-length'] === undefined ? BODY : 'x'.repeat(LIMIT * 100)
    const reply = await instance.inject({ method: 'POST', url: '/hook', headers: { ...signed, ...headers }, payload })
    assert.equal(reply.statusCode, headers['content-length'] === undefined ? 415 : 413, JSON.stringify(headers))
    assert.match(reply.json().code, /^HOOKGATE_(UNSUPPORTED_MEDIA_TYPE|UNSUPPORTED_ENCODING|BODY_TOO_LARGE)$/)
  }
  assert.equal(read, 0)
})

test('a 413 or 415 an app hook raises keeps its status and gets hookgate\'s code; another status is the app\'s own answer', async (t) => {
  const { app: instance } = await app(t, (a) => {
    a.addHook('preParsing', async (request, _reply, payload) => {
      const status = Number(request.headers['x-refuse'])
      if (status > 0) throw Object.assign(new Error('refused by the app'), { statusCode: status, code: 'APP_REFUSED' })
      return payload
    })
  })
  const signed = signBackchannel(BODY, SECRET)
  // 418 and 503 reach Fastify's default error handler, which answers with the app's own code.
  const expected: Record<string, [number, string]> = { 413: [413, 'HOOKGATE_BODY_TOO_LARGE'], 415: [415, 'HOOKGATE_UNSUPPORTED_MEDIA_TYPE'], 400: [400, 'HOOKGATE_BODY_UNREADABLE'], 418: [418, 'APP_REFUSED'], 503: [503, 'APP_REFUSED'] }
  for (const [status, [code, name]] of Object.entries(expected)) {
    const reply = await instance.inject({ method: 'POST', url: '/hook', headers: { ...signed, 'x-refuse': status }, payload: BODY })
    assert.equal(reply.statusCode, code, status)
    assert.equal(reply.json().code, name)
  }
})

test('the webhook route announces hookgate\'s body limit to Fastify and its plugins', async (t) => {
  let seen: number | undefined
  const { app: instance } = await app(t, (a) => {
    a.addHook('onRequest', async (request) => { seen = request.routeOptions.bodyLimit })
  })
  await instance.inject({ method: 'POST', url: '/hook', headers: signBackchannel(BODY, SECRET), payload: BODY })
  assert.equal(seen, LIMIT)
})

test('a POST without a body (Fastify runs no parser for it) has its headers checked too', async (t) => {
  const { app: instance } = await app(t, () => {})
  for (const headers of [{}, { 'content-length': '0' }, { 'content-type': 'text/plain', 'content-length': '0' }]) {
    const reply = await instance.inject({ method: 'POST', url: '/hook', headers })
    assert.equal(reply.statusCode, 415, JSON.stringify(headers))
    assert.equal(reply.json().code, 'HOOKGATE_UNSUPPORTED_MEDIA_TYPE')
  }
  assert.equal((await instance.inject({ method: 'POST', url: '/hook', headers: { 'content-type': 'application/json' } })).statusCode, 401)
})
