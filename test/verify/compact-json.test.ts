import { test } from 'node:test'
import assert from 'node:assert/strict'
import fc from 'fast-check'
import { compactDifference, compactForm } from '../../src/verify/compact-json.js'

const differs = (text: string): boolean => compactDifference(Buffer.from(text, 'utf8')) !== 'none'

test('compact JSON.stringify output never needs the fallback', () => {
  for (const text of ['{}', '[]', '{"a":1,"b":[true,false,null],"c":"x y\\nz"}', '{"n":-1.5e-7}', '{"n":1e+21}', '"é🎉"', '{"q":"\\"\\\\"}']) {
    assert.equal(differs(JSON.stringify(JSON.parse(text))), false, text)
  }
})

test('whitespace outside strings, \\/ and \\u escapes, and non-shortest numbers do', () => {
  for (const text of ['{ "a":1}', '{"a":1}\n', '[1,\t2]', '{"u":"\\u00e9"}', '{"s":"a\\/b"}', '{"n":1.0}', '{"n":1e2}', '{"n":-0}', '{"n":1.50}', '{"n":12345678901234567890}']) {
    assert.equal(differs(text), true, text)
  }
})

test('keys in digits do too: JSON.parse lists them first, in ascending order', () => {
  for (const text of ['{"b":1,"1":2}', '{"2":1,"1":2}', '{"v":{"b":1, "10" :2}}']) {
    assert.equal(differs(text), true, text)
  }
  assert.notEqual(JSON.stringify(JSON.parse('{"b":1,"1":2}')), '{"b":1,"1":2}')
  // Digits as a value, or a key with other characters, reorder nothing.
  for (const text of ['{"a":"12","b":["1","2"]}', '{"a1":1,"1a":2}']) assert.equal(differs(text), false, text)
  assert.equal(compactDifference(Buffer.from('{ "b": 1, "1": 2 }')), 'other', 'not just whitespace: the stripped body would keep the order')
  assert.equal(compactDifference(Buffer.from('{"b":1,"1" :2}')), 'other', 'whitespace between the key and its colon')
})

test('property: when the scan says "no difference", the compact form is exactly the body', () => {
  // Objects written key by key in the generated order, digit keys included, as a sender in another language might.
  const key = fc.oneof(fc.string({ maxLength: 4 }), fc.nat({ max: 9999 }).map(String))
  const handWritten = fc.uniqueArray(fc.tuple(key, fc.jsonValue({ maxDepth: 1 })), { selector: ([k]) => k, maxLength: 6 })
    .map((entries) => `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${JSON.stringify(v)}`).join(',')}}`)
  const texts = fc.oneof(
    fc.jsonValue().map((v) => JSON.stringify(v)),
    handWritten,
    fc.tuple(fc.jsonValue(), fc.integer({ min: 1, max: 4 })).map(([v, indent]) => JSON.stringify(v, null, indent)),
    fc.json()
  )
  fc.assert(fc.property(texts, (text) => {
    if (text === undefined) return
    const compact = JSON.stringify(JSON.parse(text))
    if (!differs(text)) assert.equal(compact, text)
    if (compact !== text) assert.equal(differs(text), true)
  }), { numRuns: 3000 })
})

test('property: numbers in every spelling (fixed, precision, padded, shortest) are told apart exactly as JSON.stringify writes them', () => {
  const spelling = fc.tuple(fc.double({ noNaN: true, noDefaultInfinity: true }), fc.integer({ min: 0, max: 20 }), fc.integer({ min: 1, max: 21 }), fc.constantFrom('fixed', 'precision', 'shortest', 'padded'))
    .map(([value, digits, precision, kind]) => {
      if (kind === 'fixed') return value.toFixed(digits)
      if (kind === 'precision') return value.toPrecision(precision)
      if (kind === 'padded') return `${String(value)}${String(value).includes('.') ? '0' : ''}`
      return String(value)
    })
  const small = fc.tuple(fc.integer({ min: 0, max: 9999 }), fc.integer({ min: 0, max: 9 }), fc.integer({ min: 1, max: 6 })).map(([n, zeros, digits]) => `0.${'0'.repeat(zeros)}${String(n).slice(0, digits)}`)
  // Around the 15 digits a double keeps: many of these have a shorter spelling of the same value.
  const long = fc.tuple(fc.array(fc.integer({ min: 0, max: 9 }), { minLength: 14, maxLength: 18 }), fc.integer({ min: 1, max: 9 }), fc.integer({ min: 1, max: 12 }))
    .map(([digits, last, point]) => { const all = [1 + (digits[0] ?? 0) % 9, ...digits.slice(1), last].join(''); return `${all.slice(0, point)}.${all.slice(point)}` })
  // Exponent spellings near and far from String()'s own: sign or not, leading zeros, E, the range's ends.
  const scientific = fc.tuple(fc.array(fc.integer({ min: 0, max: 9 }), { minLength: 0, maxLength: 17 }), fc.integer({ min: 0, max: 9 }), fc.integer({ min: -330, max: 330 }), fc.constantFrom('e+', 'e-', 'e', 'E+', 'e+0', 'e-0'))
    .map(([fraction, lead, exponent, mark]) => {
      const digits = fraction.join('')
      const written = mark.endsWith('-') || mark.endsWith('-0') ? -Math.abs(exponent) : Math.abs(exponent)
      const tail = mark === 'e' ? `e${written}` : `${mark}${Math.abs(written)}`
      return `${lead}${digits === '' ? '' : `.${digits}`}${tail}`
    })
  fc.assert(fc.property(fc.oneof(spelling, small, long, scientific), fc.boolean(), (token, negative) => {
    const text = `[${negative && !token.startsWith('-') ? '-' : ''}${token}]`
    assert.equal(differs(text), JSON.stringify(JSON.parse(text)) !== text, text)
  }), { numRuns: 20_000 })
})

test('compactForm gives up (no throw) on bodies too deep to re-serialise, or not JSON', () => {
  assert.equal(compactForm(Buffer.from('['.repeat(20_000) + ']'.repeat(20_000)), 'other'), undefined)
  assert.equal(compactForm(Buffer.from('{"a":'), 'other'), undefined)
  assert.deepEqual(compactForm(Buffer.from('{ "a" : [1, 2.0] }'), 'other'), Buffer.from('{"a":[1,2]}'))
})

test('only whitespace differing (a pretty-printed body) is told apart from the rest, and its compact form needs no parse', () => {
  const kind = (text: string): string => compactDifference(Buffer.from(text, 'utf8'))
  assert.equal(kind('{"a":[1,2]}'), 'none')
  assert.equal(kind('{ "a" : [ 1, 2 ] }\n'), 'whitespace')
  assert.equal(kind('{ "a" : "\\u00e9" }'), 'other', 'whitespace and an escape')
  assert.equal(kind('{ "a" : 1.0 }'), 'other', 'whitespace and a number spelling')
  assert.deepEqual(compactForm(Buffer.from('{ "a b" : "c \\" d", "e":\t[ 1 ,\n2 ] }'), 'whitespace'), Buffer.from('{"a b":"c \\" d","e":[1,2]}'))
})

test('property: for a body differing only by whitespace, the stripped form is exactly JSON.stringify(JSON.parse(body))', () => {
  const pretty = fc.tuple(fc.jsonValue(), fc.integer({ min: 1, max: 4 })).map(([v, indent]) => JSON.stringify(v, null, indent))
  fc.assert(fc.property(pretty, (text) => {
    const body = Buffer.from(text, 'utf8')
    const difference = compactDifference(body)
    if (difference === 'whitespace') assert.equal(compactForm(body, difference)?.toString('utf8'), JSON.stringify(JSON.parse(text)))
  }), { numRuns: 3000 })
})
