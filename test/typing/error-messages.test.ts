// What a TypeScript user reads when `.on()` gets a key the endpoint's events map does not declare:
// the valid keys, not the name of the type that computes them.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { fileURLToPath } from 'node:url'
import ts from 'typescript'

const root = fileURLToPath(new URL('../../', import.meta.url))
const SNIPPET = fileURLToPath(new URL('./wrong-key.snippet.ts', import.meta.url))
const SOURCE = `
import Fastify from 'fastify'
import hookgate from '../../src/index.js'
import { createReceiver } from '../../src/core/index.js'
import { webhooks } from '../../src/adapters/node.js'
import { backchannel } from '../../src/providers/index.js'
const schema = { type: 'object', properties: { amount: { type: 'integer' } } } as const
const events = { 'order.created': schema, 'order.paid': schema }
const app = Fastify()
await app.register(hookgate)
app.webhooks('/wh', backchannel({ secret: 's' }), { events }).on('order.craeted', () => {})
webhooks(backchannel({ secret: 's' }), { events }).on('order.craeted', () => {})
createReceiver(backchannel({ secret: 's' }), { events }).on('order.craeted', () => {})
`

/** The snippet type-checked with the project's own compiler options, as if it were a file in test/typing/. */
function diagnostics (): string[] {
  const config = ts.getParsedCommandLineOfConfigFile(`${root}tsconfig.json`, {}, { ...ts.sys, onUnRecoverableConfigFileDiagnostic: () => {} })
  if (config === undefined) throw new Error('tsconfig.json could not be read')
  const host = ts.createCompilerHost(config.options)
  const { getSourceFile, fileExists, readFile } = host
  host.fileExists = (file) => file === SNIPPET || fileExists(file)
  host.readFile = (file) => file === SNIPPET ? SOURCE : readFile(file)
  host.getSourceFile = (file, language, ...rest) => file === SNIPPET ? ts.createSourceFile(file, SOURCE, language) : getSourceFile(file, language, ...rest)
  const program = ts.createProgram([SNIPPET], { ...config.options, noEmit: true }, host)
  return ts.getPreEmitDiagnostics(program, program.getSourceFile(SNIPPET)).map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n'))
}

test('a key missing from the events map names the valid keys, on every adapter and on createReceiver()', { timeout: 60_000 }, () => {
  const messages = diagnostics()
  assert.equal(messages.length, 3, messages.join('\n'))
  for (const message of messages) {
    assert.match(message, /Argument of type '"order\.craeted"' is not assignable/)
    assert.match(message, /"order\.created" \| "order\.paid"/, message)
    assert.doesNotMatch(message, /PatternFor</, message)
  }
})
