import { test } from 'node:test'
import assert from 'node:assert/strict'
import { isJsonMediaType, jsonMediaType } from '../../src/core/media-type.js'

test('media types are lower-cased and stripped of parameters', () => {
  assert.equal(jsonMediaType('application/json'), 'application/json')
  assert.equal(jsonMediaType('Application/JSON; charset=UTF-8'), 'application/json')
  assert.equal(jsonMediaType(' application/json ;charset="utf8"'), 'application/json')
  assert.equal(jsonMediaType(undefined), undefined)
})

test('a charset other than UTF-8 is refused', () => {
  assert.equal(jsonMediaType('application/json; charset=latin1'), undefined)
  assert.equal(jsonMediaType('application/json; charset=utf-16'), undefined)
  assert.equal(jsonMediaType('application/json; charset=UTF-8; charset=latin1'), undefined, 'every charset given counts, not just the first')
  assert.equal(jsonMediaType('application/json; charset=utf-8; charset="UTF-8"'), 'application/json')
  for (const value of ['"utf-8;x"', '"utf-8"latin1', 'utf-8 latin1', '""']) {
    assert.equal(jsonMediaType(`application/json; charset=${value}`), undefined, `a charset value is read whole: ${value}`)
  }
  assert.equal(jsonMediaType("application/json; charset*=iso-8859-1''"), undefined, 'RFC 2231 extended form')
  assert.equal(jsonMediaType('application/json; charset = "utf-8" ; q=1'), 'application/json')
})

test('JSON and +json suffixes are JSON; everything else is not', () => {
  assert.ok(isJsonMediaType('application/json'))
  assert.ok(isJsonMediaType('application/cloudevents+json'))
  for (const t of ['text/json', 'text/plain', 'application/x-www-form-urlencoded', 'application/jsonx', 'application/a/b+json', 'multipart/form-data', '']) {
    assert.equal(isJsonMediaType(t), false, t)
  }
})
