// hookgate-backchannel with the OpenTelemetry SDK on: instrumentHookgate() records a span per
// delivery and per handler run, and the metrics, through the SDK's providers (sampled, kept in
// memory, never exported: the export's own cost is the exporter's, not hookgate's).
import { BasicTracerProvider } from '@opentelemetry/sdk-trace-base'
import { AggregationTemporality, InMemoryMetricExporter, MeterProvider, PeriodicExportingMetricReader } from '@opentelemetry/sdk-metrics'
import { instrumentHookgate } from 'hookgate/opentelemetry'
import { start as startHookgate } from './hookgate-backchannel.js'
import type { RunningServer } from '../lib/listen.js'

export async function start (): Promise<RunningServer> {
  const tracerProvider = new BasicTracerProvider()
  const meterProvider = new MeterProvider({ readers: [new PeriodicExportingMetricReader({ exporter: new InMemoryMetricExporter(AggregationTemporality.DELTA), exportIntervalMillis: 3_600_000 })] })
  instrumentHookgate({ tracerProvider, meterProvider })
  return await startHookgate()
}
