import { test, type TestContext } from 'node:test'
import assert from 'node:assert/strict'
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { webhooks } from '../../src/adapters/node.js'
import { backchannel } from '../../src/providers/index.js'
import { backchannelRequest } from '../../src/testing/index.js'

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

test('a bad path option throws at creation', () => {
  assert.throws(() => webhooks(backchannel({ secret: SECRET }), { path: 'hook' }), { name: 'TypeError', message: /"path"/ })
})
