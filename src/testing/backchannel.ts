import { createHmac } from 'node:crypto'
import { BACKCHANNEL_SIGNATURE_HEADER } from '../providers/backchannel.js'
import type { Secret } from '../verify/secrets.js'
import { bodyBytes, signingKey, type SignedRequest, type TestBody } from './body.js'

// A type alias rather than an interface, so it can be passed where a header record is expected.
export type BackchannelHeaders = {
  readonly 'content-type': 'application/json'
  readonly 'x-bc-signature': string
}

/**
 * The headers Backchannel sends with `body`: `Content-Type: application/json` and
 * `X-BC-Signature: sha256=<hex HMAC-SHA256 of the exact bytes>`.
 * @example const headers = signBackchannel('{"id":"evt_1","type":"order.paid","data":{}}', secret)
 */
export function signBackchannel (body: TestBody, secret: Secret): BackchannelHeaders {
  const mac = createHmac('sha256', signingKey(secret, 'signBackchannel()')).update(bodyBytes(body)).digest('hex')
  return { 'content-type': 'application/json', [BACKCHANNEL_SIGNATURE_HEADER]: `sha256=${mac}` } as BackchannelHeaders
}

/**
 * A complete signed Backchannel delivery, ready for `app.inject()`.
 * @example const res = await app.inject(backchannelRequest(event, secret, { url: '/webhooks/backchannel' }))
 */
export function backchannelRequest (body: TestBody, secret: Secret, options: { url?: string } = {}): SignedRequest {
  const payload = bodyBytes(body)
  return { method: 'POST', url: options.url ?? '/', headers: { ...signBackchannel(payload, secret) }, payload }
}
