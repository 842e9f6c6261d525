// A body that stalls or trickles is cut off at the endpoint's bodyTimeout with 408 and a closed
// connection, on every adapter (Node's own 300 s request timeout is off on Fastify). Raw sockets:
// a client library would not stall on purpose.
import { test, type TestContext } from 'node:test'
import assert from 'node:assert/strict'
import { webhooks as nodeWebhooks } from '../../src/adapters/node.js'
import { backchannel } from '../../src/providers/index.js'
import { signBackchannel } from '../../src/testing/index.js'
import { everyAdapter } from './every-adapter.js'
import { converse, statuses } from './raw-http.js'

const SECRET = 'body-timeout-secret'
const BODY_TIMEOUT = 300

function headersFor (id: string, declaredLength?: number): { head: string, body: string } {
  const body = JSON.stringify({ id, type: 'order.paid', data: { note: 'x'.repeat(400) } })
  const signature = signBackchannel(body, SECRET)['x-bc-signature']
  return { head: `POST /wh HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nX-BC-Signature: ${signature}\r\nContent-Length: ${declaredLength ?? Buffer.byteLength(body)}\r\n\r\n`, body }
}

function servers (t: TestContext, ran: string[]): Promise<Array<[string, number]>> {
  return everyAdapter(t, backchannel({ secret: SECRET }), { bodyTimeout: BODY_TIMEOUT }, ran)
}

/** What came back and how long until the server closed the connection (or `ms` passed). */
async function timed (port: number, opening: string, trickle?: string): Promise<{ text: string, ms: number }> {
  const started = performance.now()
  let timer: NodeJS.Timeout | undefined
  const text = await converse(port, opening, {
    enough: () => false,
    onChunk: () => { clearInterval(timer) },
    ms: 5000,
    ...(trickle === undefined ? {} : { onOpen: (write: (data: string) => void) => { let i = 0; timer = setInterval(() => { write(trickle[i++ % trickle.length] as string) }, 50) } })
  })
  clearInterval(timer)
  return { text, ms: performance.now() - started }
}

test('a body that stops half way gets 408 at bodyTimeout and the connection is closed', async (t) => {
  const ran: string[] = []
  for (const [name, port] of await servers(t, ran)) {
    const { head, body } = headersFor(`evt_stalled_${name}`)
    const { text, ms } = await timed(port, head + body.slice(0, 200))
    assert.deepEqual(statuses(text), ['408'], `${name}: ${text}`)
    assert.match(text, /HOOKGATE_BODY_TIMEOUT/, name)
    assert.ok(ms >= BODY_TIMEOUT - 20 && ms < 2000, `${name}: closed after ${ms.toFixed(0)} ms`)
  }
  assert.deepEqual(ran, [])
})

test('a body trickled a byte at a time is cut off at bodyTimeout too', async (t) => {
  const ran: string[] = []
  for (const [name, port] of await servers(t, ran)) {
    const { head, body } = headersFor(`evt_trickle_${name}`)
    const { text, ms } = await timed(port, head, body)
    assert.deepEqual(statuses(text), ['408'], `${name}: ${text}`)
    assert.ok(ms < 2000, `${name}: closed after ${ms.toFixed(0)} ms`)
  }
  assert.deepEqual(ran, [])
})

test('a body that arrives in time is handled, and the clock is stopped: the kept-alive connection serves the next delivery after bodyTimeout', async (t) => {
  const ran: string[] = []
  for (const [name, port] of await servers(t, ran)) {
    const first = headersFor(`evt_a_${name}`)
    const second = headersFor(`evt_b_${name}`)
    const text = await converse(port, first.head + first.body, {
      enough: (received) => statuses(received).length >= 2,
      onChunk: (_chunk, write) => { setTimeout(() => { write(second.head + second.body) }, BODY_TIMEOUT * 2) },
      ms: 3000
    })
    assert.deepEqual(statuses(text), ['200', '200'], `${name}: ${text}`)
  }
  assert.deepEqual(ran.sort(), ['express evt_a_express', 'express evt_b_express', 'fastify evt_a_fastify', 'fastify evt_b_fastify', 'node evt_a_node', 'node evt_b_node'])
})

test('bodyTimeout must be a positive integer number of milliseconds', () => {
  for (const bodyTimeout of [0, -1, 1.5, Number.NaN, Infinity]) {
    assert.throws(() => nodeWebhooks(backchannel({ secret: SECRET }), { bodyTimeout }), /"bodyTimeout" must be a positive integer/)
  }
})
