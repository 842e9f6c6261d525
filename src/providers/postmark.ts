import { refusal, type HookgateError } from '../core/errors.js'
import type { EventsEnvelope, InboundRequest, Provider, WebhookEvent } from '../core/types.js'
import { basicAuthVerifier, type BasicCredentials } from '../verify/basic-auth.js'
import { bodyDigest, isObject, keyText } from '../envelopes/fields.js'
import { onlyKnownOptions } from './known-options.js'

/**
 * A Postmark webhook (`Bounce`, `Delivery`, `Open`, `Click`, `SpamComplaint`, `SubscriptionChange`):
 * `type` is its `RecordType`, `data` the whole body. Postmark gives no id unique to a delivery (two
 * opens share a `MessageID`): `id` is the SHA-256 of the body.
 */
export type PostmarkEvent<TData = Readonly<Record<string, unknown>>> = WebhookEvent<TData>

export interface PostmarkOptions {
  /** The user and password in the webhook URL's Basic credentials, or several pairs during a rotation. */
  basicAuth: BasicCredentials | readonly BasicCredentials[]
}

/**
 * Postmark: it signs nothing; the webhook URL carries Basic credentials (`https://user:password@…`),
 * checked in constant time. Anyone holding them can post events, and a captured request can be
 * replayed (refused again only by de-duplication on the body's hash): use long random credentials
 * over HTTPS, and treat events as hints to re-read state through Postmark's API where it matters.
 */
export function postmark (options: PostmarkOptions): Provider<PostmarkEvent> {
  if (options === null || typeof options !== 'object') throw new TypeError('postmark() needs { basicAuth }')
  onlyKnownOptions(options, 'postmark()', ['basicAuth'])
  if (options.basicAuth === undefined) throw new TypeError('postmark(): "basicAuth" is required ({ username, password } of the webhook URL)')
  const envelope: EventsEnvelope<PostmarkEvent> = {
    accepts: (mediaType) => mediaType === 'application/json',
    open (payload: unknown, request: InboundRequest): readonly PostmarkEvent[] | HookgateError {
      const type = isObject(payload) ? keyText(payload.RecordType) : undefined
      if (type === undefined) return refusal('HOOKGATE_ENVELOPE_INVALID', { reason: 'a Postmark webhook is an object with a RecordType' })
      return [{ id: bodyDigest(request), type, data: payload as Readonly<Record<string, unknown>> }]
    }
  }
  return Object.freeze({
    name: 'postmark',
    verifiers: Object.freeze([basicAuthVerifier({ credentials: options.basicAuth, realm: 'postmark-webhooks' }, 'basicAuth')]),
    envelope
  })
}
