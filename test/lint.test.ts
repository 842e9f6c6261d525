import { test } from 'node:test'
import assert from 'node:assert/strict'
import { fileURLToPath } from 'node:url'
import { ESLint } from 'eslint'

const cwd = fileURLToPath(new URL('../', import.meta.url))

test('the code passes neostandard (eslint.config.js), so every contributor finds the usual style', { timeout: 120_000 }, async () => {
  // The folders by name: a walk of '.' would also list dist/, which the package test may be rebuilding.
  const results = await new ESLint({ cwd }).lintFiles(['src', 'test', 'examples', 'bench', 'eslint.config.js'])
  const problems = results.flatMap((result) => result.messages.map((m) => `${result.filePath.replace(cwd, '')}:${m.line}:${m.column} ${m.ruleId ?? ''} ${m.message}`))
  assert.deepEqual(problems, [])
})

test('the seam holds: core/, verify/ and envelopes/ may import no framework, adapter, store or queue engine', async () => {
  const eslint = new ESLint({ cwd })
  for (const [file, source] of [
    ['src/core/example.ts', "import fastify from 'fastify'\nexport default fastify\n"],
    ['src/verify/example.ts', "import { Redis } from 'ioredis'\nexport default Redis\n"],
    ['src/envelopes/example.ts', "import { markClosing } from '../adapters/closing-connections.js'\nexport default markClosing\n"],
    ['src/core/example.ts', "import { memoryQueue } from '../queues/memory.js'\nexport default memoryQueue\n"]
  ] as const) {
    const [result] = await eslint.lintText(source, { filePath: `${cwd}${file}` })
    assert.ok(result?.messages.some((m) => m.ruleId === 'no-restricted-imports'), `${file}: ${source}`)
  }
  const [allowed] = await eslint.lintText("import { refusal } from './errors.js'\nexport default refusal\n", { filePath: `${cwd}src/core/example.ts` })
  assert.deepEqual(allowed?.messages.filter((m) => m.ruleId === 'no-restricted-imports'), [])
})
