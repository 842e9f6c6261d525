import { test, type TestContext } from 'node:test'
import { Redis } from 'ioredis'
import { REDIS_URL } from '../stores/redis-helpers.js'
import { POSTGRES_URL } from '../queues/engines.js'
import { freePort } from '../services.js'
import assert from 'node:assert/strict'
import { spawn, execFile, type ChildProcess } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { promisify } from 'node:util'

const root = new URL('../../', import.meta.url)

/** The README's fenced shell block that sends the signed and the forged request. */
function readmeSendCommands (): string {
  const readme = readFileSync(new URL('README.md', root), 'utf8')
  const block = [...readme.matchAll(/```sh\n([\s\S]*?)```/g)].map((m) => m[1] ?? '').find((b) => b.includes('openssl dgst'))
  assert.ok(block !== undefined, 'README has the curl block')
  return block
}

async function startExample (t: TestContext, env: NodeJS.ProcessEnv): Promise<string> {
  return await (await startExampleProcess(t, env)).output
}

/** `npm start` in a process group of its own; `output` resolves with what it printed once it listens. */
async function startExampleProcess (t: TestContext, env: NodeJS.ProcessEnv, command = ['npm', 'start']): Promise<{ server: ChildProcess, output: Promise<string> }> {
  const [file, ...args] = command as [string, ...string[]]
  const server = spawn(file, args, { cwd: root, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] })
  t.after(() => { if (server.pid !== undefined && server.exitCode === null) process.kill(-server.pid, 'SIGKILL') })
  let output = ''
  const listening = new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => { reject(new Error(`the example did not start:\n${output}`)) }, 30_000)
    const onData = (chunk: Buffer): void => {
      output += chunk.toString()
      if (output.includes('Server listening')) { clearTimeout(timer); resolve(output) }
    }
    server.stdout.on('data', onData)
    server.stderr.on('data', onData)
    server.on('exit', (code) => { clearTimeout(timer); reject(new Error(`the example exited with ${code}:\n${output}`)) })
  })
  return { server, output: listening }
}

test('npm start serves the example; the README signed request gets 200 and the forged one 401', { timeout: 60_000 }, async (t) => {
  const port = await freePort()
  const env: NodeJS.ProcessEnv = { ...process.env, PORT: String(port) }
  delete env.BC_WEBHOOK_SECRET
  delete env.REDIS_URL
  const output = await startExample(t, env)
  assert.match(output, /BC_WEBHOOK_SECRET is not set: backchannel uses the demo secret/)

  const { stdout } = await promisify(execFile)('bash', ['-euo', 'pipefail', '-c', readmeSendCommands()], { env })
  const statuses = [...stdout.matchAll(/HTTP\/1\.1 (\d{3}) /g)].map((m) => Number(m[1]))
  assert.deepEqual(statuses, [200, 401])
  assert.match(stdout, /\{"ok":true,"handled":1\}/)
  assert.match(stdout, /HOOKGATE_SIGNATURE_INVALID/)

  for (const provider of ['backchannel', 'bread']) {
    assert.ok(readFileSync(new URL('README.md', root), 'utf8').includes(`npm run send -- ${provider}`))
    const sent = await promisify(execFile)('npm', ['run', '--silent', 'send', '--', provider], { cwd: root, env })
    assert.match(sent.stdout, /^signed: 200 \{"ok":true,"handled":1\}$/m, provider)
    assert.match(sent.stdout, /^forged: 401 \{"code":"HOOKGATE_(SIGNATURE|CREDENTIALS)_INVALID"/m, provider)
  }
})

test('with REDIS_URL the example keeps its claims in Redis', { timeout: 60_000 }, async (t) => {
  const port = await freePort()
  const env: NodeJS.ProcessEnv = { ...process.env, PORT: String(port), REDIS_URL }
  await startExample(t, env)
  const redis = new Redis(REDIS_URL, { maxRetriesPerRequest: 1 })
  t.after(async () => { await redis.quit() })
  const before = new Set(await redis.keys('hookgate:backchannel:*'))
  const sent = await promisify(execFile)('npm', ['run', '--silent', 'send', '--', 'backchannel'], { cwd: root, env })
  assert.match(sent.stdout, /^signed: 200 /m)
  const created = (await redis.keys('hookgate:backchannel:*')).filter((key) => !before.has(key))
  assert.equal(created.length, 1)
  assert.equal(await redis.get(created[0] as string), 'done')
  await redis.del(...created)
})

/** The command `npm start` runs, so a signal reaches the example itself rather than npm. */
function startCommand (): string[] {
  const scripts = (JSON.parse(readFileSync(new URL('package.json', root), 'utf8')) as { scripts: Record<string, string> }).scripts
  const [node, ...args] = (scripts.start as string).split(' ')
  assert.equal(node, 'node')
  return [process.execPath, ...args]
}

/** Sends `signal` and resolves the exit code, with what the process printed meanwhile. */
async function stop (server: ChildProcess, signal: NodeJS.Signals): Promise<{ code: number | null, printed: string }> {
  let printed = ''
  server.stdout?.on('data', (chunk: Buffer) => { printed += chunk.toString() })
  const exited = new Promise<number | null>((resolve) => { server.on('exit', (code) => { resolve(code) }) })
  server.kill(signal)
  return { code: await exited, printed }
}

test('queue mode on BullMQ with bull-board: 202 for a delivery, the board behind Basic auth, a warning for only the secret unset, and SIGTERM drains and exits 0', { timeout: 60_000 }, async (t) => {
  const port = await freePort()
  const env: NodeJS.ProcessEnv = { ...process.env, PORT: String(port), QUEUE_URL: REDIS_URL, BOARD_PASSWORD: 'board-pw', BC_WEBHOOK_SECRET: 'hookgate-demo-secret' }
  delete env.BREAD_SECRET
  delete env.REDIS_URL
  const { server, output } = await startExampleProcess(t, env, startCommand())
  const started = await output
  assert.match(started, /BREAD_SECRET is not set: bread uses the demo secret/)
  assert.doesNotMatch(started, /BC_WEBHOOK_SECRET is not set/)

  const sent = await promisify(execFile)(process.execPath, ['--conditions=hookgate-source', '--import', 'tsx', 'examples/send.ts', 'backchannel'], { cwd: root, env })
  assert.match(sent.stdout, /^signed: 202 \{"ok":true,"queued":1\}$/m)
  assert.match(sent.stdout, /^forged: 401 /m)

  const board = `http://127.0.0.1:${port}/admin/queues`
  assert.equal((await fetch(board)).status, 401)
  assert.equal((await fetch(board, { headers: { authorization: `Basic ${Buffer.from('admin:nope').toString('base64')}` } })).status, 401)
  const admin = await fetch(`${board}/api/queues`, { headers: { authorization: `Basic ${Buffer.from('admin:board-pw').toString('base64')}` } })
  assert.equal(admin.status, 200)
  assert.match(await admin.text(), /"name":"backchannel"/)

  const { code, printed } = await stop(server, 'SIGTERM')
  assert.equal(code, 0)
  assert.match(printed, /closing: draining deliveries in flight/)
})

test('on PostgreSQL with WORKERS=off the jobs wait for npm run worker, which runs the example\'s handlers; SIGINT stops both, exit 0', { timeout: 60_000 }, async (t) => {
  const env: NodeJS.ProcessEnv = { ...process.env, PORT: String(await freePort()), QUEUE_URL: POSTGRES_URL, WORKERS: 'off' }
  delete env.REDIS_URL
  const { server, output } = await startExampleProcess(t, env, startCommand())
  await output
  const worker = spawn('npm', ['run', '--silent', 'worker'], { cwd: root, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] })
  t.after(() => { if (worker.pid !== undefined && worker.exitCode === null) process.kill(-worker.pid, 'SIGKILL') })
  let printed = ''
  const handled = new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => { reject(new Error(`the worker logged no handled order:\n${printed}`)) }, 30_000)
    const onData = (chunk: Buffer): void => {
      printed += chunk.toString()
      if (/"msg":"order created"/.test(printed)) { clearTimeout(timer); resolve() }
    }
    worker.stdout.on('data', onData)
    worker.stderr.on('data', onData)
  })
  const sent = await promisify(execFile)(process.execPath, ['--conditions=hookgate-source', '--import', 'tsx', 'examples/send.ts', 'backchannel'], { cwd: root, env })
  assert.match(sent.stdout, /^signed: 202 /m)
  await handled
  const { code, printed: closing } = await stop(server, 'SIGINT')
  assert.equal(code, 0)
  assert.match(closing, /closing: draining deliveries in flight/)
})
