// hookgate's diagnostics channels and its OpenTelemetry spans and metrics, on every adapter, with the
// OpenTelemetry SDK's in-memory exporters.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import diagnostics from 'node:diagnostics_channel'
import { context, trace, SpanKind, SpanStatusCode } from '@opentelemetry/api'
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks'
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor, type ReadableSpan } from '@opentelemetry/sdk-trace-base'
import { AggregationTemporality, InMemoryMetricExporter, MeterProvider, PeriodicExportingMetricReader } from '@opentelemetry/sdk-metrics'
import Fastify from 'fastify'
import hookgate from '../src/index.js'
import { instrumentHookgate } from '../src/opentelemetry/index.js'
import type { HandlerMessage, ReceiveMessage, RefusedMessage } from '../src/core/diagnostics.js'
import { backchannel } from '../src/providers/index.js'
import { backchannelRequest } from '../src/testing/index.js'
import { ADAPTERS, type Declarable } from './contract/harness.js'
import { SENDERS, type Sender } from './contract/senders.js'

const [backchannelSender, breadSender] = SENDERS as [Sender, Sender]

function declare (endpoint: Declarable): void {
  endpoint.on('order.created', () => {})
  endpoint.on('fail.*', () => { throw new Error('handler broke') })
}

function telemetry (): { tracerProvider: BasicTracerProvider, spans: () => ReadableSpan[], metric: (name: string) => Promise<Array<{ attributes: Record<string, unknown>, value: unknown }>>, disable: () => Promise<void> } {
  const exporter = new InMemorySpanExporter()
  const tracerProvider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] })
  const reader = new PeriodicExportingMetricReader({ exporter: new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE), exportIntervalMillis: 3_600_000 })
  const meterProvider = new MeterProvider({ readers: [reader] })
  const instrumentation = instrumentHookgate({ tracerProvider, meterProvider, maxAttributeLength: 32 })
  return {
    tracerProvider,
    spans: () => exporter.getFinishedSpans(),
    async metric (name) {
      const { resourceMetrics } = await reader.collect()
      const found = resourceMetrics.scopeMetrics.flatMap((scope) => scope.metrics).find((m) => m.descriptor.name === name)
      return (found?.dataPoints ?? []).map((point) => ({ attributes: point.attributes as Record<string, unknown>, value: point.value }))
    },
    async disable () {
      instrumentation.disable()
      await meterProvider.shutdown()
      await tracerProvider.shutdown()
    }
  }
}

const parentOf = (span: ReadableSpan): string | undefined => span.parentSpanContext?.spanId

for (const adapter of ADAPTERS) {
  test(`${adapter.name}: a span per delivery and per handler run, CloudEvents attributes, error status on 5xx, and metrics by outcome`, async (t) => {
    const otel = telemetry()
    t.after(otel.disable)
    const harness = await adapter.start(backchannelSender.provider, {}, declare)
    t.after(() => harness.close())
    assert.equal((await harness.send(backchannelSender.deliver('order.created', {}, { id: 'evt_ok' }))).status, 200)
    assert.equal((await harness.send(backchannelSender.deliver('order.created', {}, { id: 'evt_forged', secret: 'wrong' }))).status, 401)
    assert.equal((await harness.send(backchannelSender.deliver('fail.now', {}, { id: `evt_${'x'.repeat(60)}` }))).status, 500)

    const spans = otel.spans()
    const receives = spans.filter((span) => span.name === 'webhook receive')
    const handlers = spans.filter((span) => span.name === 'webhook handler')
    assert.deepEqual(receives.map((span) => span.attributes['hookgate.outcome']), ['ok', 'HOOKGATE_SIGNATURE_INVALID', 'HOOKGATE_HANDLER_FAILED'])
    assert.deepEqual(receives.map((span) => span.attributes['http.response.status_code']), [200, 401, 500])
    assert.ok(receives.every((span) => span.kind === SpanKind.SERVER && span.attributes['hookgate.provider'] === 'backchannel'))
    assert.deepEqual(receives.map((span) => span.status.code), [SpanStatusCode.UNSET, SpanStatusCode.UNSET, SpanStatusCode.ERROR])
    assert.equal(receives[0]?.attributes['cloudevents.event_id'], 'evt_ok')
    assert.equal(receives[0]?.attributes['cloudevents.event_type'], 'order.created')
    assert.equal(receives[1]?.attributes['cloudevents.event_id'], undefined, 'a forged request has no event')
    assert.deepEqual(receives.map((span) => span.events.map((event) => event.name)), [['verified', 'validated', 'claimed'], [], ['verified', 'validated', 'claimed']], 'the stages, as span events')
    const [verified, validated] = receives[0]?.events ?? []
    assert.ok(verified !== undefined && validated !== undefined && (receives[0]?.startTime[0] ?? Infinity) <= verified.time[0] && verified.time[0] <= validated.time[0] + 1, 'events at the times their stages ended')
    assert.equal(handlers.length, 2)
    assert.deepEqual(handlers.map(parentOf), [receives[0]?.spanContext().spanId, receives[2]?.spanContext().spanId])
    assert.equal(handlers[1]?.status.code, SpanStatusCode.ERROR)
    assert.equal(handlers[1]?.attributes['hookgate.handler.pattern'], 'fail.*')
    assert.equal(String(handlers[1]?.attributes['cloudevents.event_id']).length, 32, 'values from the request are cut to maxAttributeLength')
    assert.equal(handlers[1]?.events[0]?.name, 'exception')

    const counts = await otel.metric('hookgate.deliveries')
    assert.deepEqual(counts.map((p) => [p.attributes['hookgate.outcome'], p.attributes['http.response.status_code'], p.value]).sort(), [['HOOKGATE_HANDLER_FAILED', 500, 1], ['HOOKGATE_SIGNATURE_INVALID', 401, 1], ['ok', 200, 1]])
    const handlerTimes = await otel.metric('hookgate.handler.duration')
    assert.deepEqual(handlerTimes.map((p) => [p.attributes['hookgate.handler.pattern'], p.attributes['hookgate.outcome'], (p.value as { count: number }).count]).sort(), [['fail.*', 'error', 1], ['order.created', 'ok', 1]])
    assert.equal((await otel.metric('hookgate.receive.duration')).reduce((n, p) => n + (p.value as { count: number }).count, 0), 3)
  })
}

test('a CloudEvents sender\'s spans carry its source and spec version; the receive span is a child of the active (HTTP) span', async (t) => {
  const manager = new AsyncLocalStorageContextManager().enable()
  context.setGlobalContextManager(manager)
  t.after(() => { context.disable() })
  const otel = telemetry()
  t.after(otel.disable)
  const harness = await (ADAPTERS[0] ?? assert.fail()).start(breadSender.provider, breadSender.options, declare)
  t.after(() => harness.close())
  const http = otel.tracerProvider.getTracer('test').startSpan('POST /hook', { kind: SpanKind.SERVER })
  const reply = await context.with(trace.setSpan(context.active(), http), async () => await harness.send(breadSender.deliver('order.created', {}, { id: 'ce-1' })))
  http.end()
  assert.equal(reply.status, 200)
  const [receive] = otel.spans().filter((span) => span.name === 'webhook receive')
  assert.equal(parentOf(receive as ReadableSpan), http.spanContext().spanId)
  assert.equal(receive?.attributes['cloudevents.event_source'], 'breadpayments.webhooks.webhook'.slice(0, 32))
  assert.equal(receive?.attributes['cloudevents.event_spec_version'], '1.0')
})

test('the diagnostics channels publish each delivery, handler run and refusal, with the documented messages', async (t) => {
  const seen: string[] = []
  const onReceive = { start: (m: ReceiveMessage) => { seen.push(`receive start ${m.endpoint} ${m.provider}`) }, asyncEnd: (m: ReceiveMessage) => { seen.push(`receive end ${m.result?.status ?? '?'}`) } }
  const onHandler = { start: (m: HandlerMessage) => { seen.push(`handler start ${m.pattern} ${m.event.id} ${m.delivery === undefined ? 'queued' : 'inline'}`) }, error: (m: HandlerMessage) => { seen.push(`handler error ${(m.error as Error).message}`) }, asyncEnd: (m: HandlerMessage) => { seen.push(`handler end ${m.pattern}`) } }
  const onRefused = (m: unknown): void => { seen.push(`refused ${(m as RefusedMessage).error.code}`) }
  diagnostics.tracingChannel('hookgate:receive').subscribe(onReceive as never)
  diagnostics.tracingChannel('hookgate:handler').subscribe(onHandler as never)
  diagnostics.subscribe('hookgate:refused', onRefused)
  t.after(() => {
    diagnostics.tracingChannel('hookgate:receive').unsubscribe(onReceive as never)
    diagnostics.tracingChannel('hookgate:handler').unsubscribe(onHandler as never)
    diagnostics.unsubscribe('hookgate:refused', onRefused)
  })
  const app = Fastify()
  t.after(() => app.close())
  await app.register(hookgate)
  app.webhooks('/wh', backchannel({ secret: 's' })).on('order.*', () => {}).on('fail.*', () => { throw new Error('broke') })
  await app.ready()
  await app.inject(backchannelRequest({ id: 'evt_1', type: 'order.paid', data: {} }, 's', { url: '/wh' }))
  await app.inject(backchannelRequest({ id: 'evt_2', type: 'fail.now', data: {} }, 's', { url: '/wh' }))
  await app.inject(backchannelRequest({ id: 'evt_3', type: 'order.paid', data: {} }, 'wrong', { url: '/wh' }))
  assert.deepEqual(seen, [
    'receive start /wh backchannel', 'handler start order.* evt_1 inline', 'handler end order.*', 'receive end 200',
    'receive start /wh backchannel', 'handler start fail.* evt_2 inline', 'handler error broke', 'handler end fail.*', 'refused HOOKGATE_HANDLER_FAILED', 'receive end 500',
    'receive start /wh backchannel', 'refused HOOKGATE_SIGNATURE_INVALID', 'receive end 401'
  ])
})

test('instrumentHookgate() checks its options, uses the global providers by default (no-ops without an SDK), and records a handler that throws a non-Error', async (t) => {
  assert.throws(() => instrumentHookgate({ maxAttributeLength: 0 }), /"maxAttributeLength" must be a positive integer/)
  const global = instrumentHookgate()
  global.disable()
  const otel = telemetry()
  t.after(otel.disable)
  const app = Fastify()
  t.after(() => app.close())
  await app.register(hookgate)
  // eslint-disable-next-line no-throw-literal
  app.webhooks('/wh', backchannel({ secret: 's' })).on('*', () => { throw 'a string, not an Error' })
  await app.ready()
  assert.equal((await app.inject(backchannelRequest({ id: 'evt_1', type: 'x.y', data: {} }, 's', { url: '/wh' }))).statusCode, 500)
  const [handler] = otel.spans().filter((span) => span.name === 'webhook handler')
  assert.equal(handler?.status.message, 'a string, not an Error')
})
