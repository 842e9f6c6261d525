import { test } from 'node:test'
import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'

const run = promisify(execFile)
const root = new URL('../', import.meta.url)

interface ExportEntry { types: string, default: string }

test('npm run build emits every entry of the exports map, with declarations, and the built package loads', { timeout: 120_000 }, async () => {
  // npm test has just built dist/ with this very script (test/run.ts); a file run alone builds it here.
  if (process.env.HOOKGATE_BUILT !== '1') await run('npm', ['run', 'build'], { cwd: root })
  const pkg = JSON.parse(readFileSync(new URL('package.json', root), 'utf8')) as { exports: Record<string, ExportEntry | string> }
  const entries = Object.entries(pkg.exports).filter((e): e is [string, ExportEntry] => typeof e[1] === 'object')
  assert.deepEqual(entries.map(([subpath]) => subpath), ['.', './core', './providers', './testing', './express', './node', './stores/redis', './worker', './queues/memory', './queues/bullmq', './queues/postgres'])
  for (const [subpath, entry] of entries) {
    assert.deepEqual(Object.keys(entry)[0], 'types', `${subpath}: "types" comes first`)
    assert.ok(existsSync(new URL(entry.types, root)), entry.types)
    assert.ok(existsSync(new URL(entry.default, root)), entry.default)
  }
  // Without the hookgate-source condition the package resolves to dist/, as an installed copy would.
  const script = `
    const { default: hookgate, createReceiver, HookgateError } = await import('hookgate')
    const { backchannel } = await import('hookgate/providers')
    const { signBackchannel } = await import('hookgate/testing')
    const core = await import('hookgate/core')
    const express = await import('hookgate/express')
    const node = await import('hookgate/node')
    if (typeof express.webhooks !== 'function' || typeof node.webhooks !== 'function') throw new Error('adapters missing')
    const body = '{"id":"e","type":"order.paid","data":{}}'
    const outcome = await createReceiver(backchannel({ secret: 's' })).receive(Buffer.from(body), signBackchannel(body, 's'))
    console.log(JSON.stringify({ plugin: typeof hookgate, status: outcome.status, core: typeof core.createReceiver, error: typeof HookgateError }))
  `
  const { stdout } = await run(process.execPath, ['--input-type=module', '-e', script], { cwd: root })
  assert.deepEqual(JSON.parse(stdout), { plugin: 'function', status: 200, core: 'function', error: 'function' })

  // The tarball as it would be published (dist/ is fresh from the build above): publint and
  // Are the Types Wrong? find nothing, and it holds only what users need.
  const destination = mkdtempSync(join(tmpdir(), 'hookgate-pack-'))
  try {
    await run('npm', ['pack', '--ignore-scripts', '--pack-destination', destination], { cwd: root })
    const tarball = join(destination, `hookgate-${(JSON.parse(readFileSync(new URL('package.json', root), 'utf8')) as { version: string }).version}.tgz`)
    const bin = (name: string): string => fileURLToPath(new URL(`node_modules/.bin/${name}`, root))
    const publint = await run(bin('publint'), ['run', tarball, '--strict'], { cwd: root })
    assert.match(publint.stdout, /All good!/)
    await run(bin('attw'), [tarball, '--profile', 'esm-only'], { cwd: root })
    const { stdout: listing } = await run('tar', ['tzf', tarball])
    const outside = listing.trim().split('\n').map((path) => path.replace(/^package\//, ''))
      .filter((path) => !/^(dist|src|docs)\//.test(path) && !['package.json', 'README.md', 'LICENSE', 'bench/results.md', 'bench/chart.svg'].includes(path))
    assert.deepEqual(outside, [], 'the package ships its build, sources, docs and licence, and nothing else')
  } finally {
    rmSync(destination, { recursive: true, force: true })
  }
})

test('every relative link in the shipped Markdown (README, docs/) points to a file the package ships, so the links work from node_modules', async () => {
  const { stdout } = await run('npm', ['pack', '--dry-run', '--ignore-scripts', '--json'], { cwd: root })
  const [packed] = JSON.parse(stdout) as Array<{ files: Array<{ path: string }> }>
  const shipped = new Set(packed?.files.map((file) => file.path))
  const pages = [...shipped].filter((path) => path.endsWith('.md') && (path === 'README.md' || path.startsWith('docs/')))
  assert.ok(pages.includes('README.md') && pages.includes('docs/getting-started.md'))
  for (const page of pages) {
    const text = readFileSync(new URL(page, root), 'utf8')
    // Inline links and images; a title after the target ("…" or '…') is not part of it.
    const targets = [...text.matchAll(/\]\(\s*<?([^)\s>#]+)/g)].map((match) => match[1] as string).filter((target) => !/^[a-z][a-z0-9+.-]*:/i.test(target))
    for (const target of targets) {
      const resolved = new URL(target, new URL(page, 'file:///package/')).pathname.replace(/^\/package\//, '')
      assert.ok(shipped.has(resolved), `${page} links ${target}, which the package does not ship`)
    }
  }
})
