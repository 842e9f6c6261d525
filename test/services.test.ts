import { test } from 'node:test'
import assert from 'node:assert/strict'
import { Redis } from 'ioredis'
import pg from 'pg'
import { answers, ensure, freePort, services, ServiceUnavailable, stopStarted } from './services.js'

const redis = services.find((service) => service.name === 'Redis') as (typeof services)[number]

test('a service that does not answer at its default address is started for the run, and stopped after it', async () => {
  const silent = `redis://127.0.0.1:${await freePort()}`
  const url = await ensure({ ...redis, defaultUrl: silent }, {})
  assert.notEqual(url, silent)
  const client = new Redis(url, { maxRetriesPerRequest: 1 })
  assert.equal(await client.ping(), 'PONG')
  await client.quit()
  stopStarted()
  await new Promise((resolve) => setTimeout(resolve, 300))
  assert.equal(await answers(url), false)
})

test('a *_URL that was set and does not answer is an error naming it, not a server started behind its back', async () => {
  const silent = `redis://127.0.0.1:${await freePort()}`
  await assert.rejects(ensure(redis, { REDIS_URL: silent }), (err: Error) => err instanceof ServiceUnavailable && err.message.includes(`REDIS_URL=${silent}`))
})

test('a service neither answering nor installed is an error naming what to install and which variable to set', async () => {
  const silent = `redis://127.0.0.1:${await freePort()}`
  await assert.rejects(ensure({ ...redis, defaultUrl: silent, binary: 'hookgate-no-such-server' }, {}), (err: Error) =>
    err instanceof ServiceUnavailable && err.message.includes(redis.install) && err.message.includes('REDIS_URL'))
})

test('PostgreSQL not answering at its default address: a private cluster is initialised and started for the run, and stopped after it', { timeout: 60_000 }, async () => {
  const postgres = services.find((service) => service.name === 'PostgreSQL') as (typeof services)[number]
  const silent = `postgres://postgres@127.0.0.1:${await freePort()}/postgres`
  const url = await ensure({ ...postgres, defaultUrl: silent }, {})
  assert.notEqual(url, silent)
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5000 })
  await client.connect()
  assert.deepEqual((await client.query('SELECT 1 AS one')).rows, [{ one: 1 }])
  await client.end()
  stopStarted()
  await new Promise((resolve) => setTimeout(resolve, 1000))
  assert.equal(await answers(url), false)
})
