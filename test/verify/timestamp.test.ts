import { test } from 'node:test'
import assert from 'node:assert/strict'
import { checkTolerance, parseRfc3339 } from '../../src/verify/timestamp.js'

test('RFC 3339 date-times parse, with any fraction and zone', () => {
  assert.equal(parseRfc3339('2023-04-27T17:41:51.799047Z'), Date.UTC(2023, 3, 27, 17, 41, 51, 799))
  assert.equal(parseRfc3339('2023-04-27T17:41:51Z'), Date.UTC(2023, 3, 27, 17, 41, 51))
  assert.equal(parseRfc3339('2023-04-27t19:41:51.5+02:00'), Date.UTC(2023, 3, 27, 17, 41, 51, 500))
  assert.equal(parseRfc3339('2023-04-27T17:41:51.123456789z'), Date.UTC(2023, 3, 27, 17, 41, 51, 123))
  assert.equal(parseRfc3339('2023-04-27T17:41:51.1234567891234Z'), Date.UTC(2023, 3, 27, 17, 41, 51, 123), 'any number of fraction digits')
  assert.equal(parseRfc3339('2016-12-31T23:59:60Z'), Date.UTC(2016, 11, 31, 23, 59, 59, 999), 'a leap second')
})

test('anything else is not a date-time, and never "no check"', () => {
  for (const value of ['', '1682617311', '2023-04-27', '2023-04-27 17:41:51Z', '2023-04-27T17:41:51', '2023-13-27T17:41:51Z', '2023-02-30T00:00:00Z', 'Thu, 27 Apr 2023 17:41:51 GMT', '2023-04-27T17:41:51.Z', ' 2023-04-27T17:41:51Z', '2023-04-27T17:41:61Z', '2023-04-27T24:00:00Z']) {
    assert.equal(parseRfc3339(value), undefined, value)
  }
})

test('the tolerance is two-sided and inclusive', () => {
  const now = 1_000_000_000
  assert.equal(checkTolerance(now - 300_000, now, 300), undefined)
  assert.equal(checkTolerance(now + 300_000, now, 300), undefined)
  assert.equal(checkTolerance(now - 300_001, now, 300)?.code, 'HOOKGATE_TIMESTAMP_OUT_OF_TOLERANCE')
  assert.equal(checkTolerance(now + 300_001, now, 300)?.code, 'HOOKGATE_TIMESTAMP_OUT_OF_TOLERANCE')
  assert.match(checkTolerance(now - 400_000, now, 300)?.reason ?? '', /400s old/)
  assert.match(checkTolerance(now + 400_000, now, 300)?.reason ?? '', /400s ahead/)
  // Just past the tolerance, the reason does not read as equal to it ("300s old; tolerance is 300s").
  assert.match(checkTolerance(now - 300_400, now, 300)?.reason ?? '', /300\.4s old; tolerance is 300s/)
  assert.match(checkTolerance(now - 300_001, now, 300)?.reason ?? '', /300\.1s old/)
})
