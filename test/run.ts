/**
 * `npm test`: the whole suite, with the services its tests need (test/services.ts finds them or starts
 * its own for the run). When one can be neither reached nor started, the run fails at once with one
 * line saying what to install or which `*_URL` to set. Arguments, if any, replace the list of files.
 */
import { spawn } from 'node:child_process'
import { readdirSync } from 'node:fs'
import { join } from 'node:path'
import { ensure, services, ServiceUnavailable, stopStarted } from './services.js'

function testFiles (): string[] {
  const files: string[] = []
  const walk = (dir: string, depth: number): void => {
    for (const entry of readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      const path = join(dir, entry.name)
      if (entry.isDirectory() && depth === 0 && entry.name !== 'fixtures') walk(path, 1)
      else if (entry.isFile() && entry.name.endsWith('.test.ts')) files.push(path)
    }
  }
  walk('test', 0)
  return files
}

const env = { ...process.env }
try {
  for (const service of services) env[service.variable] = await ensure(service)
} catch (err) {
  stopStarted()
  if (!(err instanceof ServiceUnavailable)) throw err
  console.error(`npm test: ${err.message}`)
  process.exit(1)
}

// Most files wait on sockets, child processes and services rather than the CPU: three at a time
// keeps both cores of a 2-core machine busy.
const concurrency = process.env.TEST_CONCURRENCY ?? '3'
const child = spawn(process.execPath, [
  '--conditions=hookgate-source', '--import', 'tsx', '--test', `--test-concurrency=${concurrency}`,
  '--test-reporter=tap', '--test-reporter-destination=stdout',
  '--test-reporter=./test/slowest-reporter.mjs', '--test-reporter-destination=stderr',
  ...process.argv.slice(2).length > 0 ? process.argv.slice(2) : testFiles()
], { stdio: 'inherit', env })
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => { child.kill(signal) })
child.on('exit', (code, signal) => {
  stopStarted()
  process.exit(code ?? (signal === null ? 1 : 128))
})
