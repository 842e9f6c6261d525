import { createPrivateKey, sign, type KeyObject } from 'node:crypto'
import { bodyBytes, unixSeconds, type TestBody } from './body.js'
import type { SenderHeaders } from './senders.js'

function privateKeyOf (key: unknown, signer: string): KeyObject {
  if (typeof key === 'object' && key !== null && (key as KeyObject).type === 'private') return key as KeyObject
  if (typeof key === 'string' && key.includes('PRIVATE KEY')) return createPrivateKey(key)
  throw new TypeError(`${signer}: "privateKey" must be a private KeyObject or PEM (generateKeyPairSync() makes a test pair)`)
}

/**
 * What Discord sends: `X-Signature-Ed25519`, the hex Ed25519 signature of `X-Signature-Timestamp`
 * followed by the body, made with the application's private key (a test pair:
 * `generateKeyPairSync('ed25519')`; give hookgate its public key).
 */
export function signDiscord (body: TestBody, privateKey: KeyObject | string, options: { timestamp?: number } = {}): SenderHeaders {
  const key = privateKeyOf(privateKey, 'signDiscord()')
  if (key.asymmetricKeyType !== 'ed25519') throw new TypeError('signDiscord(): "privateKey" must be an Ed25519 key')
  const timestamp = unixSeconds(options.timestamp, 'signDiscord()')
  const signature = sign(null, Buffer.concat([Buffer.from(timestamp), bodyBytes(body)]), key).toString('hex')
  return { 'content-type': 'application/json', 'x-signature-ed25519': signature, 'x-signature-timestamp': timestamp }
}

/**
 * What SendGrid's signed Event Webhook sends: `X-Twilio-Email-Event-Webhook-Signature`, base64 of the
 * ECDSA P-256 / SHA-256 signature (DER) of `X-Twilio-Email-Event-Webhook-Timestamp` followed by the
 * body (a test pair: `generateKeyPairSync('ec', { namedCurve: 'prime256v1' })`).
 */
export function signSendGrid (body: TestBody, privateKey: KeyObject | string, options: { timestamp?: number } = {}): SenderHeaders {
  const key = privateKeyOf(privateKey, 'signSendGrid()')
  if (key.asymmetricKeyType !== 'ec' || key.asymmetricKeyDetails?.namedCurve !== 'prime256v1') throw new TypeError('signSendGrid(): "privateKey" must be a P-256 key')
  const timestamp = unixSeconds(options.timestamp, 'signSendGrid()')
  const signature = sign('sha256', Buffer.concat([Buffer.from(timestamp), bodyBytes(body)]), key).toString('base64')
  return { 'content-type': 'application/json', 'x-twilio-email-event-webhook-signature': signature, 'x-twilio-email-event-webhook-timestamp': timestamp }
}
