/**
 * `npm test`: the whole suite, with the services its tests need (test/services.ts finds them or starts
 * its own for the run). When one can be neither reached nor started, the run fails at once with one
 * line saying what to install or which `*_URL` to set. Arguments, if any, replace the list of files.
 */
import { spawn, spawnSync } from 'node:child_process'
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
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

/** Files named on the command line run alone, without the build, the check and the coverage report. */
const named = process.argv.slice(2)
const wholeSuite = named.length === 0
const env = { ...process.env }
try {
  for (const service of services) env[service.variable] = await ensure(service)
} catch (err) {
  stopStarted()
  if (!(err instanceof ServiceUnavailable)) throw err
  console.error(`npm test: ${err.message}`)
  process.exit(1)
}

/** Runs an npm script, resolving its exit code; its output is shown only when it fails. */
function npmRun (script: string): Promise<number> {
  return new Promise((resolve) => {
    const child = spawn('npm', ['run', '--silent', script], { stdio: ['ignore', 'pipe', 'pipe'] })
    let output = ''
    child.stdout.on('data', (chunk: Buffer) => { output += chunk.toString() })
    child.stderr.on('data', (chunk: Buffer) => { output += chunk.toString() })
    child.on('exit', (code) => {
      if (code !== 0) process.stderr.write(`npm run ${script} failed:\n${output}`)
      resolve(code ?? 1)
    })
  })
}

// The type check of everything and the package build, side by side before the tests: the package
// tests then check this build (HOOKGATE_BUILT) instead of making their own.
if (wholeSuite) {
  console.error('# type-checking (npm run typecheck) and building dist/ (npm run build)')
  const started = Date.now()
  const [typecheck, build] = await Promise.all([npmRun('typecheck'), npmRun('build')])
  console.error(`# type check and build: ${((Date.now() - started) / 1000).toFixed(1)} s`)
  if (typecheck !== 0 || build !== 0) {
    stopStarted()
    process.exit(1)
  }
  env.HOOKGATE_BUILT = '1'
}

// Most files wait on sockets, child processes and services rather than the CPU: three at a time
// keeps both cores of a 2-core machine busy.
const concurrency = process.env.TEST_CONCURRENCY ?? '3'
// Coverage of src/ by every process the tests start (V8's own, mapped back to the sources), with a
// floor at the level the suite has reached: it may only go up.
const COVERAGE_FLOOR = { lines: 99, branches: 91, functions: 99 }
const coverage = mkdtempSync(join(tmpdir(), 'hookgate-coverage-'))
const groupsDir = mkdtempSync(join(tmpdir(), 'hookgate-groups-'))
if (process.env.HOOKGATE_COVERAGE !== 'off') env.NODE_V8_COVERAGE = coverage

function coverageReport (): number {
  const started = Date.now()
  const report = spawnSync(process.execPath, [
    'node_modules/c8/bin/c8.js', 'report', '--temp-directory', coverage, '--include', 'src/**', '--reporter', 'text-summary',
    '--check-coverage', ...Object.entries(COVERAGE_FLOOR).flatMap(([metric, floor]) => [`--${metric}`, String(floor)])
  ], { stdio: ['ignore', 'pipe', 'pipe'], encoding: 'utf8' })
  // On stderr, with the slowest tests: the test runner's own summary stays the last thing on stdout.
  process.stderr.write(`${report.stdout}${report.stderr}# coverage report: ${((Date.now() - started) / 1000).toFixed(1)} s\n`)
  return report.status ?? 1
}

/**
 * The suite's files in `count` groups, one process each. A process per file spent more CPU starting
 * Node, tsx and Fastify ninety times than many files spent testing; the slow files are spread first,
 * so that no group waits on two of them. TEST_GROUPS=off runs a process per file.
 */
function groupFiles (files: readonly string[], count: number): string[] {
  if (process.env.TEST_GROUPS === 'off') return [...files]
  const slow = ['test/queues/processes.test.ts', 'test/package.test.ts', 'test/lint.test.ts', 'test/examples/readme.test.ts', 'test/stores/scale-out.test.ts', 'test/queues/contract.test.ts', 'test/stores/shutdown.test.ts', 'test/contract/contract.test.ts']
  const ordered = [...slow.filter((file) => files.includes(file)), ...files.filter((file) => !slow.includes(file))]
  const groups: string[][] = Array.from({ length: count }, () => [])
  ordered.forEach((file, i) => { groups[i % count]?.push(file) })
  return groups.map((group, i) => {
    const path = join(groupsDir, `group-${i + 1}.test.mts`)
    writeFileSync(path, `// Written by test/run.ts: these test files in one process.\n${group.map((file) => `import ${JSON.stringify(resolve(file))}`).join('\n')}\n`)
    return path
  })
}

const testsStarted = Date.now()
const child = spawn(process.execPath, [
  '--enable-source-maps', '--conditions=hookgate-source', '--import', 'tsx', '--import', './test/own-coverage.mjs', '--test', `--test-concurrency=${concurrency}`,
  // No test may hang the run (CI's limit is long): one past 3 minutes fails.
  '--test-timeout=180000',
  '--test-reporter=tap', '--test-reporter-destination=stdout',
  '--test-reporter=./test/slowest-reporter.mjs', '--test-reporter-destination=stderr',
  ...wholeSuite ? groupFiles(testFiles(), Number(concurrency)) : named
], { stdio: 'inherit', env })
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => { child.kill(signal) })
child.on('exit', (code, signal) => {
  stopStarted()
  console.error(`# tests: ${((Date.now() - testsStarted) / 1000).toFixed(1)} s`)
  const tests = code ?? (signal === null ? 1 : 128)
  const covered = tests === 0 && wholeSuite ? coverageReport() : 0
  rmSync(coverage, { recursive: true, force: true })
  rmSync(groupsDir, { recursive: true, force: true })
  process.exit(tests !== 0 ? tests : covered)
})
