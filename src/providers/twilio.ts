import { Buffer } from 'node:buffer'
import { createHmac, timingSafeEqual } from 'node:crypto'
import { refusal, type HookgateError } from '../core/errors.js'
import { parseForm, type FormParams } from '../core/form.js'
import type { EventsEnvelope, InboundRequest, Provider, SenderReply, Verifier, VerifyResult, WebhookEvent } from '../core/types.js'
import { digestId } from '../envelopes/fields.js'
import { secretProvider, withKeys, type SecretSource } from '../verify/secrets.js'
import { onlyKnownOptions } from './known-options.js'

/**
 * A Twilio webhook: `type` is `message.<MessageStatus>` (`message.delivered`; an incoming message is
 * `message.received`) or `call.<CallStatus>` (an incoming call is `call.ringing`), `data` the posted
 * parameters. `id` is the SHA-256 of what Twilio signed, the URL and the sorted parameters
 * (`sha256:<hex>`): the same for Twilio's retries of a request, different for each request that
 * differs in what is signed.
 */
export type TwilioEvent = WebhookEvent<FormParams>

export interface TwilioOptions {
  /** The account's Auth Token (several during a rotation, or a function). */
  authToken: SecretSource
  /**
   * The URL Twilio calls, as configured in Twilio: Twilio signs it. A string is the public origin
   * (`https://hooks.example.com`), put before the request's own path and query; a function maps the
   * URL the adapter reconstructs (from the framework's trusted proxy settings) to the public one.
   * @default the URL the adapter reconstructs (docs/proxies.md)
   */
  publicUrl?: string | ((requestUrl: string) => string)
}

const BASE64_HMAC_SHA1 = /^[A-Za-z0-9+/]{27}=$/

function first (value: string | readonly string[] | undefined): string | undefined {
  return typeof value === 'string' ? value : value?.[0]
}

/** What Twilio signs after the URL: every parameter name followed by its value, by name, repeated values sorted. */
function signedParams (params: FormParams): string {
  let out = ''
  for (const name of Object.keys(params).sort()) {
    const value = params[name] as string | readonly string[]
    for (const one of typeof value === 'string' ? [value] : [...value].sort()) out += name + one
  }
  return out
}

function publicUrlOf (option: TwilioOptions['publicUrl']): (request: InboundRequest) => string | undefined {
  if (option === undefined) return (request) => request.url
  if (typeof option === 'function') return (request) => request.url === undefined ? undefined : option(request.url)
  const origin = option.replace(/\/+$/, '')
  return (request) => {
    if (request.url === undefined) return undefined
    const afterHost = request.url.indexOf('/', request.url.indexOf('//') + 2)
    return origin + (afterHost === -1 ? '/' : request.url.slice(afterHost))
  }
}

/** What the verifier hands the envelope: the parameters, and the text their signature covers. */
interface SignedForm {
  readonly params: FormParams
  /** The public URL followed by the sorted parameters, as Twilio signed them. */
  readonly signed: string
}

function twilioVerifier (options: TwilioOptions): Verifier {
  const tokens = secretProvider(options.authToken, 'authToken')
  const urlOf = publicUrlOf(options.publicUrl)
  function check (keys: readonly Buffer[], data: string, mac: Buffer, parsed: FormParams): VerifyResult {
    for (const key of keys) {
      if (timingSafeEqual(createHmac('sha1', key).update(data).digest(), mac)) return { parsed: { params: parsed, signed: data } satisfies SignedForm }
    }
    return refusal('HOOKGATE_SIGNATURE_INVALID', { reason: 'no auth token produces this signature for this URL' })
  }
  return {
    name: 'twilio',
    headers: ['x-twilio-signature'],
    verify (request: InboundRequest): VerifyResult | Promise<VerifyResult> {
      const signature = request.header('x-twilio-signature')
      if (signature === undefined || signature === '') return refusal('HOOKGATE_SIGNATURE_MISSING', { reason: 'no x-twilio-signature header' })
      if (!BASE64_HMAC_SHA1.test(signature)) return refusal('HOOKGATE_SIGNATURE_INVALID', { reason: 'x-twilio-signature is malformed' })
      const url = urlOf(request)
      if (url === undefined) return refusal('HOOKGATE_SIGNATURE_INVALID', { reason: 'the request URL is unknown: set "publicUrl"' })
      // The form is read to find what was signed (prototype-free, bounded); nothing in it is trusted
      // before the MAC matches, and the receiver gets it without reading the body again.
      const parsed = parseForm(request.body)
      if (parsed === undefined) return refusal('HOOKGATE_SIGNATURE_INVALID', { reason: 'too many form parameters' })
      const data = url + signedParams(parsed)
      const mac = Buffer.from(signature, 'base64')
      // The last character carries two unused bits: only the spelling that encodes back is Twilio's.
      if (mac.toString('base64') !== signature) return refusal('HOOKGATE_SIGNATURE_INVALID', { reason: 'x-twilio-signature is not canonical base64' })
      return withKeys(tokens, 'authToken', (keys) => check(keys, data, mac, parsed))
    }
  }
}

/**
 * Reads what the verifier verified (a `SignedForm`): the form was parsed, and its signed text built, once.
 * An event's id is the SHA-256 of exactly what Twilio signed, the public URL and the sorted parameters.
 * Not `I-Twilio-Idempotency-Token`, which is not signed (a replay under a new token would run again,
 * and Twilio signs no time); not the raw body, which can be re-encoded (reordered, `%20` for `+`)
 * without changing the signature; not the SID and status, which a call's successive `<Gather>`
 * actions share. A retry signs the same, so it has the same id.
 */
function twilioEnvelope (): EventsEnvelope<TwilioEvent> {
  return {
    accepts: (mediaType) => mediaType === 'application/x-www-form-urlencoded',
    open (payload: unknown): readonly TwilioEvent[] | HookgateError {
      const { params, signed } = payload as SignedForm
      const messageStatus = first(params.MessageStatus) ?? first(params.SmsStatus)
      const callStatus = first(params.CallStatus)
      const sid = first(params.MessageSid) ?? first(params.SmsSid) ?? first(params.CallSid)
      const status = messageStatus ?? callStatus
      if (sid === undefined || status === undefined || sid.length > 64 || status.length > 64) {
        return refusal('HOOKGATE_ENVELOPE_INVALID', { reason: 'not a Twilio webhook (no MessageSid/CallSid with its status)' })
      }
      return [{ id: digestId(signed), type: `${messageStatus !== undefined ? 'message' : 'call'}.${status}`, data: params }]
    }
  }
}

const EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response/>'
const TWIML_HEADERS = Object.freeze({ 'content-type': 'text/xml; charset=utf-8' })

/**
 * Every Twilio webhook either reads TwiML from the reply (an incoming message or call, a `<Gather>`'s
 * action) or ignores the body (status callbacks): the handler's TwiML, as a string or as twilio's
 * `MessagingResponse`/`VoiceResponse` (anything whose own `toString()` writes it), else an empty
 * `<Response/>`: no message is sent, and a call ends.
 */
function twimlReply (_event: TwilioEvent, value: unknown): SenderReply | HookgateError {
  if (value === undefined || value === null) return { reply: { status: 200, body: EMPTY_TWIML, headers: TWIML_HEADERS } }
  const text = typeof value === 'string' ? value : typeof value === 'object' && !Array.isArray(value) && value.toString !== Object.prototype.toString ? String(value) : undefined
  if (text === undefined || !text.trimStart().startsWith('<')) return refusal('HOOKGATE_REPLY_INVALID', { reason: 'a Twilio handler returns TwiML: a string, or a MessagingResponse or VoiceResponse' })
  return { reply: { status: 200, body: text, headers: TWIML_HEADERS } }
}

/**
 * Twilio's webhooks (incoming messages and calls, status callbacks): `X-Twilio-Signature`, base64
 * HMAC-SHA1 with the Auth Token of the URL Twilio called (exactly as configured, query included)
 * followed by every posted parameter, name then value, sorted by name; the body is a form (Twilio's
 * JSON-bodied webhooks, signed through a `bodySHA256` query parameter, are not read). Twilio signs no
 * time: a replay is refused by de-duplication. The reply is TwiML: what the handler returns (a
 * string, or twilio's `MessagingResponse`/`VoiceResponse`), else an empty `<Response/>`.
 */
export function twilio (options: TwilioOptions): Provider<TwilioEvent> {
  if (options === null || typeof options !== 'object') throw new TypeError('twilio() needs { authToken }')
  onlyKnownOptions(options, 'twilio()', ['authToken', 'publicUrl'])
  if (options.authToken === undefined) throw new TypeError('twilio(): "authToken" is required')
  const { publicUrl } = options
  if (publicUrl !== undefined && typeof publicUrl !== 'function' && (typeof publicUrl !== 'string' || !/^https?:\/\/[^/\s]+\/?$/.test(publicUrl))) {
    throw new TypeError('twilio(): "publicUrl" must be an absolute origin such as "https://hooks.example.com", or a function of the request URL')
  }
  return Object.freeze({ name: 'twilio', verifiers: Object.freeze([twilioVerifier(options)]), envelope: twilioEnvelope(), reply: twimlReply })
}
