// OpenTelemetry tracing across gateway → workflow → activities with Temporal's interceptors.
// Off unless OTEL_EXPORTER_OTLP_ENDPOINT is set: then nothing is registered, no interceptor
// runs and the workflow bundle is the plain one, so histories are the same as without tracing.
// On: spans go by OTLP/HTTP to <endpoint>/v1/traces; the trace context rides in Temporal
// headers from the gateway's client calls into workflows and on to their activities.
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { Resource } from '@opentelemetry/resources';
import { BasicTracerProvider, BatchSpanProcessor, type SpanProcessor } from '@opentelemetry/sdk-trace-base';
import type { ClientInterceptors } from '@temporalio/client';
import {
  makeWorkflowExporter,
  OpenTelemetryActivityInboundInterceptor,
  OpenTelemetryActivityOutboundInterceptor,
  OpenTelemetryWorkflowClientInterceptor,
} from '@temporalio/interceptors-opentelemetry';
import type { WorkerOptions } from '@temporalio/worker';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { loadConfig } from './config';

export type TracedRole = 'gateway' | 'calls-worker' | 'speech-worker';

export interface Tracing {
  resource: Resource;
  spanProcessor: SpanProcessor;
  shutdown(): Promise<void>;
}

let active: Tracing | undefined;

/** Starts tracing for this process when an OTLP endpoint is configured; undefined when off. */
export function startTracing(role: TracedRole): Tracing | undefined {
  const { OTEL_EXPORTER_OTLP_ENDPOINT: endpoint, OTEL_SERVICE_NAME } = loadConfig();
  if (!endpoint) return undefined;
  if (active) return active;
  const resource = new Resource({ 'service.name': OTEL_SERVICE_NAME ?? `nerve-${role}` });
  const spanProcessor = new BatchSpanProcessor(new OTLPTraceExporter({ url: `${endpoint.replace(/\/$/, '')}/v1/traces` }), { scheduledDelayMillis: 1000 });
  const provider = new BasicTracerProvider({ resource, spanProcessors: [spanProcessor] });
  provider.register({ contextManager: new AsyncLocalStorageContextManager() }); // W3C trace context propagation by default
  active = { resource, spanProcessor, shutdown: () => provider.shutdown() };
  return active;
}

/** The gateway's client interceptors: each start, signal, update and query opens a span and carries it in the headers. */
export function tracingClientInterceptors(tracing: Tracing | undefined): ClientInterceptors | undefined {
  return tracing ? { workflow: [new OpenTelemetryWorkflowClientInterceptor()] } : undefined;
}

/** A worker's interceptors and sinks: workflow spans (exported through the sink), activity spans. */
export function tracingWorkerOptions(tracing: Tracing | undefined): Pick<WorkerOptions, 'interceptors' | 'sinks'> {
  if (!tracing) return {};
  return {
    interceptors: {
      workflowModules: [require.resolve('@temporalio/interceptors-opentelemetry/lib/workflow-interceptors')],
      activity: [(ctx) => ({ inbound: new OpenTelemetryActivityInboundInterceptor(ctx), outbound: new OpenTelemetryActivityOutboundInterceptor(ctx) })],
    },
    sinks: { exporter: makeWorkflowExporter(tracing.spanProcessor, tracing.resource) } as WorkerOptions['sinks'],
  };
}


/** Flushes and stops tracing, if it was started (at process shutdown). */
export async function stopTracing(): Promise<void> {
  await active?.shutdown();
  active = undefined;
}
