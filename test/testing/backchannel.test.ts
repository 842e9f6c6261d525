import { test } from 'node:test'
import assert from 'node:assert/strict'
import { createHmac } from 'node:crypto'
import { backchannelRequest, signBackchannel } from '../../src/testing/index.js'

const SECRET = 'signer-check'

test('signBackchannel() produces what an independent node:crypto computation gives', () => {
  const body = '{"id":"evt_1","type":"order.created","data":{"name":"Zoë 🎉"}}'
  const independent = `sha256=${createHmac('sha256', SECRET).update(Buffer.from(body, 'utf8')).digest('hex')}`
  assert.deepEqual(signBackchannel(body, SECRET), { 'content-type': 'application/json', 'x-bc-signature': independent })
  assert.deepEqual(signBackchannel(Buffer.from(body), SECRET), signBackchannel(body, SECRET))
  assert.deepEqual(signBackchannel(JSON.parse(body) as Record<string, unknown>, SECRET), signBackchannel(body, SECRET), 'objects are signed as JSON.stringify gives them')
})

test('a known answer: HMAC-SHA256("key", "The quick brown fox jumps over the lazy dog")', () => {
  assert.equal(signBackchannel('The quick brown fox jumps over the lazy dog', 'key')['x-bc-signature'],
    'sha256=f7bc83f430538424b13298e6aa6fb143ef4d59a14946175997479dbc2d1a3cd8')
})

test('backchannelRequest() builds an inject request carrying the exact signed bytes', () => {
  const body = { id: 'evt_1', type: 'order.paid', data: {} }
  const request = backchannelRequest(body, SECRET, { url: '/webhooks/backchannel' })
  assert.equal(request.method, 'POST')
  assert.equal(request.url, '/webhooks/backchannel')
  assert.equal(request.payload.toString(), JSON.stringify(body))
  assert.deepEqual(request.headers, signBackchannel(body, SECRET))
  assert.equal(backchannelRequest(body, SECRET).url, '/')
})

test('the signers refuse what they cannot sign with, naming the option', () => {
  for (const secret of ['', new Uint8Array(0), undefined, { secret: 'x' }]) {
    assert.throws(() => signBackchannel('{}', secret as string), { name: 'TypeError', message: /signBackchannel\(\): "secret" must be a non-empty string or byte array/ })
  }
  assert.throws(() => backchannelRequest('{}', { secret: 'x' } as unknown as string), { name: 'TypeError', message: /"secret"/ })
})
