import diagnostics from 'node:diagnostics_channel'
import type { HookgateError } from './errors.js'
import type { Outcome, WebhookEvent } from './types.js'

/**
 * hookgate's moments on `node:diagnostics_channel`, for APMs and for `hookgate/opentelemetry`: what
 * undici and Fastify publish the same way. Nothing is built or published while no one subscribes.
 * The message shapes are public API (docs/observability.md).
 */

/** One delivery through `receive()`: the `hookgate:receive` tracing channel's context. */
export interface ReceiveMessage {
  readonly endpoint: string
  readonly provider: string
  /**
   * When each stage ended (`performance.now()`): `verified` (signature), `validated` (envelope, routes
   * and schemas), then `queued` in queue mode, or `claimed` once per event claimed.
   */
  readonly stages: Array<{ readonly stage: 'verified' | 'validated' | 'queued' | 'claimed', readonly at: number }>
  /** The outcome, once the delivery was answered (set by the tracing channel before `asyncEnd`). */
  result?: Outcome
  /** An error `receive()` itself rejected with (never for a refusal: those are outcomes). */
  error?: unknown
}

/** One handler run, inline or on a queue worker: the `hookgate:handler` tracing channel's context. */
export interface HandlerMessage {
  readonly endpoint: string
  readonly provider: string
  /** The pattern the handler was declared for (`order.created`, `order.*`, `*`): bounded, unlike event types. */
  readonly pattern: string
  readonly event: WebhookEvent
  /** The delivery that runs it, when inline (queued jobs run apart from their delivery). */
  readonly delivery: ReceiveMessage | undefined
  /** What the handler returned or resolved to. */
  result?: unknown
  /** What it threw or rejected with. */
  error?: unknown
}

/** One refusal or failure, as answered to the sender: the `hookgate:refused` channel's message. */
export interface RefusedMessage {
  readonly endpoint: string
  readonly provider: string
  readonly error: HookgateError
}

export const receiveChannel = diagnostics.tracingChannel<ReceiveMessage, ReceiveMessage>('hookgate:receive')
export const handlerChannel = diagnostics.tracingChannel<HandlerMessage, HandlerMessage>('hookgate:handler')
export const refusedChannel = diagnostics.channel('hookgate:refused')
