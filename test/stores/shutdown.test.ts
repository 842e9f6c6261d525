import { test } from 'node:test'
import assert from 'node:assert/strict'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import Fastify from 'fastify'
import hookgate from '../../src/index.js'
import { webhooks } from '../../src/adapters/node.js'
import { silentLogger } from '../../src/core/log.js'
import { backchannel } from '../../src/providers/index.js'
import { memoryStore } from '../../src/stores/memory.js'
import { signBackchannel } from '../../src/testing/index.js'

const SECRET = 'shutdown-secret'

async function deliver (port: number, id: string): Promise<{ status: number, body: unknown, retryAfter: string | null }> {
  const body = JSON.stringify({ id, type: 'order.paid', data: {} })
  const res = await fetch(`http://127.0.0.1:${port}/hook`, { method: 'POST', headers: signBackchannel(body, SECRET), body })
  return { status: res.status, body: await res.json(), retryAfter: res.headers.get('retry-after') }
}

/** A listening Fastify app with a memory store whose one handler takes `ms`; `finished()` counts the handlers that ended. */
async function slowFastifyApp (ms: number, options: { return503OnClosing?: boolean, handlerTimeout?: number } = {}) {
  const store = memoryStore()
  const { return503OnClosing, handlerTimeout } = options
  const app = Fastify(return503OnClosing === undefined ? {} : { return503OnClosing })
  await app.register(hookgate, handlerTimeout === undefined ? { idempotency: { store } } : { handlerTimeout, idempotency: { store } })
  let finished = 0
  let started = 0
  app.webhooks('/hook', backchannel({ secret: SECRET })).on('*', async () => {
    started++
    await new Promise((resolve) => setTimeout(resolve, ms))
    finished++
  })
  await app.listen({ host: '127.0.0.1', port: 0 })
  const { port } = app.server.address() as AddressInfo
  return { app, store, port, finished: () => finished, started: () => started }
}

for (const return503OnClosing of [true, false]) {
  test(`Fastify app.close() (return503OnClosing: ${return503OnClosing}): the in-flight handler finishes and is recorded; a delivery arriving meanwhile gets 503`, async () => {
    const { app, store, port, finished, started } = await slowFastifyApp(300, { return503OnClosing })

    const inFlight = deliver(port, 'evt_inflight')
    // Closing before the handler started would find nothing in flight (a loaded machine takes its time).
    while (started() === 0) await new Promise((resolve) => setTimeout(resolve, 5))
    const closing = app.close()
    await new Promise((resolve) => setTimeout(resolve, 50))
    const late = await deliver(port, 'evt_late')
    assert.equal(late.status, 503)
    if (!return503OnClosing) {
      // Fastify's own closing guard is off, so the request reaches hookgate, which refuses it.
      assert.deepEqual(late.body, { code: 'HOOKGATE_SHUTTING_DOWN', message: 'the receiver is shutting down' })
      assert.equal(late.retryAfter, '5')
    }

    const first = await inFlight
    assert.equal(first.status, 200)
    await closing
    assert.equal(finished(), 1)
    assert.deepEqual(await store.claim('backchannel:evt_inflight', 1000), { state: 'done' }, 'its result was recorded')
    assert.equal((await store.claim('backchannel:evt_late', 1000)).state, 'claimed', 'the late one was never claimed')
  })
}

test('node/Express endpoint.close() drains the same way', async () => {
  let finished = 0
  const endpoint = webhooks(backchannel({ secret: SECRET }), { log: silentLogger }).on('*', async () => {
    await new Promise((resolve) => setTimeout(resolve, 200))
    finished++
  })
  const server = createServer(endpoint)
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  const inFlight = deliver(port, 'evt_a')
  await new Promise((resolve) => setTimeout(resolve, 50))
  const drained = endpoint.close()
  assert.equal((await deliver(port, 'evt_b')).status, 503)
  await drained
  assert.equal(finished, 1)
  assert.equal((await inFlight).status, 200)
  server.closeAllConnections()
  server.close()
})

test('Fastify app.close() also waits for a handler past its timeout to end and record its result', async () => {
  const { app, store, port, finished } = await slowFastifyApp(400, { handlerTimeout: 100 })
  const timedOut = await deliver(port, 'evt_slow')
  assert.equal(timedOut.status, 500)
  assert.equal(finished(), 0, 'answered before the handler ended')
  await app.close()
  assert.equal(finished(), 1, 'close() waited for the handler')
  assert.deepEqual(await store.claim('backchannel:evt_slow', 1000), { state: 'done' }, 'and for its late success to be recorded')
})

/** An endpoint whose handler never ends, after one delivery it answered with a timeout; returns how long close() took. */
async function closeAfterTimedOutDelivery (options: Parameters<typeof webhooks>[1]): Promise<number> {
  const endpoint = webhooks(backchannel({ secret: SECRET }), { log: silentLogger, handlerTimeout: 50, ...options })
    .on('*', async () => { await new Promise(() => {}) })
  const server = createServer(endpoint)
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  assert.equal((await deliver(port, 'evt_forever')).status, 500)
  const started = performance.now()
  await endpoint.close()
  const waited = performance.now() - started
  server.closeAllConnections()
  server.close()
  return waited
}

test('close() waits for a handler that never ends no longer than a short grace, or its lease when shorter', async () => {
  const waited = await closeAfterTimedOutDelivery({ idempotency: { lease: 300 } })
  assert.ok(waited >= 250 && waited < 2000, `close() waited ${Math.round(waited)} ms`)
})

test('close() does not wait for a timed-out handler that holds no claim: there is nothing to record', async () => {
  assert.ok(await closeAfterTimedOutDelivery({ idempotency: false }) < 200, 'de-duplication off')
  // A store that is down with failOpen: the handler ran without a claim.
  const down = { claim: async () => { throw new Error('down') }, complete: async () => {}, release: async () => {} }
  const waited = await closeAfterTimedOutDelivery({ idempotency: { store: down, failOpen: true, lease: 60_000 } })
  assert.ok(waited < 200, `close() waited ${Math.round(waited)} ms with failOpen`)
})

test('close() waits for a timed-out handler holding a claim at most 5 s, however long its lease', async () => {
  const waited = await closeAfterTimedOutDelivery({ idempotency: { lease: 60_000 } })
  assert.ok(waited >= 4900 && waited < 7000, `close() waited ${Math.round(waited)} ms`)
})
