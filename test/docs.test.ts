import { test } from 'node:test'
import assert from 'node:assert/strict'
import { readFileSync, readdirSync, existsSync } from 'node:fs'
import { ERROR_CATALOGUE } from '../src/core/errors.js'

const root = new URL('../', import.meta.url)
const read = (path: string): string => readFileSync(new URL(path, root), 'utf8')
const docs = ['README.md', ...readdirSync(new URL('docs/', root)).filter((f) => f.endsWith('.md')).map((f) => `docs/${f}`)]

test('docs/errors.md lists every error code with its status', () => {
  const table = read('docs/errors.md')
  for (const [code, { status }] of Object.entries(ERROR_CATALOGUE)) {
    assert.match(table, new RegExp(`\\| \`${code}\` \\| ${status} \\|`), code)
  }
})

test('every hookgate subpath the docs mention is in the exports map', () => {
  const exports = (JSON.parse(read('package.json')) as { exports: Record<string, unknown> }).exports
  for (const doc of docs) {
    for (const [, subpath] of read(doc).matchAll(/['`]hookgate(\/[a-z-]+(?:\/[a-z-]+)?)?['`]/g)) {
      assert.ok(`.${subpath ?? ''}` in exports, `${doc} mentions hookgate${subpath ?? ''}`)
    }
  }
})

test('every relative link in the docs points to a file that exists', () => {
  for (const doc of docs) {
    for (const [, target] of read(doc).matchAll(/\]\(((?!https?:)[^)#]+)(#[^)]*)?\)/g)) {
      assert.ok(existsSync(new URL(target ?? '', new URL(doc, root))), `${doc} → ${target}`)
    }
  }
})

test('the README quick start is test/types/readme-example.ts verbatim, so it compiles with typed data', () => {
  const readme = read('README.md')
  const start = readme.indexOf('## Quick start\n\n```ts\n') + '## Quick start\n\n```ts\n'.length
  const block = readme.slice(start, readme.indexOf('```', start))
  const example = read('test/types/readme-example.ts')
  const code = example.slice(example.indexOf('\n', example.indexOf('\n') + 1) + 1, example.indexOf('// --- type checks below ---'))
  assert.equal(code, block)
})

test('every test named in docs/security.md and docs/http-contract.md exists', () => {
  const sources = readdirSync(new URL('test/', root), { recursive: true })
    .filter((f) => String(f).endsWith('.ts'))
    .map((f) => read(`test/${String(f)}`).replaceAll("\\'", "'"))
    .join('\n')
  for (const doc of ['docs/security.md', 'docs/http-contract.md']) {
    for (const [, quoted = ''] of read(doc).matchAll(/"([^"\n`|]{12,}?)"/g)) {
      const name = quoted.replace(/ ?…$/, '').replace(/^… ?/, '').trim()
      assert.ok(sources.includes(name), `${doc} names a test that does not exist: "${name}"`)
    }
  }
})

test('the docs and the benchmark report speak in their own words: no tracker issue numbers', () => {
  const reports = ['bench/results.md', 'bench/lib/report.ts']
  for (const doc of [...docs, ...readdirSync(new URL('docs/providers/', root)).map((f) => `docs/providers/${f}`), ...reports]) {
    assert.doesNotMatch(read(doc), /\bissue \d+|\bas the issue asks|\(issue /i, doc)
  }
})
