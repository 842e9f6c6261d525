import { Buffer } from 'node:buffer'
import { refusal, type HookgateError } from '../core/errors.js'
import type { FormParams } from '../core/form.js'
import { parseJson } from '../core/json.js'
import type { Envelope, InboundRequest, Provider, SenderReply } from '../core/types.js'
import { digestId, isObject, keyText } from '../envelopes/fields.js'
import { jsonTypeEnvelope, type JsonTypeEvent } from '../envelopes/json-type.js'
import { toleranceOption } from '../verify/timestamp.js'
import { hmacPreset, type SecretOptions } from './hmac-preset.js'

/**
 * What Slack posts: an Events API callback (`data` the inner `event`, `type` its type such as
 * `app_mention`, `id` the `event_id`); a slash command (`kind: 'command'`, `type` the command as
 * typed, `/weather`, `data` the posted parameters: `text`, `user_id`, `response_url`, …); or an
 * interaction (`kind: 'interaction'`, `type` the payload's type and the `action_id` or `callback_id`
 * it concerns, `block_actions.approve` or `view_submission.new_ticket`, `data` the whole payload).
 * A command or an interaction is identified by its `trigger_id` (an interaction without one by the
 * SHA-256 of its signed timestamp and body).
 */
export type SlackEvent<TData = unknown> = JsonTypeEvent<TData> & {
  /** Set for a slash command or an interaction, whose handler may return Slack's reply; absent for an Events API callback. */
  readonly kind?: 'command' | 'interaction'
}

/**
 * What a handler for a slash command or an interaction may return, sent to Slack as the reply within
 * its 3 s: a message (`{ text, blocks, response_type }`), a `response_action` for a modal, `options`
 * for a `block_suggestion`; or text for a command. Returning nothing acknowledges with an empty 200.
 */
export type SlackReply = object | string | undefined

const FORM = 'application/x-www-form-urlencoded'
const TEXT_HEADERS = Object.freeze({ 'content-type': 'text/plain; charset=utf-8' })

function invalid (reason: string, eventId?: string): HookgateError {
  return refusal('HOOKGATE_ENVELOPE_INVALID', eventId === undefined ? { reason } : { reason, eventId })
}

function text (params: FormParams, name: string): string | undefined {
  const value = params[name]
  return typeof value === 'string' ? value : undefined
}

/** The action or callback an interaction concerns, for its type: `block_actions.approve`. */
function interactionTarget (payload: Readonly<Record<string, unknown>>): unknown {
  const actions = payload.actions
  // Legacy attachments' actions have a `name`, not an `action_id`: their message's `callback_id` names them.
  if (Array.isArray(actions) && isObject(actions[0]) && actions[0].action_id !== undefined) return actions[0].action_id
  if (payload.action_id !== undefined) return payload.action_id
  if (isObject(payload.view) && payload.view.callback_id !== undefined) return payload.view.callback_id
  return payload.callback_id
}

/**
 * The id of an interaction without a `trigger_id` (`block_suggestion`, for one): the SHA-256 of
 * what Slack signed, its timestamp with the body, so typing the same text again later is a new event
 * while a replay of the same request is a duplicate.
 */
function signedDigest (request: InboundRequest): string {
  return digestId(`v0:${request.header('x-slack-request-timestamp') ?? ''}:`, request.body)
}

/** A slash command (`command=/weather&text=…`) or an interaction (`payload=<JSON>`), verified and read as a form. */
function formEvent (params: FormParams, request: InboundRequest): readonly SlackEvent[] | HookgateError {
  const command = text(params, 'command')
  const payloadText = text(params, 'payload')
  if (command !== undefined && payloadText !== undefined) return invalid('a Slack form carries a "command" or a "payload", not both')
  if (command !== undefined) {
    const type = keyText(command)
    if (type === undefined || !type.startsWith('/')) return invalid('a slash command is named "/…"')
    const id = keyText(text(params, 'trigger_id')) ?? signedDigest(request)
    return [{ id, type, data: params, payload: params, createdAt: undefined, kind: 'command' }]
  }
  if (payloadText === undefined) return invalid('a Slack form carries a "command" or a "payload"')
  const json = parseJson(Buffer.from(payloadText, 'utf8'))
  if (!json.ok || !isObject(json.value)) return invalid('an interaction\'s "payload" is a JSON object')
  const payload = json.value
  const kind = keyText(payload.type)
  if (kind === undefined) return invalid('an interaction has a type')
  const target = keyText(interactionTarget(payload))
  const type = keyText(target === undefined ? kind : `${kind}.${target}`)
  const id = keyText(payload.trigger_id) ?? signedDigest(request)
  if (type === undefined) return invalid('an interaction\'s type and target are longer than 256 characters', id)
  return [{ id, type, data: payload, payload, createdAt: undefined, kind: 'interaction' }]
}

/**
 * Slack's SSL check for slash commands: an unsigned `ssl_check=1` form, answered 200 and never read
 * further (as Bolt does). A request carrying a signature is verified as any other.
 */
function sslCheck (request: InboundRequest): SenderReply | undefined {
  if (request.body.length > 512 || request.header('x-slack-signature') !== undefined) return undefined
  if (request.header('content-type')?.toLowerCase().startsWith(FORM) !== true) return undefined
  return new URLSearchParams(request.body.toString('latin1')).get('ssl_check') === '1' ? { reply: { status: 200, body: '' } } : undefined
}

/**
 * Slack's reply to a command or an interaction: the handler's object as JSON, a command's text as
 * text, nothing as an empty 200. Events API callbacks keep hookgate's answer.
 */
function slackReply (event: SlackEvent, value: unknown): SenderReply | HookgateError | undefined {
  if (event.kind === undefined) return undefined
  if (value === undefined || value === null) return { reply: { status: 200, body: '' } }
  if (typeof value === 'string' && event.kind === 'command') return { reply: { status: 200, body: value, headers: TEXT_HEADERS } }
  if (isObject(value)) return { reply: { status: 200, body: value } }
  return refusal('HOOKGATE_REPLY_INVALID', { eventId: event.id, reason: `a Slack ${event.kind} handler returns an object (or a command's text), not ${Array.isArray(value) ? 'an array' : typeof value}` })
}

/**
 * Slack: `X-Slack-Signature: v0=<hex>`, HMAC-SHA256 of `v0:<X-Slack-Request-Timestamp>:<body>` with
 * the app's signing secret; the timestamp within 300 s. One endpoint may take all three of Slack's
 * request URLs: Events API callbacks (JSON; the `url_verification` request Slack signs when the URL is
 * saved is answered `{ challenge }` and reaches no handler), slash commands and interactivity (forms,
 * verified over their raw bytes before they are read). A command's or an interaction's handler
 * returns Slack's reply (`SlackReply`); in queue mode, or without a handler, Slack gets an empty 200
 * and the work answers later through `response_url`. Slack's unsigned `ssl_check=1` is answered 200
 * and dispatches nothing.
 */
export function slack (options: SecretOptions & { tolerance?: number }): Provider<SlackEvent> {
  const callbacks = jsonTypeEnvelope({ id: { path: 'event_id' }, type: { path: 'event.type' }, data: { path: 'event' }, createdAt: ['event_time'] })
  const envelope: Envelope<SlackEvent> = {
    accepts: (mediaType) => mediaType === FORM || callbacks.accepts(mediaType),
    open (payload: unknown, request: InboundRequest) {
      // A form's parameters come in an object with no prototype; JSON.parse never makes one.
      if (payload !== null && typeof payload === 'object' && Object.getPrototypeOf(payload) === null) return formEvent(payload as FormParams, request)
      const challenge = isObject(payload) && payload.type === 'url_verification' ? payload.challenge : undefined
      if (typeof challenge === 'string' && challenge !== '' && challenge.length <= 1024) return { reply: { status: 200, body: { challenge } } }
      return callbacks.open(payload, request)
    }
  }
  const provider = hmacPreset('slack', options, {
    header: 'x-slack-signature',
    format: { kind: 'single', prefix: 'v0=' },
    signedContent: 'v0:{timestamp}:{body}',
    timestamp: { header: 'x-slack-request-timestamp', unit: 's', tolerance: toleranceOption(options?.tolerance, 300, 'tolerance') }
  }, envelope, { options: ['tolerance'] })
  return Object.freeze({ ...provider, reply: slackReply, unsignedCheck: sslCheck, acknowledgesLateHandlers: true })
}
