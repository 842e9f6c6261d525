import { refusal, type HookgateError } from '../core/errors.js'
import type { Envelope, InboundRequest, Provider, SenderReply, WebhookEvent } from '../core/types.js'
import type { PublicKeyInput } from '../verify/public-key.js'
import { parseRfc3339 } from '../verify/timestamp.js'
import { bodyDigest, isObject, keyText } from '../envelopes/fields.js'
import { publicKeyPreset } from './public-key-preset.js'

/**
 * One Discord webhook event (`APPLICATION_AUTHORIZED`, `ENTITLEMENT_CREATE`, …): `data` is the
 * event's `data`. Discord gives these events no id: `id` is the SHA-256 of the signed body, the same
 * for a redelivery of the same bytes.
 */
export interface DiscordEvent<TData = unknown> extends WebhookEvent<TData> {
  /** The application the event is for (`application_id`). */
  readonly applicationId: string
  /** When the event happened, in Unix seconds (`event.timestamp`). */
  readonly createdAt: number | undefined
}

export interface DiscordOptions {
  /** The application's public key, as the Developer Portal shows it: 64 hex characters (or PEM, a JWK). */
  publicKey: PublicKeyInput | readonly PublicKeyInput[]
  /** Largest distance of `X-Signature-Timestamp` from now, in seconds. @default 300 */
  tolerance?: number
}

/**
 * `{ version, application_id, type, event? }`: type 0 is Discord's PING, answered 204 and never
 * dispatched; type 1 an event, dispatched on `event.type`.
 */
function discordEnvelope (): Envelope<DiscordEvent> {
  return {
    accepts: (mediaType) => mediaType === 'application/json',
    open (payload: unknown, request: InboundRequest): readonly DiscordEvent[] | HookgateError | SenderReply {
      if (!isObject(payload)) return refusal('HOOKGATE_ENVELOPE_INVALID', { reason: 'a Discord delivery is a JSON object' })
      if (payload.type === 0) return { reply: { status: 204 } }
      const event = payload.event
      const applicationId = payload.application_id
      if (payload.type !== 1 || !isObject(event)) return refusal('HOOKGATE_ENVELOPE_INVALID', { reason: 'not a Discord webhook event (type 1 with an event object) nor a PING' })
      const id = bodyDigest(request)
      const type = keyText(event.type)
      if (type === undefined) return refusal('HOOKGATE_ENVELOPE_INVALID', { eventId: id, reason: 'the event type is missing' })
      const ms = typeof event.timestamp === 'string' ? parseRfc3339(event.timestamp) : undefined
      return [{ id, type, data: event.data ?? {}, applicationId: typeof applicationId === 'string' ? applicationId : '', createdAt: ms === undefined ? undefined : Math.floor(ms / 1000) }]
    }
  }
}

/** How Discord signs both its webhook events and its interactions. */
const DISCORD_SIGNATURE = {
  header: 'x-signature-ed25519',
  algorithm: 'ed25519',
  encoding: 'hex',
  signedContent: '{timestamp}{body}',
  timestamp: { header: 'x-signature-timestamp' }
} as const

/**
 * Discord's webhook events (the Developer Portal's "Webhook Events URL"): `X-Signature-Ed25519`, the
 * hex Ed25519 signature of `X-Signature-Timestamp` followed by the raw body, verified with the
 * application's public key; the timestamp within 300 s. Discord's PING (type 0), sent when the URL
 * is saved, is answered 204 once its signature verifies, as Discord requires; a bad signature gets
 * 401, which Discord also probes for.
 */
export function discord (options: DiscordOptions): Provider<DiscordEvent> {
  return publicKeyPreset('discord', options, DISCORD_SIGNATURE, discordEnvelope(), 'the application\'s public key')
}

interface InteractionKind {
  readonly prefix: string
  readonly target: 'name' | 'custom_id'
  /** The response types Discord accepts for it. */
  readonly replies: readonly number[]
  /** What it gets when the handler gives nothing: "thinking…" then a follow-up; an unchanged message; no choices. */
  readonly deferred: Readonly<Record<string, unknown>>
}

/** Discord's interaction types, as the events they become: `command.<name>`, `component.<custom_id>`, … */
const INTERACTIONS: Readonly<Record<number, InteractionKind>> = {
  2: { prefix: 'command', target: 'name', replies: [4, 5, 9, 12], deferred: { type: 5 } },
  3: { prefix: 'component', target: 'custom_id', replies: [4, 5, 6, 7, 9, 12], deferred: { type: 6 } },
  4: { prefix: 'autocomplete', target: 'name', replies: [8], deferred: { type: 8, data: { choices: [] } } },
  5: { prefix: 'modal', target: 'custom_id', replies: [4, 5, 6, 7], deferred: { type: 5 } }
}

/** Context-menu commands (`data.type` 2 and 3) have names of their own, apart from slash commands'. */
const COMMAND_PREFIXES: Readonly<Record<number, string>> = { 2: 'user_command', 3: 'message_command' }

/**
 * A slash command's name with the subcommand group and subcommand it was called with, as Discord
 * nests them in `options` (types 2 and 1): `weather`, `weather.today`, `settings.alerts.add`.
 */
function commandPath (data: Readonly<Record<string, unknown>>, name: string): string {
  let path = name
  let options = data.options
  for (let depth = 0; depth < 2 && Array.isArray(options) && isObject(options[0]) && (options[0].type === 1 || options[0].type === 2); depth++) {
    const sub = keyText(options[0].name)
    if (sub === undefined) break
    path += `.${sub}`
    options = options[0].options
  }
  return path
}

/**
 * One Discord interaction: `type` is `command.<name>` for a slash command (with its subcommand
 * group and subcommand when called with them: `command.settings.alerts.add`), `user_command.<name>` or
 * `message_command.<name>` for a context-menu command, `component.<custom_id>` (a button or select
 * menu), `autocomplete.<name>` (with its subcommands too) or `modal.<custom_id>`;
 * `data` is the interaction's `data` (the command's options, the component's values); `id` the
 * interaction's id. Its handler may return Discord's interaction response (`{ type: 4, data: { content } }`).
 */
export interface DiscordInteraction<TData = unknown> extends WebhookEvent<TData> {
  readonly applicationId: string
  /** The interaction's token, for follow-up messages through Discord's API (valid 15 minutes). */
  readonly token: string
  /** The whole interaction as Discord sent it (`member`, `guild_id`, `channel`, `locale`, …). */
  readonly interaction: Readonly<Record<string, unknown>>
}

/** An interaction response, as Discord reads it: `type` 4 (a message), 5, 6, 7, 8 (choices), 9 (a modal), … */
export interface DiscordInteractionResponse {
  readonly type: number
  readonly data?: object
}

function interactionsEnvelope (): Envelope<DiscordInteraction> {
  return {
    accepts: (mediaType) => mediaType === 'application/json',
    open (payload: unknown): readonly DiscordInteraction[] | HookgateError | SenderReply {
      if (!isObject(payload)) return refusal('HOOKGATE_ENVELOPE_INVALID', { reason: 'a Discord interaction is a JSON object' })
      if (payload.type === 1) return { reply: { status: 200, body: { type: 1 } } }
      const kind = typeof payload.type === 'number' ? INTERACTIONS[payload.type] : undefined
      const id = keyText(payload.id)
      const data = isObject(payload.data) ? payload.data : undefined
      const target = keyText(data?.[kind?.target ?? 'name'])
      if (kind === undefined || id === undefined || data === undefined || target === undefined || typeof payload.token !== 'string') {
        return refusal('HOOKGATE_ENVELOPE_INVALID', { reason: 'not a Discord interaction (an id, a token, and data naming a command or component) nor a PING' })
      }
      const prefix = kind.target === 'name' && typeof data.type === 'number' ? COMMAND_PREFIXES[data.type] ?? kind.prefix : kind.prefix
      const type = keyText(`${prefix}.${kind.target === 'name' ? commandPath(data, target) : target}`)
      if (type === undefined) return refusal('HOOKGATE_ENVELOPE_INVALID', { eventId: id, reason: 'the interaction\'s name is too long' })
      return [{ id, type, data, applicationId: typeof payload.application_id === 'string' ? payload.application_id : '', token: payload.token, interaction: payload }]
    }
  }
}

/** The handler's interaction response, or the deferred one its interaction type allows when it returned nothing. */
function interactionReply (event: DiscordInteraction, value: unknown): SenderReply | HookgateError {
  const kind = INTERACTIONS[event.interaction.type as number] as InteractionKind
  if (value === undefined || value === null) return { reply: { status: 200, body: kind.deferred } }
  if (isObject(value) && kind.replies.includes(value.type as number)) return { reply: { status: 200, body: value } }
  return refusal('HOOKGATE_REPLY_INVALID', { eventId: event.id, reason: `a Discord ${kind.prefix} handler returns an interaction response { type, data? } of type ${kind.replies.join(', ')}` })
}

/**
 * Discord's interactions (the Developer Portal's "Interactions Endpoint URL"): signed as Discord's
 * webhook events are (`X-Signature-Ed25519` over `X-Signature-Timestamp` and the body, the
 * application's public key, 300 s). The PING Discord sends when the URL is saved (type 1) is answered
 * `{"type":1}` once its signature verifies; a bad signature gets 401, which Discord also probes for.
 * The handler's return value is the interaction's response, within Discord's 3 s; when it returns
 * nothing (or in queue mode, or for a duplicate) Discord gets the deferred response (type 5, or 6 for
 * a component, or no autocomplete choices) and the work follows up with the interaction's `token`.
 */
export function discordInteractions (options: DiscordOptions): Provider<DiscordInteraction> {
  const provider = publicKeyPreset('discord-interactions', options, DISCORD_SIGNATURE, interactionsEnvelope(), 'the application\'s public key', 'discordInteractions()')
  return Object.freeze({ ...provider, reply: interactionReply, acknowledgesLateHandlers: true })
}
