import { test } from 'node:test'
import assert from 'node:assert/strict'
import crypto from 'node:crypto'
import { syncBuiltinESMExports } from 'node:module'
import { HookgateError } from '../../src/core/errors.js'
import type { VerifyResult } from '../../src/core/types.js'
import { basicAuthVerifier, type BasicAuthOptions } from '../../src/verify/basic-auth.js'

const basic = (userPass: string): string => `Basic ${Buffer.from(userPass).toString('base64')}`

async function verify (authorization: string | undefined, options: BasicAuthOptions = { credentials: { username: 'bread', password: 's3cr3t:with:colons' } }): Promise<VerifyResult> {
  const headers: Record<string, string> = authorization === undefined ? {} : { authorization }
  return await basicAuthVerifier(options).verify({ body: Buffer.alloc(0), header: (n) => headers[n], headers, now: Date.now })
}

function refused (result: VerifyResult, code: string): void {
  assert.ok(result instanceof HookgateError)
  assert.equal(result.code, code)
  assert.equal(result.statusCode, 401)
  assert.deepEqual(result.headers, { 'www-authenticate': 'Basic realm="webhooks", charset="UTF-8"' })
}

test('the right user and password pass (the password may contain ":")', async () => {
  assert.equal(await verify(basic('bread:s3cr3t:with:colons')), undefined)
  assert.equal(await verify(`basic ${Buffer.from('bread:s3cr3t:with:colons').toString('base64')}`), undefined, 'the scheme is case-insensitive')
})

test('missing credentials → CREDENTIALS_MISSING with WWW-Authenticate: Basic', async () => {
  refused(await verify(undefined), 'HOOKGATE_CREDENTIALS_MISSING')
  refused(await verify(''), 'HOOKGATE_CREDENTIALS_MISSING')
})

test('wrong user, wrong password, other schemes and malformed values → CREDENTIALS_INVALID', async () => {
  for (const value of [
    basic('bread:wrong'), basic('other:s3cr3t:with:colons'), basic('bread:s3cr3t:with:colon'), basic('bread'), basic(':'),
    'Bearer abc', 'Basic', 'Basic !!!', `Basic ${Buffer.from('bread:s3cr3t:with:colons').toString('base64')}x`, `Basic ${'A'.repeat(2000)}`
  ]) {
    refused(await verify(value), 'HOOKGATE_CREDENTIALS_INVALID')
  }
})

test('several credential pairs during a rotation; any one passes', async () => {
  const options = { credentials: [{ username: 'new', password: 'p1' }, { username: 'old', password: 'p0' }] }
  assert.equal(await verify(basic('new:p1'), options), undefined)
  assert.equal(await verify(basic('old:p0'), options), undefined)
  refused(await verify(basic('old:p1'), options), 'HOOKGATE_CREDENTIALS_INVALID')
})

test('every configured pair is compared with timingSafeEqual on equal-length digests, with no early exit', async (t) => {
  const compared: Array<[number, number]> = []
  const original = crypto.timingSafeEqual
  t.mock.method(crypto, 'timingSafeEqual', (a: NodeJS.ArrayBufferView, b: NodeJS.ArrayBufferView) => {
    compared.push([a.byteLength, b.byteLength])
    return original(a, b)
  })
  syncBuiltinESMExports()
  t.after(() => { t.mock.restoreAll(); syncBuiltinESMExports() })
  const options = { credentials: [{ username: 'new', password: 'p1' }, { username: 'old', password: 'p0' }] }
  assert.equal(await verify(basic('new:p1'), options), undefined)
  assert.deepEqual(compared, [[32, 32], [32, 32]], 'the second pair is compared after the first matched')
  compared.length = 0
  refused(await verify(basic('new:a-much-longer-password-than-any-configured'), options), 'HOOKGATE_CREDENTIALS_INVALID')
  assert.deepEqual(compared, [[32, 32], [32, 32]], 'a longer password is hashed to the same length, not cut short')
})

test('bad options throw at creation', () => {
  const cases: Array<[unknown, RegExp]> = [
    [{ credentials: { username: '', password: 'x' } }, /"basicAuth.username"/],
    [{ credentials: { username: 'a:b', password: 'x' } }, /without ":"/],
    [{ credentials: { username: 'a', password: '' } }, /"basicAuth.password"/],
    [{ credentials: [] }, /must not be empty/],
    [{ credentials: [{ username: 'a', password: 'b' }, null] }, /"basicAuth.credentials\[1\]"/],
    [{ credentials: { username: 'a', password: 'b' }, realm: 'a"b' }, /"basicAuth.realm"/]
  ]
  for (const [options, message] of cases) assert.throws(() => basicAuthVerifier(options as BasicAuthOptions), { name: 'TypeError', message })
})
