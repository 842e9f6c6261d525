import { randomUUID } from 'node:crypto'
import type { Secret } from '../verify/secrets.js'
import { bodyBytes, hmacOf, signingKey, unixSeconds, type TestBody } from './body.js'
import type { SenderHeaders } from './senders.js'

/** What Paddle sends: `Paddle-Signature: ts=<unix>;h1=<hex HMAC-SHA256 of "<ts>:<body>">`. */
export function signPaddle (body: TestBody, secret: Secret, options: { timestamp?: number } = {}): SenderHeaders {
  const ts = unixSeconds(options.timestamp, 'signPaddle()')
  return { 'content-type': 'application/json', 'paddle-signature': `ts=${ts};h1=${hmacOf('sha256', signingKey(secret, 'signPaddle()'), `${ts}:`, bodyBytes(body)).toString('hex')}` }
}

/** What Intercom sends: `X-Hub-Signature: sha1=<hex HMAC-SHA1 of the body>`. */
export function signIntercom (body: TestBody, secret: Secret): SenderHeaders {
  return { 'content-type': 'application/json', 'x-hub-signature': `sha1=${hmacOf('sha1', signingKey(secret, 'signIntercom()'), bodyBytes(body)).toString('hex')}` }
}

/** What Linear sends: `Linear-Signature: <hex HMAC-SHA256 of the body>` and `Linear-Delivery`. */
export function signLinear (body: TestBody, secret: Secret, options: { delivery?: string } = {}): SenderHeaders {
  return { 'content-type': 'application/json', 'linear-signature': hmacOf('sha256', signingKey(secret, 'signLinear()'), bodyBytes(body)).toString('hex'), 'linear-delivery': options.delivery ?? randomUUID() }
}

/** What Twitch EventSub sends for a notification: message id, RFC 3339 timestamp, type, `sha256=` signature. */
export function signTwitch (body: TestBody, secret: Secret, options: { id?: string, timestamp?: Date, type?: string } = {}): SenderHeaders {
  const id = options.id ?? randomUUID()
  const ts = (options.timestamp ?? new Date()).toISOString()
  return {
    'content-type': 'application/json',
    'twitch-eventsub-message-id': id,
    'twitch-eventsub-message-timestamp': ts,
    'twitch-eventsub-message-type': options.type ?? 'notification',
    'twitch-eventsub-message-signature': `sha256=${hmacOf('sha256', signingKey(secret, 'signTwitch()'), id, ts, bodyBytes(body)).toString('hex')}`
  }
}

/** What Square sends: `X-Square-HmacSha256-Signature`, base64 HMAC-SHA256 of the notification URL and the body. */
export function signSquare (body: TestBody, secret: Secret, notificationUrl: string): SenderHeaders {
  return { 'content-type': 'application/json', 'x-square-hmacsha256-signature': hmacOf('sha256', signingKey(secret, 'signSquare()'), notificationUrl, bodyBytes(body)).toString('base64') }
}

/** What HubSpot sends (v3): base64 HMAC-SHA256 of `POST`, the URL, the body and the timestamp in ms. */
export function signHubSpot (body: TestBody, secret: Secret, url: string, options: { timestamp?: number } = {}): SenderHeaders {
  const ts = String(options.timestamp ?? Date.now())
  return { 'content-type': 'application/json', 'x-hubspot-request-timestamp': ts, 'x-hubspot-signature-v3': hmacOf('sha256', signingKey(secret, 'signHubSpot()'), 'POST', url, bodyBytes(body), ts).toString('base64') }
}

/** What Zoom sends: `x-zm-signature: v0=<hex HMAC-SHA256 of "v0:<ts>:<body>">` and `x-zm-request-timestamp`. */
export function signZoom (body: TestBody, secret: Secret, options: { timestamp?: number } = {}): SenderHeaders {
  const ts = unixSeconds(options.timestamp, 'signZoom()')
  return { 'content-type': 'application/json', 'x-zm-request-timestamp': ts, 'x-zm-signature': `v0=${hmacOf('sha256', signingKey(secret, 'signZoom()'), `v0:${ts}:`, bodyBytes(body)).toString('hex')}` }
}

/** What Meta sends: `X-Hub-Signature-256: sha256=<hex HMAC-SHA256 of the body with the app secret>`. */
export function signMeta (body: TestBody, appSecret: Secret): SenderHeaders {
  return { 'content-type': 'application/json', 'x-hub-signature-256': `sha256=${hmacOf('sha256', signingKey(appSecret, 'signMeta()'), bodyBytes(body)).toString('hex')}` }
}

/**
 * What Twilio sends with a form body: `X-Twilio-Signature`, base64 HMAC-SHA1 of the URL it calls
 * followed by every parameter's name and value, sorted by name. Post `new URLSearchParams(params)`.
 */
export function signTwilio (params: Readonly<Record<string, string>>, authToken: Secret, url: string): SenderHeaders {
  const signed = Object.keys(params).sort().map((name) => `${name}${params[name] ?? ''}`).join('')
  return { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': hmacOf('sha1', signingKey(authToken, 'signTwilio()'), url, signed).toString('base64') }
}

/**
 * A Mailgun body: Mailgun signs inside it, so the signer builds the body around `eventData`, with
 * `signature.{timestamp, token, signature}` (HMAC-SHA256 of timestamp and token with the signing key).
 */
export function mailgunBody (eventData: Readonly<Record<string, unknown>>, signingKeyText: Secret, options: { timestamp?: number, token?: string } = {}): string {
  const timestamp = unixSeconds(options.timestamp, 'mailgunBody()')
  const token = options.token ?? randomUUID().replaceAll('-', '')
  const signature = hmacOf('sha256', signingKey(signingKeyText, 'mailgunBody()'), timestamp, token).toString('hex')
  return JSON.stringify({ signature: { timestamp, token, signature }, 'event-data': eventData })
}
