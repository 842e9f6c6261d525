import { createHmac } from 'node:crypto'
import { refusal, type HookgateError } from '../core/errors.js'
import type { Envelope, InboundRequest, Provider, SenderReply, WebhookEvent } from '../core/types.js'
import { toleranceOption } from '../verify/timestamp.js'
import { bodyDigest, isObject, keyText } from '../envelopes/fields.js'
import { hmacPreset } from './hmac-preset.js'
import { onlyKnownOptions } from './known-options.js'

/**
 * A Zoom event (`meeting.started`, `recording.completed`, …): `data` is its `payload`. Zoom gives
 * events no id: `id` is the SHA-256 of the signed body, the same for a redelivery of the same bytes.
 */
export interface ZoomEvent<TData = unknown> extends WebhookEvent<TData> {
  /** When it happened, in Unix seconds (`event_ts`, milliseconds in the body). */
  readonly createdAt: number | undefined
}

export interface ZoomOptions {
  /** The app's Secret Token (Zoom has one per app); it also answers Zoom's URL validation. */
  secret: string | Uint8Array
  /** Largest distance of `x-zm-request-timestamp` from now, in seconds. @default 300 */
  tolerance?: number
}

const MAX_TOKEN = 256

/**
 * Zoom: `x-zm-signature: v0=<hex>`, HMAC-SHA256 of `v0:<x-zm-request-timestamp>:<raw body>` with the
 * app's Secret Token; the timestamp within 300 s. The signed `endpoint.url_validation` request is
 * answered `{ plainToken, encryptedToken }` (the token's HMAC-SHA256 with the secret, hex), without
 * a handler.
 */
export function zoom (options: ZoomOptions): Provider<ZoomEvent> {
  if (options === null || typeof options !== 'object') throw new TypeError('zoom() needs { secret }')
  onlyKnownOptions(options, 'zoom()', ['secret', 'tolerance'])
  const secret = options.secret
  if (!(typeof secret === 'string' && secret !== '') && !(secret instanceof Uint8Array && secret.byteLength > 0)) {
    throw new TypeError('zoom(): "secret" must be the app\'s Secret Token (a string or bytes): it also answers Zoom\'s URL validation')
  }
  const envelope: Envelope<ZoomEvent> = {
    accepts: (mediaType) => mediaType === 'application/json',
    open (payload: unknown, request: InboundRequest): readonly ZoomEvent[] | HookgateError | SenderReply {
      const name = isObject(payload) ? keyText(payload.event) : undefined
      if (name === undefined) return refusal('HOOKGATE_ENVELOPE_INVALID', { reason: 'a Zoom delivery is an object with an event name' })
      const body = payload as Readonly<Record<string, unknown>>
      if (name === 'endpoint.url_validation') {
        const plainToken = isObject(body.payload) ? body.payload.plainToken : undefined
        if (typeof plainToken !== 'string' || plainToken === '' || plainToken.length > MAX_TOKEN) return refusal('HOOKGATE_ENVELOPE_INVALID', { reason: 'a URL validation without a plainToken' })
        return { reply: { status: 200, body: { plainToken, encryptedToken: createHmac('sha256', secret).update(plainToken).digest('hex') } } }
      }
      const ts = body.event_ts
      return [{
        id: bodyDigest(request),
        type: name,
        data: body.payload ?? {},
        createdAt: Number.isSafeInteger(ts) ? Math.floor((ts as number) / 1000) : undefined
      }]
    }
  }
  return hmacPreset('zoom', { secret }, {
    header: 'x-zm-signature',
    format: { kind: 'single', prefix: 'v0=' },
    signedContent: 'v0:{timestamp}:{body}',
    timestamp: { header: 'x-zm-request-timestamp', unit: 's', tolerance: toleranceOption(options.tolerance, 300, 'tolerance') }
  }, envelope, { call: 'zoom()' })
}
