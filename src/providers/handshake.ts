import type { InboundRequest, Provider, SenderReply, WebhookEvent } from '../core/types.js'

/**
 * The provider with a handshake in front of its envelope: `respond` looks at each verified body first
 * and returns the sender's expected answer (Slack's challenge, Twitch's) or `undefined` for an event.
 */
export function withHandshake<E extends WebhookEvent> (provider: Provider<E>, respond: (payload: unknown, request: InboundRequest) => SenderReply | undefined): Provider<E> {
  const events = provider.envelope
  return Object.freeze({
    ...provider,
    envelope: { ...events, open: (payload: unknown, request: InboundRequest) => respond(payload, request) ?? events.open(payload, request) }
  })
}
