import { test, type TestContext } from 'node:test'
import { Redis } from 'ioredis'
import { REDIS_URL } from '../stores/redis-helpers.js'
import assert from 'node:assert/strict'
import { spawn, execFile } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { createServer, type AddressInfo } from 'node:net'
import { promisify } from 'node:util'

const root = new URL('../../', import.meta.url)

async function freePort (): Promise<number> {
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  await new Promise((resolve) => server.close(resolve))
  return port
}

/** The README's fenced shell block that sends the signed and the forged request. */
function readmeSendCommands (): string {
  const readme = readFileSync(new URL('README.md', root), 'utf8')
  const block = [...readme.matchAll(/```sh\n([\s\S]*?)```/g)].map((m) => m[1] ?? '').find((b) => b.includes('openssl dgst'))
  assert.ok(block !== undefined, 'README has the curl block')
  return block
}

async function startExample (t: TestContext, env: NodeJS.ProcessEnv): Promise<string> {
  const server = spawn('npm', ['start'], { cwd: root, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] })
  t.after(() => { if (server.pid !== undefined && server.exitCode === null) process.kill(-server.pid, 'SIGTERM') })
  let output = ''
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => { reject(new Error(`the example did not start:\n${output}`)) }, 30_000)
    const onData = (chunk: Buffer): void => {
      output += chunk.toString()
      if (output.includes('Server listening')) { clearTimeout(timer); resolve() }
    }
    server.stdout.on('data', onData)
    server.stderr.on('data', onData)
    server.on('exit', (code) => { clearTimeout(timer); reject(new Error(`the example exited with ${code}:\n${output}`)) })
  })
  return output
}

test('npm start serves the example; the README signed request gets 200 and the forged one 401', { timeout: 60_000 }, async (t) => {
  const port = await freePort()
  const env: NodeJS.ProcessEnv = { ...process.env, PORT: String(port) }
  delete env.BC_WEBHOOK_SECRET
  delete env.REDIS_URL
  const output = await startExample(t, env)
  assert.match(output, /using the demo secrets/)

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
