import { context, metrics, trace, SpanKind, SpanStatusCode, type Attributes, type Counter, type Histogram, type MeterProvider, type Span, type TracerProvider } from '@opentelemetry/api'
import { handlerChannel, receiveChannel, type HandlerMessage, type ReceiveMessage } from '../core/diagnostics.js'
import type { WebhookEvent } from '../core/types.js'

export interface OpenTelemetryOptions {
  /** Where spans go. @default the global tracer provider (a no-op until an SDK registers one) */
  tracerProvider?: TracerProvider
  /** Where metrics go. @default the global meter provider (a no-op until an SDK registers one) */
  meterProvider?: MeterProvider
  /** Longest attribute value taken from a request (event id, type, source); longer ones are cut. @default 128 */
  maxAttributeLength?: number
}

export interface Instrumentation {
  /** Stops creating spans and recording metrics. */
  disable (): void
}

const NAME = 'hookgate'
/** Where a span and its start time ride along with the channel message they belong to. */
const state = Symbol('hookgate.opentelemetry')
interface Traced { [state]?: { readonly span: Span, readonly started: number } }

/**
 * OpenTelemetry spans and metrics for every hookgate endpoint in this process, from hookgate's
 * diagnostics channels. One `webhook receive` span per delivery (server kind, a child of the active
 * span: the HTTP server span when the app's HTTP is instrumented), one `webhook handler` span per
 * handler run (a child of its delivery's span, or of the active span on a queue worker), with the
 * CloudEvents attributes for the event whatever its sender, the provider, the endpoint and the outcome;
 * error status on 5xx. Metrics: `hookgate.deliveries` (count), `hookgate.receive.duration` and
 * `hookgate.handler.duration` (seconds). Call once at startup, after the SDK.
 */
export function instrumentHookgate (options: OpenTelemetryOptions = {}): Instrumentation {
  const { maxAttributeLength = 128 } = options
  if (!Number.isSafeInteger(maxAttributeLength) || maxAttributeLength < 1) throw new TypeError('instrumentHookgate(): "maxAttributeLength" must be a positive integer')
  const tracer = (options.tracerProvider ?? trace.getTracerProvider()).getTracer(NAME)
  const meter = (options.meterProvider ?? metrics.getMeterProvider()).getMeter(NAME)
  const deliveries: Counter = meter.createCounter('hookgate.deliveries', { description: 'Webhook deliveries answered, by provider, endpoint and outcome' })
  const receiveDuration: Histogram = meter.createHistogram('hookgate.receive.duration', { unit: 's', description: 'Time from a delivery\'s body to its answer' })
  const handlerDuration: Histogram = meter.createHistogram('hookgate.handler.duration', { unit: 's', description: 'Time a handler ran' })
  const cut = (value: string): string => value.length > maxAttributeLength ? value.slice(0, maxAttributeLength) : value

  function eventAttributes (event: WebhookEvent): Attributes {
    const attributes: Attributes = { 'cloudevents.event_id': cut(event.id), 'cloudevents.event_type': cut(event.type) }
    const source = (event as { source?: unknown }).source
    if (typeof source === 'string') attributes['cloudevents.event_source'] = cut(source)
    const specversion = (event as { specversion?: unknown }).specversion
    if (typeof specversion === 'string') attributes['cloudevents.event_spec_version'] = cut(specversion)
    return attributes
  }

  const receive = {
    start (message: ReceiveMessage & Traced) {
      const span = tracer.startSpan('webhook receive', { kind: SpanKind.SERVER, attributes: { 'hookgate.endpoint': message.endpoint, 'hookgate.provider': message.provider } }, context.active())
      message[state] = { span, started: performance.now() }
    },
    asyncEnd (message: ReceiveMessage & Traced) {
      const traced = message[state]
      if (traced === undefined) return
      const { span, started } = traced
      const outcome = message.result
      const status = outcome?.status ?? 500
      const code = outcome?.error?.code ?? (message.error === undefined ? 'ok' : 'HOOKGATE_INTERNAL')
      const attributes: Attributes = { 'hookgate.endpoint': message.endpoint, 'hookgate.provider': message.provider, 'hookgate.outcome': code, 'http.response.status_code': status }
      span.setAttributes({ 'hookgate.outcome': code, 'http.response.status_code': status, 'hookgate.events': outcome?.events.length ?? 0 })
      // The stages as events on the span, at the moment each ended (performance.now(), as OpenTelemetry reads it).
      for (const { stage, at } of message.stages) span.addEvent(stage, undefined, at)
      const [only] = outcome?.events ?? []
      if (only !== undefined && outcome?.events.length === 1) span.setAttributes(eventAttributes(only))
      if (status >= 500) span.setStatus({ code: SpanStatusCode.ERROR, message: code })
      if (message.error !== undefined) span.recordException(message.error as Error)
      span.end()
      deliveries.add(1, attributes)
      receiveDuration.record((performance.now() - started) / 1000, attributes)
    }
  }

  const handler = {
    start (message: HandlerMessage & Traced) {
      const parent = (message.delivery as (ReceiveMessage & Traced) | undefined)?.[state]?.span
      const span = tracer.startSpan('webhook handler', {
        kind: SpanKind.INTERNAL,
        attributes: { 'hookgate.endpoint': message.endpoint, 'hookgate.provider': message.provider, 'hookgate.handler.pattern': message.pattern, ...eventAttributes(message.event) }
      }, parent === undefined ? context.active() : trace.setSpan(context.active(), parent))
      message[state] = { span, started: performance.now() }
    },
    error (message: HandlerMessage & Traced) {
      const span = message[state]?.span
      span?.recordException(message.error as Error)
      span?.setStatus({ code: SpanStatusCode.ERROR, message: message.error instanceof Error ? message.error.message : String(message.error) })
    },
    asyncEnd (message: HandlerMessage & Traced) {
      const traced = message[state]
      if (traced === undefined) return
      traced.span.end()
      handlerDuration.record((performance.now() - traced.started) / 1000, {
        'hookgate.endpoint': message.endpoint,
        'hookgate.provider': message.provider,
        'hookgate.handler.pattern': message.pattern,
        'hookgate.outcome': message.error === undefined ? 'ok' : 'error'
      })
    }
  }

  receiveChannel.subscribe(receive as never)
  handlerChannel.subscribe(handler as never)
  return {
    disable () {
      receiveChannel.unsubscribe(receive as never)
      handlerChannel.unsubscribe(handler as never)
    }
  }
}
