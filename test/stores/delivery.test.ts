import { describe, test, type TestContext } from 'node:test'
import type { Redis } from 'ioredis'
import assert from 'node:assert/strict'
import { connect, createServer, type AddressInfo, type Socket } from 'node:net'
import Fastify from 'fastify'
import hookgate from '../../src/index.js'
import { createReceiver, type ReceiverOptions } from '../../src/core/receiver.js'
import { resolveIdempotency, type IdempotencyStore } from '../../src/core/idempotency.js'
import type { Logger } from '../../src/core/types.js'
import { backchannel, type BackchannelEvent } from '../../src/providers/index.js'
import { memoryStore, StoreFullError } from '../../src/stores/memory.js'
import { redisStore } from '../../src/stores/redis.js'
import { backchannelRequest, signBackchannel } from '../../src/testing/index.js'
import { isolatedRedisClient, isolatedRedisStore, REDIS_URL } from './redis-helpers.js'

const SECRET = 'delivery-secret'

function delivery (id: string, type = 'order.paid'): [Buffer, Record<string, string>] {
  const body = Buffer.from(JSON.stringify({ id, type, data: {} }))
  return [body, { ...signBackchannel(body, SECRET) }]
}

function recorder (): Logger & { messages: string[] } {
  const messages: string[] = []
  const at = () => (_obj: object, msg?: string) => { messages.push(msg ?? '') }
  return { messages, debug: at(), info: at(), warn: at(), error: at() }
}

const STORES: Array<{ name: string, make: (t: TestContext) => IdempotencyStore }> = [
  { name: 'memory', make: () => memoryStore() },
  { name: 'redis', make: (t) => isolatedRedisStore(t).store }
]

for (const { name, make } of STORES) {
  describe(`delivery semantics with the ${name} store`, () => {
    function setup (t: TestContext, handler: (event: BackchannelEvent) => unknown, options: ReceiverOptions<BackchannelEvent, undefined> = {}) {
      const store = make(t)
      const receiver = createReceiver(backchannel({ secret: SECRET }), { handlerTimeout: 1500, idempotency: { store, lease: 2000 }, ...options }).on('*', handler)
      return { store, receiver }
    }

    test('first delivery claims, runs the handler and marks it done → 200', async (t) => {
      let runs = 0
      const { store, receiver } = setup(t, () => { runs++ })
      const outcome = await receiver.receive(...delivery('evt_first'))
      assert.equal(outcome.status, 200)
      assert.deepEqual(outcome.body, { ok: true, handled: 1 })
      assert.equal(runs, 1)
      assert.deepEqual(await store.claim('backchannel:evt_first', 1000), { state: 'done' })
    })

    test('a delivery of a done id → 200 marked duplicate (reply and log), handler not run', async (t) => {
      let runs = 0
      const { receiver } = setup(t, () => { runs++ })
      await receiver.receive(...delivery('evt_dup'))
      const log = recorder()
      const again = await receiver.receive(...delivery('evt_dup'), { log })
      assert.equal(again.status, 200)
      assert.deepEqual(again.body, { ok: true, handled: 0, duplicates: 1 })
      assert.ok(log.messages.includes('webhook duplicate: already handled'))
      assert.equal(runs, 1)
    })

    test('a delivery while the same id is running → 409 with Retry-After, handler not run', async (t) => {
      let release: () => void = () => {}
      let runs = 0
      const { receiver } = setup(t, async () => { runs++; await new Promise<void>((resolve) => { release = resolve }) })
      const first = receiver.receive(...delivery('evt_busy'))
      await new Promise((resolve) => setTimeout(resolve, 50))
      const second = await receiver.receive(...delivery('evt_busy'))
      assert.equal(second.status, 409)
      assert.equal(second.error?.code, 'HOOKGATE_DELIVERY_IN_PROGRESS')
      assert.match(second.headers?.['retry-after'] ?? '', /^[1-9][0-9]*$/)
      release()
      assert.equal((await first).status, 200)
      assert.equal(runs, 1)
    })

    test('a handler that throws → 500 and the claim is released, so the retry runs it again', async (t) => {
      let runs = 0
      const { receiver } = setup(t, () => { runs++; if (runs === 1) throw new Error('transient') })
      assert.equal((await receiver.receive(...delivery('evt_retry'))).status, 500)
      const retry = await receiver.receive(...delivery('evt_retry'))
      assert.equal(retry.status, 200)
      assert.deepEqual(retry.body, { ok: true, handled: 1 })
      assert.equal(runs, 2)
    })

    /** Delivers until the answer is no longer 409 (a late handler's result is recorded asynchronously). */
    async function afterRunning (receiver: ReturnType<typeof setup>['receiver'], id: string) {
      for (let tries = 0; ; tries++) {
        const outcome = await receiver.receive(...delivery(id))
        if (outcome.status !== 409 || tries === 100) return outcome
        await new Promise((resolve) => setTimeout(resolve, 20))
      }
    }

    test('a handler past its timeout → 500; while it still runs a retry gets 409, and its late success marks the event done', async (t) => {
      let runs = 0
      let finish: () => void = () => {}
      const log = recorder()
      const { receiver } = setup(t, async () => { runs++; await new Promise<void>((resolve) => { finish = resolve }) }, { handlerTimeout: 50 })
      const timedOut = await receiver.receive(...delivery('evt_slow'), { log })
      assert.equal(timedOut.status, 500)
      assert.equal(timedOut.error?.code, 'HOOKGATE_HANDLER_TIMEOUT')
      const meanwhile = await receiver.receive(...delivery('evt_slow'))
      assert.equal(meanwhile.status, 409, 'the timed-out handler still holds the claim')
      finish()
      const retry = await afterRunning(receiver, 'evt_slow')
      assert.equal(retry.status, 200)
      assert.deepEqual(retry.body, { ok: true, handled: 0, duplicates: 1 })
      assert.equal(runs, 1)
      assert.ok(log.messages.includes('handler for "*" succeeded after its timeout'))
    })

    test('a handler past its timeout that then fails releases its claim, so the retry runs it again', async (t) => {
      let runs = 0
      let fail: (err: Error) => void = () => {}
      const { receiver } = setup(t, async () => { runs++; if (runs === 1) await new Promise<void>((_resolve, reject) => { fail = reject }) }, { handlerTimeout: 50 })
      assert.equal((await receiver.receive(...delivery('evt_slow_fail'))).error?.code, 'HOOKGATE_HANDLER_TIMEOUT')
      assert.equal((await receiver.receive(...delivery('evt_slow_fail'))).status, 409)
      fail(new Error('late failure'))
      const retry = await afterRunning(receiver, 'evt_slow_fail')
      assert.equal(retry.status, 200)
      assert.deepEqual(retry.body, { ok: true, handled: 1 })
      assert.equal(runs, 2)
    })

    test('a holder that died mid-handler: its claim expires after the lease, then a retry runs the handler', async (t) => {
      let runs = 0
      const { store, receiver } = setup(t, () => { runs++ })
      // Another process claimed the event and died before completing or releasing it.
      const abandoned = await store.claim('backchannel:evt_orphan', 300)
      assert.equal(abandoned.state, 'claimed')
      assert.equal((await receiver.receive(...delivery('evt_orphan'))).status, 409)
      await new Promise((resolve) => setTimeout(resolve, 400))
      assert.equal((await receiver.receive(...delivery('evt_orphan'))).status, 200)
      assert.equal(runs, 1)
    })

    test('a late completion by a holder whose lease expired does not override the new holder', async (t) => {
      const store = make(t)
      const old = await store.claim('k', 100)
      await new Promise((resolve) => setTimeout(resolve, 150))
      const current = await store.claim('k', 5000)
      assert.equal(current.state, 'claimed')
      await store.release('k', old.state === 'claimed' ? old.token : '')
      assert.equal((await store.claim('k', 5000)).state, 'running', 'the old token cannot release the new claim')
      await store.complete('k', current.state === 'claimed' ? current.token : '', 5000)
      assert.deepEqual(await store.claim('k', 5000), { state: 'done' })
    })

    test('concurrent claims of one key: exactly one wins', async (t) => {
      const store = make(t)
      const results = await Promise.all(Array.from({ length: 50 }, async () => await store.claim('race', 5000)))
      assert.equal(results.filter((r) => r.state === 'claimed').length, 1)
      assert.equal(results.filter((r) => r.state === 'running').length, 49)
    })

    test('the store unreachable → 503, handler never runs; failOpen runs it without a claim', async (t) => {
      const unreachable: IdempotencyStore = name === 'redis'
        ? redisStore({ url: 'redis://127.0.0.1:1', timeout: 500 })
        : { claim: async () => { throw new Error('down') }, complete: async () => {}, release: async () => {} }
      t.after(async () => { await unreachable.close?.() })
      let runs = 0
      const closed = createReceiver(backchannel({ secret: SECRET }), { idempotency: { store: unreachable } }).on('*', () => { runs++ })
      const outcome = await closed.receive(...delivery('evt_down'))
      assert.equal(outcome.status, 503)
      assert.equal(outcome.error?.code, 'HOOKGATE_STORE_UNAVAILABLE')
      assert.deepEqual(outcome.headers, { 'retry-after': '5' }, 'a 503 says when to retry, as the other 503s do')
      assert.equal(runs, 0)
      const open = createReceiver(backchannel({ secret: SECRET }), { idempotency: { store: unreachable, failOpen: true } }).on('*', () => { runs++ })
      assert.equal((await open.receive(...delivery('evt_down'))).status, 200)
      assert.equal(runs, 1)
    })

    test('keys are namespaced per endpoint', async (t) => {
      const store = make(t)
      let runs = 0
      const a = createReceiver(backchannel({ secret: SECRET }), { idempotency: { store, namespace: 'shop-a' } }).on('*', () => { runs++ })
      const b = createReceiver(backchannel({ secret: SECRET }), { idempotency: { store, namespace: 'shop-b' } }).on('*', () => { runs++ })
      assert.equal((await a.receive(...delivery('evt_same'))).status, 200)
      assert.equal((await b.receive(...delivery('evt_same'))).status, 200)
      assert.deepEqual((await a.receive(...delivery('evt_same'))).body, { ok: true, handled: 0, duplicates: 1 })
      assert.equal(runs, 2)
    })
  })
}

test('the memory store never forgets a done key before its TTL: full, it refuses new claims until the oldest expires', async () => {
  let now = 0
  const store = memoryStore({ maxEntries: 3, now: () => now })
  for (const key of ['a', 'b', 'c']) {
    now += 1000
    const claim = await store.claim(key, 1000)
    if (claim.state === 'claimed') await store.complete(key, claim.token, 60_000)
  }
  assert.equal((await store.claim('a', 1000)).state, 'done')
  await assert.rejects(store.claim('d', 1000), (err: unknown) => err instanceof StoreFullError && err.retryAfterMs === 58_000 && /3 event ids are within their TTL/.test(err.message))
  assert.equal(store.size, 3)
  assert.equal((await store.claim('a', 1000)).state, 'done', 'every replay is still refused')
  now = 61_001
  assert.equal((await store.claim('d', 1000)).state, 'claimed', '"a" expired and made room')
  assert.equal((await store.claim('a', 1000)).state, 'claimed', 'an expired key is forgotten')
})

test('the memory store never evicts a running claim before its lease ends, however many keys come after it', async () => {
  let now = 0
  const store = memoryStore({ maxEntries: 2, now: () => now })
  const slow = await store.claim('slow', 1000)
  assert.equal(slow.state, 'claimed')
  for (const key of ['a', 'b']) {
    const claim = await store.claim(key, 1000)
    if (claim.state === 'claimed') await store.complete(key, claim.token, 60_000)
  }
  await assert.rejects(store.claim('c', 1000), StoreFullError)
  assert.equal((await store.claim('slow', 1000)).state, 'running', 'a duplicate of the running event gets 409')
  now = 1001
  await assert.rejects(store.claim('slow', 1000), StoreFullError, 'its lease ended, but the done keys still fill the store')
  now = 60_001
  assert.equal((await store.claim('slow', 1000)).state, 'claimed', 'after the lease, and once the done keys expired, the claim is taken anew')
})

test('running claims that are never completed or released are dropped once expired, when claims pile up', async () => {
  let now = 0
  const store = memoryStore({ maxEntries: 3, now: () => now })
  for (const key of ['a', 'b', 'c']) await store.claim(key, 100)
  now = 200
  await store.claim('d', 100)
  assert.equal(store.size, 1, 'the three expired claims were dropped')
})

test('the memory store expires done keys after their TTL', async () => {
  let now = 0
  const store = memoryStore({ now: () => now })
  const claim = await store.claim('k', 1000)
  if (claim.state === 'claimed') await store.complete('k', claim.token, 5000)
  now = 4999
  assert.equal((await store.claim('k', 1000)).state, 'done')
  now = 5001
  assert.equal((await store.claim('k', 1000)).state, 'claimed')
})

test('while Redis is unreachable, concurrent deliveries share one wait for the connection (no listener per request)', async (t) => {
  const store = redisStore({ url: 'redis://127.0.0.1:1', timeout: 300 })
  t.after(async () => { await store.close() })
  const warnings: string[] = []
  const onWarning = (warning: Error): void => { warnings.push(warning.name) }
  process.on('warning', onWarning)
  t.after(() => { process.off('warning', onWarning) })
  const receiver = createReceiver(backchannel({ secret: SECRET }), { idempotency: { store } }).on('*', () => {})
  const outcomes = await Promise.all(Array.from({ length: 30 }, async (_, i) => await receiver.receive(...delivery(`evt_away_${i}`))))
  assert.deepEqual(new Set(outcomes.map((outcome) => outcome.status)), new Set([503]))
  await new Promise((resolve) => setImmediate(resolve))
  assert.deepEqual(warnings.filter((name) => name === 'MaxListenersExceededWarning'), [])
})

test('a store that opened its own connection keeps Redis\'s connection errors off the console: they reach the sender as 503 and the logger', async (t) => {
  const printed: unknown[][] = []
  t.mock.method(console, 'error', (...args: unknown[]) => { printed.push(args) })
  const store = redisStore({ url: 'redis://127.0.0.1:1', timeout: 300 })
  t.after(async () => { await store.close() })
  const receiver = createReceiver(backchannel({ secret: SECRET }), { idempotency: { store } }).on('*', () => {})
  const logged: string[] = []
  const log: Logger = { debug () {}, info () {}, warn () {}, error (obj: object) { logged.push(String((obj as { code?: string }).code)) } }
  assert.equal((await receiver.receive(...delivery('evt_quiet'), { log })).status, 503)
  assert.deepEqual(logged, ['HOOKGATE_STORE_UNAVAILABLE'])
  // ioredis retries the connection in the background: give it time to fail again.
  await new Promise((resolve) => setTimeout(resolve, 500))
  assert.deepEqual(printed.filter((args) => String(args[0]).includes('[ioredis]')), [])
})

test('a Redis client made with lazyConnect is connected by the first delivery', async (t) => {
  const { client, prefix } = isolatedRedisClient(t, { lazyConnect: true })
  assert.equal(client.status, 'wait')
  const receiver = createReceiver(backchannel({ secret: SECRET }), { idempotency: { store: redisStore({ client, prefix, timeout: 1000 }) } }).on('*', () => {})
  assert.equal((await receiver.receive(...delivery('evt_lazy'))).status, 200)
  assert.deepEqual((await receiver.receive(...delivery('evt_lazy'))).body, { ok: true, handled: 0, duplicates: 1 })
})

test('a claim Redis takes after its deadline (the sender got 503) is released, so the retry is not refused for a lease', async (t) => {
  const { client, prefix } = isolatedRedisClient(t)
  await client.ping()
  // The first command stalls past the store's timeout, as behind a congested link.
  let stall = 300
  const slow = new Proxy(client, {
    get (target, property) {
      if (property !== 'eval') {
        const value: unknown = Reflect.get(target, property)
        return typeof value === 'function' ? value.bind(target) : value
      }
      return async (...args: Parameters<Redis['eval']>) => {
        await new Promise((resolve) => setTimeout(resolve, stall))
        stall = 0
        return await target.eval(...args)
      }
    }
  })
  let runs = 0
  const receiver = createReceiver(backchannel({ secret: SECRET }), { idempotency: { store: redisStore({ client: slow, prefix, timeout: 100 }) } }).on('*', () => { runs++ })
  assert.equal((await receiver.receive(...delivery('evt_stalled'))).status, 503)
  await new Promise((resolve) => setTimeout(resolve, 500))
  const retry = await receiver.receive(...delivery('evt_stalled'))
  assert.equal(retry.status, 200, `the retry got ${retry.status}`)
  assert.equal(runs, 1)
})

test('de-duplication can be turned off, and its options are validated', () => {
  const provider = backchannel({ secret: SECRET })
  assert.doesNotThrow(() => createReceiver(provider, { idempotency: false }))
  assert.throws(() => createReceiver(provider, { idempotency: { ttl: 0 } }), { name: 'TypeError', message: /"idempotency.ttl"/ })
  assert.throws(() => createReceiver(provider, { idempotency: { lease: 1.5 } }), { name: 'TypeError', message: /"idempotency.lease"/ })
  assert.throws(() => createReceiver(provider, { idempotency: { lease: 30_000 } }), { name: 'TypeError', message: /"idempotency.lease" \(30000 ms\) must be longer than "handlerTimeout" \(30000 ms\)/ })
  assert.throws(() => createReceiver(provider, { handlerTimeout: 5000, idempotency: { lease: 100 } }), { name: 'TypeError', message: /must be longer than "handlerTimeout"/ })
  assert.doesNotThrow(() => createReceiver(provider, { handlerTimeout: 5000, idempotency: { lease: 5001 } }))
  assert.doesNotThrow(() => createReceiver(provider, { handlerTimeout: Infinity, idempotency: { lease: 1000 } }), 'without a timeout the lease is the user\'s bound')
  assert.throws(() => createReceiver(provider, { idempotency: { namespace: '' } }), { name: 'TypeError', message: /"idempotency.namespace"/ })
  // "shop" with event "eu:1" and "shop:eu" with event "1" would share the key "shop:eu:1".
  assert.throws(() => createReceiver(provider, { idempotency: { namespace: 'shop:eu' } }), { name: 'TypeError', message: /"idempotency.namespace" must not contain ":"/ })
  assert.throws(() => createReceiver(provider, { idempotency: { store: {} as IdempotencyStore } }), { name: 'TypeError', message: /"idempotency.store"/ })
  assert.throws(() => redisStore({}), { name: 'TypeError', message: /exactly one of/ })
  assert.throws(() => redisStore({ url: 'http://x' }), { name: 'TypeError', message: /redis:\/\// })
})

test('CloudEvents keys keep source and id apart: a separator spelled inside a (percent-decoded) source or id cannot make two events share one key', () => {
  const resolved = resolveIdempotency(undefined, 'bread', 30_000, Date.now)
  const a = { id: 'x\u0000y', type: 't', source: 'src', data: {} }
  const b = { id: 'y', type: 't', source: 'src\u0000x', data: {} }
  const c = { id: 'y', type: 't', source: 'src:1:x', data: {} }
  const keys = [a, b, c, { ...c, source: 'src', id: '1:x:y' }].map((event) => resolved?.key(event))
  assert.equal(new Set(keys).size, keys.length, keys.join(' | '))
})

test('a handler that changes the event it is given settles the claim it took: the retry is a duplicate, not a 409 for a lease', async () => {
  const store = memoryStore()
  let runs = 0
  const receiver = createReceiver(backchannel({ secret: SECRET }), { idempotency: { store } }).on('*', (event) => {
    runs++
    ;(event as { id: string }).id = event.id.toUpperCase()
  })
  assert.equal((await receiver.receive(...delivery('evt_mutated'))).status, 200)
  const retry = await receiver.receive(...delivery('evt_mutated'))
  assert.equal(retry.status, 200)
  assert.deepEqual(retry.body, { ok: true, handled: 0, duplicates: 1 })
  assert.equal(runs, 1)
})

test('a claim whose reply Redis lost (ioredis sends it again on a new connection) is still this delivery\'s: the handler runs, no 409', async (t) => {
  const upstream = new URL(REDIS_URL)
  // A proxy that drops the connection in place of the first claim's reply, after Redis ran it.
  let dropped = false
  const sockets = new Set<Socket>()
  const proxy = createServer((client) => {
    const server = connect(Number(upstream.port || 6379), upstream.hostname)
    sockets.add(client).add(server)
    let dropReply = false
    client.on('data', (chunk) => {
      if (!dropped && chunk.includes('running:')) { dropped = true; dropReply = true }
      server.write(chunk)
    })
    server.on('data', (chunk) => {
      if (dropReply) { client.destroy(); server.destroy(); return }
      client.write(chunk)
    })
    for (const socket of [client, server]) socket.on('error', () => {})
    client.on('close', () => { server.destroy() })
    server.on('close', () => { client.destroy() })
  })
  await new Promise<void>((resolve) => { proxy.listen(0, '127.0.0.1', resolve) })
  t.after(() => { for (const socket of sockets) socket.destroy(); proxy.close() })
  const { client, prefix } = isolatedRedisClient(t)
  const store = redisStore({ url: `redis://127.0.0.1:${(proxy.address() as AddressInfo).port}`, prefix })
  t.after(async () => { await store.close() })
  let runs = 0
  const receiver = createReceiver(backchannel({ secret: SECRET }), { idempotency: { store } }).on('*', () => { runs++ })
  const first = await receiver.receive(...delivery('evt_lost_reply'))
  assert.ok(dropped, 'the proxy dropped a claim reply')
  assert.equal(first.status, 200, `got ${first.status} ${JSON.stringify(first.body)}`)
  assert.equal(runs, 1)
  assert.equal(await client.get(`${prefix}backchannel:evt_lost_reply`), 'done')
})

test('an endpoint\'s idempotency object refines the plugin\'s: its own namespace keeps the plugin\'s shared store; false turns it off', async (t) => {
  const keys: string[] = []
  const shared = memoryStore()
  const store: IdempotencyStore = {
    claim: async (key, lease) => { keys.push(key); return await shared.claim(key, lease) },
    complete: async (key, token, ttl) => { await shared.complete(key, token, ttl) },
    release: async (key, token) => { await shared.release(key, token) }
  }
  const app = Fastify()
  t.after(async () => { await app.close() })
  await app.register(hookgate, { idempotency: { store } })
  app.webhooks('/shop-a', backchannel({ secret: SECRET }), { idempotency: { namespace: 'shop-a' } }).on('*', () => {})
  app.webhooks('/off', backchannel({ secret: SECRET }), { idempotency: false }).on('*', () => {})
  for (const url of ['/shop-a', '/off']) {
    const response = await app.inject(backchannelRequest({ id: 'evt_1', type: 'order.paid', data: {} }, SECRET, { url }))
    assert.equal(response.statusCode, 200, url)
  }
  assert.deepEqual(keys, ['shop-a:evt_1'])
})
