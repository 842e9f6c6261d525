import { test } from 'node:test'
import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import { createServer, type AddressInfo, type Socket } from 'node:net'
import { promisify } from 'node:util'
import { runCli } from '../../src/cli/run.js'
import { createReceiver } from '../../src/core/receiver.js'
import { startWorker } from '../../src/core/worker.js'
import { backchannel } from '../../src/providers/index.js'
import { bullmqQueue } from '../../src/queues/bullmq.js'
import { REDIS_URL } from '../stores/redis-helpers.js'
import { bullmqPrefix, FAST, POSTGRES_URL, postgresQueueName } from './engines.js'
import { postgresQueue } from '../../src/queues/postgres.js'

const run = promisify(execFile)
const CLI = new URL('../../src/cli/main.ts', import.meta.url).pathname

/** The command in this process (what the bin's main.ts calls), printing into strings. */
async function cli (...args: string[]): Promise<{ stdout: string, stderr: string, code: number }> {
  let stdout = ''
  let stderr = ''
  const code = await runCli(args, (line) => { stdout += `${line}\n` }, (line) => { stderr += `${line}\n` })
  return { stdout, stderr, code }
}

/** The command as the package's bin runs it: its own process, its exit code. */
async function bin (...args: string[]): Promise<{ stdout: string, stderr: string, code: number }> {
  try {
    const { stdout, stderr } = await run(process.execPath, ['--conditions=hookgate-source', '--import', 'tsx', CLI, ...args])
    return { stdout, stderr, code: 0 }
  } catch (error) {
    const { stdout, stderr, code } = error as { stdout: string, stderr: string, code: number }
    return { stdout, stderr, code }
  }
}

test('the hookgate command lists a dead-lettered event, replays it after the fix (it runs and succeeds), and purges', { timeout: 60_000 }, async (t) => {
  const prefix = bullmqPrefix(t)
  const engine = bullmqQueue({ url: REDIS_URL, name: 'orders', prefix, ...FAST, attempts: 2 })
  let fixed = false
  const succeeded: string[] = []
  const receiver = createReceiver(backchannel({ secret: 's' }), { queue: { engine, onJob: (r) => { if (r.step === 'succeeded') succeeded.push(r.jobId) } } })
    .on('*', (event) => { if (!fixed) throw new Error(`cannot ship ${event.id}`) })
  const worker = startWorker(receiver)
  t.after(async () => { await worker.close(); await engine.close() })
  for (const id of ['evt_1', 'evt_2']) {
    await engine.enqueue({ v: 1, key: `backchannel:${id}`, delivery: id, endpoint: '/hook', provider: 'backchannel', receivedAt: Date.now(), headers: {}, event: { id, type: 'order.paid', data: {} } })
  }
  const where = ['--url', REDIS_URL, '--queue', 'orders', '--prefix', prefix]
  let listed = ''
  for (let i = 0; i < 100 && !listed.includes('2 dead-lettered'); i++) {
    await new Promise((resolve) => setTimeout(resolve, 100))
    listed = (await cli('dead-letters', 'list', ...where)).stdout
  }
  assert.match(listed, /^backchannel:evt_1 {2}order\.paid {2}attempts=2 {2}first=\S+ {2}last=\S+ {2}error=".*cannot ship evt_1.*"$/m)
  const json = (await bin('dead-letters', 'list', '--json', ...where)).stdout.trim().split('\n').map((line) => JSON.parse(line) as { eventId: string })
  assert.deepEqual(json.map((letter) => letter.eventId).sort(), ['evt_1', 'evt_2'])

  fixed = true
  assert.deepEqual(await cli('dead-letters', 'replay', 'backchannel:evt_1', ...where), { stdout: 'replayed 1\n', stderr: '', code: 0 })
  for (let i = 0; i < 100 && succeeded.length === 0; i++) await new Promise((resolve) => setTimeout(resolve, 50))
  assert.deepEqual(succeeded, ['backchannel:evt_1'])
  assert.equal((await cli('dead-letters', 'purge', '--all', ...where)).stdout, 'purged 1\n')
  assert.equal((await cli('dead-letters', 'list', ...where)).stdout, '0 dead-lettered\n')
  assert.equal((await cli('dead-letters', 'replay', 'backchannel:evt_nope', ...where)).code, 1)
})

test('the hookgate command refuses a wrong invocation with its usage and exit code 2', async () => {
  const missing = await bin('dead-letters', 'list')
  assert.equal(missing.code, 2)
  assert.match(missing.stderr, /--url and --queue are required[\s\S]*usage: hookgate dead-letters/)
  assert.equal((await cli('dead-letters', 'replay', '--url', REDIS_URL, '--queue', 'q')).code, 2)
  assert.match((await cli('dead-letters', 'list', '--url', 'amqp://x', '--queue', 'q')).stderr, /must be a redis:\/\/, rediss:\/\/ \(BullMQ\) or postgres:\/\//)
})

test('the hookgate command reads a PostgreSQL queue from a postgres:// URL', { timeout: 30_000 }, async (t) => {
  const name = postgresQueueName(t)
  const engine = postgresQueue({ url: POSTGRES_URL, name, ...FAST, attempts: 1 })
  const receiver = createReceiver(backchannel({ secret: 's' }), { queue: { engine } }).on('*', () => { throw new Error('warehouse closed') })
  const worker = startWorker(receiver)
  t.after(async () => { await worker.close(); await engine.close() })
  await engine.enqueue({ v: 1, key: 'backchannel:evt_pg', delivery: 'd', endpoint: '/hook', provider: 'backchannel', receivedAt: Date.now(), headers: {}, event: { id: 'evt_pg', type: 'order.paid', data: {} } })
  const where = ['--url', POSTGRES_URL, '--queue', name]
  let listed = ''
  for (let i = 0; i < 100 && !listed.includes('1 dead-lettered'); i++) {
    await new Promise((resolve) => setTimeout(resolve, 100))
    listed = (await cli('dead-letters', 'list', ...where)).stdout
  }
  assert.match(listed, /^backchannel:evt_pg {2}order\.paid {2}attempts=1 .*error="handler for \\"\*\\" threw: warehouse closed"$/m)
  assert.equal((await cli('dead-letters', 'purge', 'backchannel:evt_pg', ...where)).stdout, 'purged 1\n')
})

test('the hookgate command gives up on an engine that does not answer, with exit code 1, instead of waiting forever', { timeout: 30_000 }, async (t) => {
  // A server that takes connections and never answers.
  const held = new Set<Socket>()
  const silent = createServer((socket) => { held.add(socket) })
  await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve))
  t.after(() => {
    for (const socket of held) socket.destroy()
    silent.close()
  })
  const url = `redis://127.0.0.1:${(silent.address() as AddressInfo).port}`
  const started = Date.now()
  const down = await bin('dead-letters', 'list', '--url', url, '--queue', 'q', '--timeout', '1')
  assert.equal(down.code, 1)
  assert.match(down.stderr, new RegExp(`reaching ${url.replaceAll('.', '\\.')} took more than 1000 ms`))
  assert.ok(Date.now() - started < 15_000)
  // One that refuses: the command says so, at once.
  const refused = await bin('dead-letters', 'list', '--url', 'redis://127.0.0.1:9', '--queue', 'q', '--timeout', '10')
  assert.equal(refused.code, 1)
  assert.match(refused.stderr, /ECONNREFUSED 127\.0\.0\.1:9/)
})
