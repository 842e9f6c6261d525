import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import fc from 'fast-check'
import secureJson from 'secure-json-parse'
import { parseJson } from '../../src/core/json.js'

/** What secure-json-parse (the reference) makes of a text: the value, or that it refused it. */
function reference (text: string): { ok: true, value: unknown } | { ok: false } {
  try {
    return { ok: true, value: secureJson.parse(text) }
  } catch {
    return { ok: false }
  }
}

function agreesWithReference (text: string): void {
  const ours = parseJson(Buffer.from(text, 'utf8'))
  const theirs = reference(text)
  assert.equal(ours.ok, theirs.ok, text)
  if (ours.ok && theirs.ok) assert.deepEqual(ours.value, theirs.value)
}

// JSON texts whose keys and strings include the spellings the fast path must notice, escaped and not
// (a raw key may also break the syntax: then both must refuse).
const suspicious = fc.constantFrom('__proto__', 'constructor', 'prototype', '\\u005f_proto__', 'c\\u006fnstructor', '\\u0041', 'proto', '_', 'a')
const key = fc.oneof(fc.string(), suspicious)
const text = fc.letrec((tie) => ({
  value: fc.oneof({ depthSize: 'small' }, fc.integer().map(String), fc.string().map((s) => JSON.stringify(s)), suspicious.map((s) => `"${s}"`), fc.constantFrom('true', 'null'), tie('object'), tie('array')),
  object: fc.array(fc.tuple(key, tie('value')), { maxLength: 4 }).map((pairs) => `{${pairs.map(([k, v]) => `"${k}":${v as string}`).join(',')}}`),
  array: fc.array(tie('value'), { maxLength: 4 }).map((items) => `[${(items as string[]).join(',')}]`)
})).value

describe('parseJson', () => {
  it('accepts and refuses exactly what secure-json-parse does', () => {
    fc.assert(fc.property(text, (json) => { agreesWithReference(json as string) }), { numRuns: 3000 })
  })

  it('refuses prototype keys however they are spelled, and a BOM is stripped as secure-json-parse strips it', () => {
    for (const text of ['{"__proto__":{"x":1}}', '{"\\u005f_proto__":{}}', '{"a":{"constructor":{"prototype":{"x":1}}}}', '{"c\\u006fnstructor":{"prototype":{}}}']) {
      assert.equal(parseJson(Buffer.from(text)).ok, false, text)
      agreesWithReference(text)
    }
    for (const text of ['\uFEFF{"a":1}', '{"constructor":"x"}', '{"s":"\\u00e9"}', '{"__proto__x":1}', 'not json', '']) agreesWithReference(text)
  })
})
