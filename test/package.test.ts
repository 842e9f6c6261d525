import { test } from 'node:test'
import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'

const run = promisify(execFile)
const root = new URL('../', import.meta.url)

interface ExportEntry { types: string, default: string }

const EXPRESS_APP = `
import express, { type Request } from 'express'
import { createServer, type IncomingMessage } from 'node:http'
import { createReceiver, type WebhookEvent } from 'hookgate/core'
import { webhooks } from 'hookgate/express'
import { webhooks as nodeWebhooks } from 'hookgate/node'
import { backchannel } from 'hookgate/providers'
import { signBackchannel } from 'hookgate/testing'

const app = express()
app.post('/wh', webhooks(backchannel({ secret: 's' })).on('order.paid', (event, req: Request) => { console.log(event.id satisfies string, req.ip) }))
createServer(nodeWebhooks(backchannel({ secret: 's' }), { path: '/wh' }).on('*', (event: WebhookEvent, req: IncomingMessage) => { console.log(event.type, req.url) }))
const outcome = createReceiver(backchannel({ secret: 's' })).receive(Buffer.from('{}'), signBackchannel('{}', 's'))
void outcome
`

/**
 * An Express project with no Fastify installed, as a user makes one from the tarball: TypeScript with
 * skipLibCheck off finds every type of hookgate/core, /express, /node, /providers and /testing; the
 * main entry, the Fastify plugin, alone needs Fastify (TS2307, which also shows Fastify is absent).
 */
async function typeCheckWithoutFastify (tarball: string, scratch: string): Promise<void> {
  const app = join(scratch, 'express-app')
  const modules = join(app, 'node_modules')
  mkdirSync(join(modules, 'hookgate'), { recursive: true })
  mkdirSync(join(modules, '@types'))
  await run('tar', ['xzf', tarball, '-C', join(modules, 'hookgate'), '--strip-components=1'])
  const pkg = JSON.parse(readFileSync(new URL('package.json', root), 'utf8')) as { dependencies: Record<string, string> }
  // hookgate's own dependencies and the Express user's types, linked from this repository's install; no fastify.
  for (const name of Object.keys(pkg.dependencies)) {
    mkdirSync(dirname(join(modules, name)), { recursive: true })
    symlinkSync(fileURLToPath(new URL(`node_modules/${name}`, root)), join(modules, name))
  }
  for (const name of ['node', 'express']) symlinkSync(fileURLToPath(new URL(`node_modules/@types/${name}`, root)), join(modules, '@types', name))
  writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'express-app', type: 'module', private: true }))
  writeFileSync(join(app, 'tsconfig.json'), JSON.stringify({ compilerOptions: { strict: true, skipLibCheck: false, module: 'nodenext', moduleResolution: 'nodenext', target: 'es2022', noEmit: true, types: ['node'] }, files: ['app.ts'] }))
  writeFileSync(join(app, 'app.ts'), EXPRESS_APP)
  const tsc = fileURLToPath(new URL('node_modules/typescript/bin/tsc', root))
  await run(process.execPath, [tsc, '-p', app], { cwd: app })
  writeFileSync(join(app, 'app.ts'), `${EXPRESS_APP}\nimport hookgate from 'hookgate'\nvoid hookgate\n`)
  await assert.rejects(run(process.execPath, [tsc, '-p', app], { cwd: app }), (err: { stdout?: string }) => /TS2307: Cannot find module 'fastify'/.test(err.stdout ?? ''))
}

test('npm run build emits every entry of the exports map, with declarations, and the built package loads', { timeout: 120_000 }, async () => {
  // npm test has just built dist/ with this very script (test/run.ts); a file run alone builds it here.
  if (process.env.HOOKGATE_BUILT !== '1') await run('npm', ['run', 'build'], { cwd: root })
  const pkg = JSON.parse(readFileSync(new URL('package.json', root), 'utf8')) as { exports: Record<string, ExportEntry | string> }
  const entries = Object.entries(pkg.exports).filter((e): e is [string, ExportEntry] => typeof e[1] === 'object')
  assert.deepEqual(entries.map(([subpath]) => subpath), ['.', './core', './providers', './testing', './express', './node', './stores/redis', './worker', './queues/memory', './queues/bullmq', './queues/postgres', './opentelemetry'])
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
    await typeCheckWithoutFastify(tarball, destination)
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
