import { createHmac } from 'node:crypto'
import { Webhook } from 'standardwebhooks'
import { signBackchannel, signBread } from 'hookgate/testing'
import { PATH } from './config.js'
import {
  BACKCHANNEL_SECRET, BREAD_BASIC, BREAD_KID, BREAD_SECRET, BREAD_SOURCE, EVENT_ID, EVENT_TYPE,
  STANDARD_SECRET, WRONG_SECRET, cloudEventData, typedBody
} from './fixtures.js'

/** How a server expects its deliveries to be signed. */
export type Scheme = 'backchannel' | 'bread' | 'github' | 'standard' | 'cloudevents-hmac'

export interface BenchRequest {
  readonly method: 'POST'
  readonly path: string
  readonly headers: Record<string, string>
  readonly body: Buffer
}

/** The three requests a server is checked with; `genuine` and `forged` are also what it is timed with. */
export interface RequestSet {
  /** Correctly signed, valid against the schema: must get 2xx. */
  readonly genuine: BenchRequest
  /** The same body with a signature made with the wrong secret: must get 401. */
  readonly forged: BenchRequest
  /** Correctly signed, but `amount` is not an integer: must get 400. */
  readonly invalid: BenchRequest
}

const CE_ID = '3f1e6a8c-2b4d-4c1e-9a7f-5d2c8b0e1f43'

function request (headers: Record<string, string>, body: Buffer): BenchRequest {
  return { method: 'POST', path: PATH, headers: { ...headers }, body }
}

function hexMac (secret: string, body: Buffer): string {
  return createHmac('sha256', secret).update(body).digest('hex')
}

function signed (scheme: Scheme, body: Buffer, secret: 'right' | 'wrong'): BenchRequest {
  switch (scheme) {
    case 'backchannel':
      return request(signBackchannel(body, secret === 'right' ? BACKCHANNEL_SECRET : WRONG_SECRET), body)
    case 'bread':
      // Fresh on every call: the signed Timestamp must lie within Bread's ±300 s tolerance.
      return request(signBread(body, {
        kid: BREAD_KID,
        secret: secret === 'right' ? BREAD_SECRET : WRONG_SECRET,
        basicAuth: BREAD_BASIC,
        ceId: CE_ID,
        ceSource: BREAD_SOURCE,
        ceType: EVENT_TYPE
      }), body)
    case 'github':
      return request({
        'content-type': 'application/json',
        'x-github-event': 'issues',
        'x-github-delivery': CE_ID,
        'x-hub-signature-256': `sha256=${hexMac(secret === 'right' ? BACKCHANNEL_SECRET : WRONG_SECRET, body)}`
      }, body)
    case 'standard': {
      const now = new Date()
      const key = secret === 'right' ? STANDARD_SECRET : `whsec_${Buffer.from(WRONG_SECRET).toString('base64')}`
      return request({
        'content-type': 'application/json',
        'webhook-id': EVENT_ID,
        'webhook-timestamp': String(Math.floor(now.getTime() / 1000)),
        'webhook-signature': new Webhook(key).sign(EVENT_ID, now, body.toString('utf8'))
      }, body)
    }
    case 'cloudevents-hmac':
      return request({
        'content-type': 'application/json',
        'ce-id': CE_ID,
        'ce-source': BREAD_SOURCE,
        'ce-type': EVENT_TYPE,
        'ce-specversion': '1.0',
        'x-bc-signature': `sha256=${hexMac(secret === 'right' ? BACKCHANNEL_SECRET : WRONG_SECRET, body)}`
      }, body)
  }
}

/** Builds the requests for `scheme` with a body of exactly `bytes` bytes (timestamps are taken now). */
export function requestSet (scheme: Scheme, bytes: number): RequestSet {
  const isCloudEvent = scheme === 'bread' || scheme === 'cloudevents-hmac'
  const body = isCloudEvent ? cloudEventData(bytes) : typedBody(bytes)
  const invalidBody = isCloudEvent ? cloudEventData(bytes, false) : typedBody(bytes, false)
  return {
    genuine: signed(scheme, body, 'right'),
    forged: signed(scheme, body, 'wrong'),
    invalid: signed(scheme, invalidBody, 'right')
  }
}
