import { execFileSync, fork, type ChildProcess } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import type { ChildMessage, ParentMessage } from './child.js'

const CHILD = fileURLToPath(new URL('./child.ts', import.meta.url))
/**
 * The environment of a process that runs hookgate as it ships: tsx with a tsconfig without the
 * paths that map `hookgate` to src/, so it resolves through package.json's exports to dist/.
 */
export const DIST_ENV: NodeJS.ProcessEnv = { ...process.env, TSX_TSCONFIG_PATH: fileURLToPath(new URL('../tsconfig.run.json', import.meta.url)) }

export interface ServerProcess {
  readonly name: string
  readonly url: string
  readonly pid: number
  /** RSS and heap of the server process, after a full GC when it runs with --expose-gc and `gc` is asked. */
  memory (gc?: boolean): Promise<{ rss: number, heapUsed: number }>
  close (): Promise<void>
}

/**
 * Pins a process and all its threads to one CPU (taskset), so that on a 2-core machine the server
 * has one core and the load generator the other. Does nothing where taskset is missing.
 */
export function pin (pid: number, cpu: number): boolean {
  try {
    execFileSync('taskset', ['-a', '-pc', String(cpu), String(pid)], { stdio: 'ignore' })
    return true
  } catch {
    return false
  }
}

function waitFor<T extends ChildMessage['type']> (child: ChildProcess, type: T, ms: number): Promise<Extract<ChildMessage, { type: T }>> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => { cleanup(); reject(new Error(`no "${type}" from the server within ${ms} ms`)) }, ms)
    const onMessage = (message: ChildMessage): void => {
      if (message.type === type) { cleanup(); resolve(message as Extract<ChildMessage, { type: T }>) }
      if (message.type === 'failed') { cleanup(); reject(new Error(message.error)) }
    }
    const onExit = (code: number | null): void => { cleanup(); reject(new Error(`server exited (${code}) before "${type}"`)) }
    const cleanup = (): void => { clearTimeout(timer); child.off('message', onMessage); child.off('exit', onExit) }
    child.on('message', onMessage)
    child.once('exit', onExit)
  })
}

export interface SpawnOptions {
  readonly cpu?: number
  readonly nodeArgs?: readonly string[]
  /** A command that runs Node, such as `['valgrind', '--tool=cachegrind']`; Node's path and arguments follow it. */
  readonly wrapper?: readonly string[]
}

/** Starts bench/servers/<name>.ts in its own Node process (pinned to `cpu` when given). */
export async function spawnServer (name: string, options: SpawnOptions = {}): Promise<ServerProcess> {
  const nodeArgs = ['--import', 'tsx', ...(options.nodeArgs ?? [])]
  const [wrapper, ...wrapperArgs] = options.wrapper ?? []
  const child = fork(CHILD, [name], {
    // Servers import hookgate as it ships (dist/, built by tsc), not the sources as tsx transforms
    // them (its keepNames adds a call to every named closure): no hookgate-source condition, and a
    // tsconfig without the paths that map `hookgate` to src/.
    ...(wrapper === undefined ? { execArgv: nodeArgs } : { execPath: wrapper, execArgv: [...wrapperArgs, process.execPath, ...nodeArgs] }),
    env: DIST_ENV,
    stdio: ['ignore', 'inherit', 'inherit', 'ipc']
  })
  const pid = child.pid
  if (pid === undefined) throw new Error(`could not start ${name}`)
  let ready: { url: string }
  try {
    // Under a wrapper such as valgrind, starting takes minutes rather than seconds.
    ready = await waitFor(child, 'ready', wrapper === undefined ? 60_000 : 600_000)
  } catch (err) {
    child.kill('SIGKILL')
    throw err
  }
  if (options.cpu !== undefined) pin(pid, options.cpu)
  const exited = new Promise<void>((resolve) => { child.once('exit', () => { resolve() }) })
  return {
    name,
    url: ready.url,
    pid,
    async memory (gc = false) {
      const reply = waitFor(child, 'memory', 10_000)
      child.send({ type: 'memory', gc } satisfies ParentMessage)
      const { rss, heapUsed } = await reply
      return { rss, heapUsed }
    },
    async close () {
      if (child.exitCode !== null || child.signalCode !== null) return
      child.send({ type: 'close' } satisfies ParentMessage)
      const timer = setTimeout(() => { child.kill('SIGKILL') }, wrapper === undefined ? 10_000 : 120_000)
      await exited
      clearTimeout(timer)
    }
  }
}
