import { test } from 'node:test'
import assert from 'node:assert/strict'
import pg from 'pg'
import { postgresQueue } from '../../src/queues/postgres.js'
import { POSTGRES_URL, postgresQueueName } from './engines.js'

test('PostgreSQL: a job whose worker died during its last attempt is dead-lettered when its lease expires, not run again forever', { timeout: 30_000 }, async (t) => {
  const name = postgresQueueName(t)
  const engine = postgresQueue({ url: POSTGRES_URL, name, attempts: 2, lease: 500, pollInterval: 100 })
  t.after(() => engine.close())
  await engine.enqueue({ v: 1, key: 'backchannel:evt_crash', delivery: 'd', endpoint: '/hook', provider: 'backchannel', receivedAt: Date.now(), headers: {}, event: { id: 'evt_crash', type: 'order.paid', data: {} } })
  // What a worker killed in its second attempt leaves behind: the job active, both attempts made, the lease run out.
  const client = new pg.Client({ connectionString: POSTGRES_URL })
  await client.connect()
  t.after(() => client.end())
  await client.query("UPDATE hookgate_jobs SET state = 'active', attempts_made = 2, locked_until = now() - interval '1 second' WHERE queue = $1", [name])
  let runs = 0
  const consumer = engine.consume(async () => { runs++; return { kind: 'completed', duplicate: false } }, { concurrency: 1 })
  t.after(() => consumer.close())
  let dead = await engine.deadLetters()
  for (let i = 0; i < 100 && dead.length === 0; i++) {
    await new Promise((resolve) => setTimeout(resolve, 50))
    dead = await engine.deadLetters()
  }
  assert.equal(dead[0]?.eventId, 'evt_crash')
  assert.equal(dead[0]?.attempts, 2)
  assert.match(dead[0]?.lastError ?? '', /worker stopped during its last attempt/)
  assert.equal(runs, 0)
})
