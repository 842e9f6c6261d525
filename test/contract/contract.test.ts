import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { ADAPTERS, type Declarable, type Harness, type Reply } from './harness.js'
import { SENDERS, type Sender } from './senders.js'
import { memoryStore } from '../../src/stores/memory.js'

const amountSchema = { type: 'object', required: ['amount'], properties: { amount: { type: 'integer' } } }
const LIMIT = 16 * 1024

function declare (ran: string[]) {
  return (endpoint: Declarable): void => {
    endpoint.on('order.created', { schema: amountSchema }, (event) => { ran.push(event.id) })
    endpoint.on('fail.*', () => { throw new Error('handler broke') })
    // Ends well after the contract's 100 ms timeout, so closing the app does not wait long for it.
    endpoint.on('slow.*', async () => await new Promise((resolve) => setTimeout(resolve, 300)))
  }
}

function error (reply: Reply): { code?: string, message?: string, errors?: unknown } {
  return reply.body as { code?: string, message?: string, errors?: unknown }
}

interface Case {
  readonly name: string
  readonly run: (harness: Harness, sender: Sender, ran: string[]) => Promise<void>
}

const CASES: readonly Case[] = [
  {
    name: 'genuine, valid, handler succeeds → 200, handler once',
    async run (h, s, ran) {
      const reply = await h.send(s.deliver('order.created', { amount: 5 }))
      assert.equal(reply.status, 200)
      assert.deepEqual(reply.body, { ok: true, handled: 1 })
      assert.match(reply.headers['content-type'] ?? '', /^application\/json/)
      assert.equal(ran.length, 1)
    }
  },
  {
    name: 'genuine, no handler for its key → 200 acknowledged',
    async run (h, s, ran) {
      const reply = await h.send(s.deliver('inventory.updated', { amount: 5 }))
      assert.equal(reply.status, 200)
      assert.deepEqual(reply.body, { ok: true, handled: 0, ignored: 1 })
      assert.equal(ran.length, 0)
    }
  },
  {
    name: 'handler throws → 500 HOOKGATE_HANDLER_FAILED',
    async run (h, s) {
      const reply = await h.send(s.deliver('fail.now', { amount: 1 }))
      assert.equal(reply.status, 500)
      assert.deepEqual(reply.body, { code: 'HOOKGATE_HANDLER_FAILED', message: 'the event handler failed' })
    }
  },
  {
    name: 'handler times out → 500 HOOKGATE_HANDLER_TIMEOUT',
    async run (h, s) {
      const reply = await h.send(s.deliver('slow.down', { amount: 1 }))
      assert.equal(reply.status, 500)
      assert.equal(error(reply).code, 'HOOKGATE_HANDLER_TIMEOUT')
    }
  },
  {
    name: 'signature missing → 401',
    async run (h, s, ran) {
      const { headers, body } = s.deliver('order.created', { amount: 5 })
      for (const name of s.signatureHeaders) delete headers[name]
      const reply = await h.send({ headers, body })
      assert.equal(reply.status, 401)
      assert.equal(error(reply).code, 'HOOKGATE_SIGNATURE_MISSING')
      assert.equal(ran.length, 0)
    }
  },
  {
    name: 'signature wrong → 401',
    async run (h, s, ran) {
      const reply = await h.send(s.deliver('order.created', { amount: 5 }, { secret: 'forger' }))
      assert.equal(reply.status, 401)
      assert.deepEqual(reply.body, { code: 'HOOKGATE_SIGNATURE_INVALID', message: 'signature does not match the request body' })
      assert.equal(ran.length, 0)
    }
  },
  {
    name: 'signature for another body → 401',
    async run (h, s, ran) {
      const { headers } = s.deliver('order.created', { amount: 5 })
      const other = s.deliver('order.created', { amount: 6 })
      const reply = await h.send({ headers, body: other.body })
      assert.equal(reply.status, 401)
      assert.equal(ran.length, 0)
    }
  },
  {
    name: 'body larger than the limit (Content-Length) → 413',
    async run (h, s) {
      const { headers } = s.deliver('order.created', { amount: 5 })
      const reply = await h.send({ headers, body: Buffer.alloc(LIMIT + 1, 0x20) })
      assert.equal(reply.status, 413)
      assert.equal(error(reply).code, 'HOOKGATE_BODY_TOO_LARGE')
    }
  },
  {
    name: 'chunked body growing past the limit → 413, cut off early',
    async run (h, s) {
      if (h.stream === undefined) return
      const { headers } = s.deliver('order.created', { amount: 5 })
      const result = await h.stream(headers, Buffer.alloc(4096, 0x20), 64 * 1024 * 1024)
      assert.equal(result.status, 413)
      assert.ok(result.written < 16 * 1024 * 1024, `stopped after ${result.written} bytes`)
    }
  },
  {
    name: 'content type that is not JSON → 415',
    async run (h, s) {
      const { headers, body } = s.deliver('order.created', { amount: 5 })
      const reply = await h.send({ headers: { ...headers, 'content-type': 'text/plain' }, body })
      assert.equal(reply.status, 415)
      assert.equal(error(reply).code, 'HOOKGATE_UNSUPPORTED_MEDIA_TYPE')
    }
  },
  {
    name: 'a Content-Encoding (gzip) → 415',
    async run (h, s) {
      const { headers, body } = s.deliver('order.created', { amount: 5 })
      const reply = await h.send({ headers: { ...headers, 'content-encoding': 'gzip' }, body })
      assert.equal(reply.status, 415)
      assert.equal(error(reply).code, 'HOOKGATE_UNSUPPORTED_ENCODING')
      assert.match(error(reply).message ?? '', /content encoding is not supported/)
    }
  },
  {
    name: 'genuine but not JSON → 400',
    async run (h, s) {
      const reply = await h.send(s.deliver('order.created', {}, { body: '{"not json' }))
      assert.equal(reply.status, 400)
      assert.equal(error(reply).code, 'HOOKGATE_BODY_NOT_JSON')
    }
  },
  {
    name: 'genuine but envelope fields missing → 400',
    async run (h, s) {
      const delivery = s.deliver('order.created', { amount: 5 }, s.name === 'backchannel' ? { body: '{"id":"evt_x","data":{}}' } : {})
      const headers = { ...delivery.headers }
      delete headers['ce-type']
      const reply = await h.send({ headers, body: delivery.body })
      assert.equal(reply.status, 400)
      assert.equal(error(reply).code, 'HOOKGATE_ENVELOPE_INVALID')
    }
  },
  {
    name: 'genuine but payload fails its schema → 400 with the errors',
    async run (h, s, ran) {
      const reply = await h.send(s.deliver('order.created', { amount: 'five' }))
      assert.equal(reply.status, 400)
      assert.deepEqual(reply.body, {
        code: 'HOOKGATE_PAYLOAD_INVALID',
        message: 'event payload does not match its schema',
        errors: [{ path: '/amount', message: 'must be integer' }]
      })
      assert.equal(ran.length, 0)
    }
  },
  {
    name: 'only POST is a delivery',
    async run (h) {
      const reply = await h.send({ method: 'GET', headers: {} })
      assert.ok(reply.status === 404 || reply.status === 405, String(reply.status))
    }
  }
]

const BREAD_CASES: readonly Case[] = [
  {
    name: 'Basic credentials missing → 401 with WWW-Authenticate',
    async run (h, s, ran) {
      const { headers, body } = s.deliver('order.created', { amount: 5 })
      delete headers.authorization
      const reply = await h.send({ headers, body })
      assert.equal(reply.status, 401)
      assert.equal(error(reply).code, 'HOOKGATE_CREDENTIALS_MISSING')
      assert.equal(reply.headers['www-authenticate'], 'Basic realm="bread-webhooks", charset="UTF-8"')
      assert.equal(ran.length, 0)
    }
  },
  {
    name: 'Timestamp header differing from the signed one → 401',
    async run (h, s) {
      const { headers, body } = s.deliver('order.created', { amount: 5 })
      const reply = await h.send({ headers: { ...headers, timestamp: '2023-04-27T17:41:55.000000Z' }, body })
      assert.equal(reply.status, 401)
    }
  },
  {
    name: 'CloudEvents validation handshake → 200 with WebHook-Allowed-Origin',
    async run (h) {
      const reply = await h.send({ method: 'OPTIONS', headers: { 'webhook-request-origin': 'breadpayments.com' } })
      assert.equal(reply.status, 200)
      assert.equal(reply.headers['webhook-allowed-origin'], 'breadpayments.com')
      assert.equal(reply.headers['webhook-allowed-rate'], '60')
    }
  }
]

for (const sender of SENDERS) {
  for (const adapter of ADAPTERS) {
    describe(`${adapter.name} × ${sender.name}`, () => {
      for (const contractCase of [...CASES, ...(sender.name === 'bread' ? BREAD_CASES : [])]) {
        test(contractCase.name, async (t) => {
          const ran: string[] = []
          const options = { ...sender.options, bodyLimit: LIMIT, handlerTimeout: 100, handshake: { origins: ['breadpayments.com'], rate: 60 } }
          const harness = await adapter.start(sender.provider, options, declare(ran))
          t.after(() => harness.close())
          await contractCase.run(harness, sender, ran)
        })
      }
    })
  }
}

for (const sender of SENDERS) {
  for (const adapter of ADAPTERS) {
    test(`${adapter.name} × ${sender.name}: a replay after the memory store filled up is still refused; the new event gets 503 with Retry-After until an id expires`, async (t) => {
      const ran: string[] = []
      const harness = await adapter.start(sender.provider, { ...sender.options, idempotency: { store: memoryStore({ maxEntries: 5 }) } }, declare(ran))
      t.after(() => harness.close())
      const first = sender.deliver('order.created', { amount: 1 }, { id: 'evt_first' })
      assert.equal((await harness.send(first)).status, 200)
      for (let i = 1; i < 5; i++) assert.equal((await harness.send(sender.deliver('order.created', { amount: 1 }, { id: `evt_${i}` }))).status, 200)
      const full = await harness.send(sender.deliver('order.created', { amount: 1 }, { id: 'evt_sixth' }))
      assert.equal(full.status, 503)
      assert.equal(error(full).code, 'HOOKGATE_STORE_UNAVAILABLE')
      assert.ok(Number(full.headers['retry-after']) >= 1)
      const replay = await harness.send(first)
      assert.equal(replay.status, 200)
      assert.deepEqual(replay.body, { ok: true, handled: 0, duplicates: 1 })
      assert.equal(ran.filter((id) => id === 'evt_first').length, 1)
      assert.equal(ran.length, 5)
    })
  }
}
