/**
 * The services the tests talk to, found or started for a run. A service whose `*_URL` answers is used
 * as it is; one that does not answer at its default address is started on a free port, with its files
 * in a temporary folder, and stopped by `stopStarted()`; a server this did not start is never touched.
 */
import { execFile, spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs'
import { createServer, connect } from 'node:net'
import { tmpdir } from 'node:os'
import { basename, join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { promisify } from 'node:util'

const execFileAsync = promisify(execFile)

export interface Service {
  readonly name: string
  readonly variable: string
  readonly defaultUrl: string
  readonly binary: string
  readonly install: string
  /** Starts a private server on `port`, with its files in `dir`, in a process group of its own. */
  start (port: number, dir: string): Promise<ChildProcess>
  /** The signal that stops it at once, whoever is still connected. */
  readonly stopSignal: NodeJS.Signals
  url (port: number): string
}

/** Why a service can be neither reached nor started: one line that says what to do. */
export class ServiceUnavailable extends Error {}

export const services: readonly Service[] = [
  {
    name: 'Redis',
    variable: 'REDIS_URL',
    defaultUrl: 'redis://127.0.0.1:6379',
    binary: 'redis-server',
    install: 'apt-get install redis-server',
    start: async (port, dir) => spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir], { stdio: 'ignore', detached: true }),
    stopSignal: 'SIGTERM',
    url: (port) => `redis://127.0.0.1:${port}`
  },
  {
    name: 'PostgreSQL',
    variable: 'POSTGRES_URL',
    defaultUrl: 'postgres://postgres@127.0.0.1:5432/postgres',
    binary: postgresBin('postgres'),
    install: 'apt-get install postgresql',
    start: async (port, dir) => {
      // initdb and postgres refuse to run as root: as root, the cluster belongs to the postgres user.
      const asRoot = process.getuid?.() === 0
      const run = (command: string, args: string[]): [string, string[]] => asRoot ? ['runuser', ['-u', 'postgres', '--', command, ...args]] : [command, args]
      const data = join(dir, 'data')
      if (asRoot) await execFileAsync('chown', ['postgres', dir])
      // Asynchronous and bounded: a stuck initdb must fail the run, not freeze the process that waits for it.
      await execFileAsync(...run(postgresBin('initdb'), ['-D', data, '-U', 'postgres', '--auth=trust', '--no-sync']), { timeout: 60_000 })
      return spawn(...run(postgresBin('postgres'), ['-D', data, '-p', String(port), '-k', dir, '-c', 'listen_addresses=127.0.0.1', '-c', 'fsync=off']), { stdio: 'ignore', detached: true })
    },
    // Fast shutdown: SIGTERM would wait for every client to disconnect first.
    stopSignal: 'SIGINT',
    url: (port) => `postgres://postgres@127.0.0.1:${port}/postgres`
  }
]

/** Debian keeps PostgreSQL's server binaries off the PATH, under /usr/lib/postgresql/<version>/bin. */
function postgresBin (name: string): string {
  const onPath = spawnSync('sh', ['-c', `command -v ${name}`], { encoding: 'utf8' }).stdout.trim()
  if (onPath !== '') return onPath
  const versions = existsSync('/usr/lib/postgresql') ? readdirSync('/usr/lib/postgresql').sort((a, b) => Number(b) - Number(a)) : []
  const found = versions.map((version) => `/usr/lib/postgresql/${version}/bin/${name}`).find((path) => existsSync(path))
  return found ?? name
}

export function answers (url: string, timeoutMs = 1000): Promise<boolean> {
  const { hostname, port } = new URL(url)
  return new Promise((resolve) => {
    const socket = connect(Number(port), hostname.replace(/^\[|\]$/g, ''))
    const done = (ok: boolean): void => { socket.destroy(); resolve(ok) }
    socket.setTimeout(timeoutMs, () => { done(false) })
    socket.once('connect', () => { done(true) })
    socket.once('error', () => { done(false) })
  })
}

export function freePort (): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number }
      server.close(() => { resolve(port) })
    })
  })
}

function installed (binary: string): boolean {
  return binary.startsWith('/') ? existsSync(binary) : spawnSync('sh', ['-c', `command -v ${binary}`], { stdio: 'ignore' }).status === 0
}

const started: Array<{ child: ChildProcess, dir: string, signal: NodeJS.Signals }> = []

export function stopStarted (): void {
  for (const { child, dir, signal } of started.splice(0)) {
    // The whole group: under runuser the server is runuser's child.
    if (child.exitCode === null && child.pid !== undefined) {
      try {
        process.kill(-child.pid, signal)
      } catch {
        child.kill(signal)
      }
    }
    rmSync(dir, { recursive: true, force: true })
  }
}

/** The URL a service answers at, starting one when it does not; `ServiceUnavailable` when it cannot. */
export async function ensure (service: Service, env: NodeJS.ProcessEnv = process.env): Promise<string> {
  const given = env[service.variable]
  const url = given ?? service.defaultUrl
  if (await answers(url)) return url
  if (given !== undefined) fail(`${service.name} does not answer at ${service.variable}=${given}: start it, or unset ${service.variable} to let the tests start their own`)
  if (!installed(service.binary)) fail(`${service.name} does not answer at ${url} and ${service.binary} is not installed: ${service.install}, or set ${service.variable}`)
  const port = await freePort()
  const dir = mkdtempSync(join(tmpdir(), `hookgate-${basename(service.binary)}-`))
  let child: ChildProcess
  try {
    child = await service.start(port, dir)
  } catch (err) {
    rmSync(dir, { recursive: true, force: true })
    fail(`${service.name} does not answer at ${url}, and starting one for this run failed: ${(err as Error).message.split('\n')[0] ?? ''}`)
  }
  started.push({ child, dir, signal: service.stopSignal })
  const own = service.url(port)
  for (let tries = 0; tries < 100; tries++) {
    if (await answers(own, 200)) {
      console.error(`# ${service.name} did not answer at ${url}: started one for this run at ${own} (pid ${child.pid ?? '?'})`)
      return own
    }
    if (child.exitCode !== null) break
    await sleep(100)
  }
  fail(`${service.name} does not answer at ${url}, and the ${service.binary} started for this run did not come up at ${own}`)
}

function fail (line: string): never {
  throw new ServiceUnavailable(line)
}
