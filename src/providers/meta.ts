import { createHash, timingSafeEqual } from 'node:crypto'
import { refusal, type HookgateError } from '../core/errors.js'
import type { EventsEnvelope, GetVerification, InboundRequest, Provider, WebhookEvent } from '../core/types.js'
import { hmacVerifier } from '../verify/hmac.js'
import { secretProvider, type SecretSource } from '../verify/secrets.js'
import { bodyDigest, isObject } from '../envelopes/fields.js'
import { onlyKnownOptions } from './known-options.js'

/**
 * One change of a Meta delivery (WhatsApp, Instagram, a Page): `type` is `<object>.<field>`
 * (`whatsapp_business_account.messages`), or `<object>.messaging` for Messenger; `data` the change's
 * `value` (or the messaging item). Meta gives changes no id: `id` is the body's SHA-256 and the
 * change's place in it, the same for a redelivery of the same bytes.
 */
export interface MetaEvent<TData = unknown> extends WebhookEvent<TData> {
  /** The object the entry is about (`entry[].id`: the business account, page or user). */
  readonly entryId: string | undefined
  /** When Meta recorded the entry, in Unix seconds (`entry[].time`), if present. */
  readonly createdAt: number | undefined
}

export interface MetaOptions {
  /** The app secret (several during a rotation, or a function). */
  appSecret: SecretSource
  /** The verify token you typed in the app's webhook settings: it answers Meta's `GET` verification. */
  verifyToken: string
}

const MAX_EVENTS = 10_000

function sameText (a: string, b: string): boolean {
  const left = createHash('sha256').update(a).digest()
  const right = createHash('sha256').update(b).digest()
  return timingSafeEqual(left, right)
}

function metaEnvelope (): EventsEnvelope<MetaEvent> {
  return {
    accepts: (mediaType) => mediaType === 'application/json',
    open (payload: unknown, request: InboundRequest): readonly MetaEvent[] | HookgateError {
      if (!isObject(payload) || typeof payload.object !== 'string' || payload.object === '' || payload.object.length > 128 || !Array.isArray(payload.entry)) {
        return refusal('HOOKGATE_ENVELOPE_INVALID', { reason: 'a Meta delivery is { object, entry: [...] }' })
      }
      const body = bodyDigest(request)
      const events: MetaEvent[] = []
      for (let e = 0; e < payload.entry.length; e++) {
        const entry: unknown = payload.entry[e]
        if (!isObject(entry)) return refusal('HOOKGATE_ENVELOPE_INVALID', { reason: 'every entry must be an object' })
        const entryId = typeof entry.id === 'string' ? entry.id : undefined
        const createdAt = Number.isSafeInteger(entry.time) ? (entry.time as number) > 1e11 ? Math.floor((entry.time as number) / 1000) : entry.time as number : undefined
        const changes = Array.isArray(entry.changes) ? entry.changes : []
        for (let c = 0; c < changes.length; c++) {
          const change: unknown = changes[c]
          if (!isObject(change) || typeof change.field !== 'string' || change.field === '' || change.field.length > 128) return refusal('HOOKGATE_ENVELOPE_INVALID', { reason: 'every change needs a field' })
          events.push({ id: `${body}:${e}:${c}`, type: `${payload.object}.${change.field}`, data: change.value ?? {}, entryId, createdAt })
        }
        const messaging = Array.isArray(entry.messaging) ? entry.messaging : []
        for (let m = 0; m < messaging.length; m++) {
          events.push({ id: `${body}:${e}:m${m}`, type: `${payload.object}.messaging`, data: messaging[m], entryId, createdAt })
        }
        if (events.length > MAX_EVENTS) return refusal('HOOKGATE_ENVELOPE_INVALID', { reason: `more than ${MAX_EVENTS} changes in one delivery` })
      }
      if (events.length === 0) return refusal('HOOKGATE_ENVELOPE_INVALID', { reason: 'no change or messaging item in the delivery' })
      return events
    }
  }
}

/**
 * Meta (WhatsApp Cloud API, Messenger, Instagram, Pages): deliveries carry
 * `X-Hub-Signature-256: sha256=<hex>`, HMAC-SHA256 of the raw body with the app secret; every change
 * of every entry is an event. Meta's subscription check, `GET ?hub.mode=subscribe&hub.verify_token=…
 * &hub.challenge=…`, is answered with the challenge when the token is yours (compared in constant
 * time), 403 otherwise, and reaches no handler.
 */
export function meta (options: MetaOptions): Provider<MetaEvent> {
  if (options === null || typeof options !== 'object') throw new TypeError('meta() needs { appSecret, verifyToken }')
  onlyKnownOptions(options, 'meta()', ['appSecret', 'verifyToken'])
  if (options.appSecret === undefined) throw new TypeError('meta(): "appSecret" is required')
  const { verifyToken } = options
  if (typeof verifyToken !== 'string' || verifyToken === '') throw new TypeError('meta(): "verifyToken" must be the non-empty token set in the app\'s webhook settings')
  return Object.freeze({
    name: 'meta',
    verifiers: Object.freeze([hmacVerifier({ header: 'x-hub-signature-256', prefix: 'sha256=', secrets: secretProvider(options.appSecret, 'appSecret') as SecretSource })]),
    envelope: metaEnvelope(),
    verifyByGet (query: URLSearchParams): GetVerification {
      const challenge = query.get('hub.challenge')
      const token = query.get('hub.verify_token')
      if (query.get('hub.mode') !== 'subscribe' || token === null || challenge === null || challenge === '' || challenge.length > 256) return { status: 400, text: '' }
      return sameText(token, verifyToken) ? { status: 200, text: challenge } : { status: 403, text: '' }
    }
  })
}
