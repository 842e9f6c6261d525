// A request pipelined (HTTP/1) behind one refused before its body was read rides a connection that
// refusal closes: its reply would be lost, so it must not be dispatched (the sender would retry an
// event that already ran). Raw sockets, since fetch never pipelines.
import { test, type TestContext } from 'node:test'
import assert from 'node:assert/strict'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import Fastify from 'fastify'
import hookgate from '../../src/index.js'
import { webhooks } from '../../src/adapters/node.js'
import { backchannel } from '../../src/providers/index.js'
import { signBackchannel } from '../../src/testing/index.js'
import { converse, statuses } from './raw-http.js'

const SECRET = 'pipelining-secret'
const quiet = { debug () {}, info () {}, warn () {}, error () {} }

function delivery (id: string): string {
  const body = JSON.stringify({ id, type: 'order.paid', data: {} })
  const signature = signBackchannel(body, SECRET)['x-bc-signature']
  return `POST /wh HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nX-BC-Signature: ${signature}\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`
}
const UNSUPPORTED = 'POST /wh HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: text/plain\r\nContent-Length: 2\r\n\r\nhi'

/** Writes `requests` in one write; what came back once `answers` replies arrived, the server closed, or 3 s passed. */
async function pipelined (port: number, requests: string, answers: number): Promise<string> {
  return await converse(port, requests, { enough: (text) => statuses(text).length >= answers, ms: 3000 })
}

async function servers (t: TestContext, ran: string[]): Promise<Array<[string, number]>> {
  const app = Fastify()
  await app.register(hookgate)
  app.webhooks('/wh', backchannel({ secret: SECRET })).on('*', (event) => { ran.push(`fastify ${event.id}`) })
  await app.listen({ host: '127.0.0.1', port: 0 })
  t.after(async () => { await app.close() })
  const node = createServer(webhooks(backchannel({ secret: SECRET }), { path: '/wh', log: quiet }).on('*', (event) => { ran.push(`node ${event.id}`) }))
  await new Promise<void>((resolve) => { node.listen(0, '127.0.0.1', resolve) })
  t.after(async () => { await new Promise((resolve) => { node.closeAllConnections(); node.close(resolve) }) })
  return [['fastify', (app.server.address() as AddressInfo).port], ['node', (node.address() as AddressInfo).port]]
}

test('pipelined deliveries on a healthy connection are each handled and answered', async (t) => {
  const ran: string[] = []
  for (const [name, port] of await servers(t, ran)) {
    assert.deepEqual(statuses(await pipelined(port, delivery('evt_1') + delivery('evt_2'), 2)), ['200', '200'], name)
  }
  assert.deepEqual(ran, ['fastify evt_1', 'fastify evt_2', 'node evt_1', 'node evt_2'])
})

test('a delivery pipelined behind a refusal that closes the connection is not dispatched', async (t) => {
  const ran: string[] = []
  for (const [name, port] of await servers(t, ran)) {
    const text = await pipelined(port, UNSUPPORTED + delivery('evt_behind'), 2)
    assert.equal(statuses(text)[0], '415', name)
    assert.match(text, /connection: close/i, name)
    // Whatever reaches the client after the 415 is the 503 that says to retry.
    for (const status of statuses(text).slice(1)) assert.equal(status, '503', name)
  }
  assert.deepEqual(ran, [])
})
