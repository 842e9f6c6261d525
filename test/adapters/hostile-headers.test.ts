// Requests whose meaning depends on which copy of a header a server keeps, and request targets in
// absolute form: every adapter answers them alike. Raw sockets: clients join or refuse repeats.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { SENDERS, type Sender } from '../contract/senders.js'
import { everyAdapter } from './every-adapter.js'
import { converse, statuses } from './raw-http.js'

const [backchannel, bread] = SENDERS as [Sender, Sender]

/** A raw HTTP/1 request for `sender`'s delivery, with `extra` header lines after its own and the target given. */
function raw (sender: Sender, id: string, extra: string[] = [], target = '/wh'): string {
  const { headers, body } = sender.deliver('order.created', { amount: 1 }, { id })
  const lines = Object.entries(headers).map(([name, value]) => `${name}: ${value}`)
  return [`POST ${target} HTTP/1.1`, 'Host: 127.0.0.1', ...lines, ...extra, `Content-Length: ${Buffer.byteLength(body)}`, '', body].join('\r\n')
}

async function answer (port: number, request: string): Promise<string> {
  return await converse(port, request, { enough: (text) => statuses(text).length >= 1 && text.includes('}'), ms: 3000 })
}

test('a repeated signature, Authorization or ce-* header is refused with 400 on every adapter, whichever copy is genuine', async (t) => {
  const ran: string[] = []
  const backchannelPorts = await everyAdapter(t, backchannel.provider, backchannel.options, ran)
  const breadPorts = await everyAdapter(t, bread.provider, bread.options, ran)
  const genuine = bread.deliver('order.created', { amount: 1 }, { id: 'ce_1' }).headers
  const cases: Array<[string, Array<[string, number]>, string]> = [
    ['a second x-bc-signature after the genuine one', backchannelPorts, raw(backchannel, 'evt_sig', ['X-BC-Signature: sha256=00'])],
    ['a second Authorization after the genuine one', breadPorts, raw(bread, 'ce_auth', ['Authorization: Basic Zm9vOmJhcg=='])],
    ['the genuine Authorization second', breadPorts, raw(bread, 'ce_auth2').replace(/\r\nauthorization: /i, '\r\nAuthorization: Basic Zm9vOmJhcg==\r\nauthorization: ')],
    ['a second ce-id', breadPorts, raw(bread, 'ce_id', ['Ce-Id: other'])],
    ['a second x-jws-signature', breadPorts, raw(bread, 'ce_jws', [`X-Jws-Signature: ${genuine['x-jws-signature'] ?? ''}`])]
  ]
  for (const [name, ports, request] of cases) {
    for (const [adapter, port] of ports) {
      const text = await answer(port, request)
      assert.deepEqual(statuses(text), ['400'], `${adapter}, ${name}: ${text}`)
      assert.match(text, /HOOKGATE_HEADER_REPEATED/, `${adapter}, ${name}`)
    }
  }
  assert.deepEqual(ran, [])
})

test('a request target in absolute form (http://host/path) reaches the endpoint on every adapter', async (t) => {
  const ran: string[] = []
  for (const [adapter, port] of await everyAdapter(t, backchannel.provider, backchannel.options, ran)) {
    const text = await answer(port, raw(backchannel, `evt_absolute_${adapter}`, [], 'http://elsewhere.example/wh'))
    assert.deepEqual(statuses(text), ['200'], `${adapter}: ${text}`)
  }
  assert.deepEqual(ran.sort(), ['express evt_absolute_express', 'fastify evt_absolute_fastify', 'node evt_absolute_node'])
})
