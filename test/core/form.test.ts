import { test } from 'node:test'
import assert from 'node:assert/strict'
import { MAX_FORM_PARAMS, parseForm } from '../../src/core/form.js'

test('a form is read into an object with no prototype: + and %XX decoded, a repeated name\'s values in order', () => {
  const params = parseForm(Buffer.from('text=hello+w%C3%B6rld&to=a&to=b&__proto__=x&constructor=y'))
  assert.equal(Object.getPrototypeOf(params), null)
  assert.deepEqual(Object.entries(params ?? {}), [['text', 'hello wörld'], ['to', ['a', 'b']], ['__proto__', 'x'], ['constructor', 'y']])
  assert.equal(({} as Record<string, unknown>).x, undefined)
})

test(`at most ${MAX_FORM_PARAMS} parameters: one more is refused, and a body of a million separators is refused before it is parsed`, () => {
  const form = (n: number): Buffer => Buffer.from(Array.from({ length: n }, (_, i) => `k${i}=v`).join('&'))
  assert.equal(Object.keys(parseForm(form(MAX_FORM_PARAMS)) ?? {}).length, MAX_FORM_PARAMS)
  assert.equal(parseForm(form(MAX_FORM_PARAMS + 1)), undefined)
  assert.equal(parseForm(Buffer.from('a&'.repeat(1_000_000))), undefined)
})
