/**
 * OpenTelemetry tracing, off by default. The exporter is chosen by the standard environment variable
 * OTEL_TRACES_EXPORTER: `otlp` (OTLP over HTTP; endpoint, headers and timeouts from the standard
 * OTEL_EXPORTER_OTLP_* variables), `console` (spans printed to stdout), or `none`/unset (no tracing:
 * no provider is registered and every span helper is a no-op). OTEL_SDK_DISABLED=true turns it off
 * whatever the exporter. The service name is OTEL_SERVICE_NAME (default `privacy-gateway`); sampling
 * follows OTEL_TRACES_SAMPLER / OTEL_TRACES_SAMPLER_ARG, batching the OTEL_BSP_* variables.
 *
 * The tracer provider is process-global by OpenTelemetry's design; `tracingEnabled()` reports whether
 * this process registered one, so costly instrumentation (the traced store) is only installed then.
 */
import { trace } from '@opentelemetry/api';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import {
  BatchSpanProcessor, ConsoleSpanExporter, NodeTracerProvider, SimpleSpanProcessor, type SpanExporter, type SpanProcessor,
} from '@opentelemetry/sdk-trace-node';
import { ATTR_SERVICE_NAME } from '@opentelemetry/semantic-conventions';

export type TracesExporter = 'otlp' | 'console' | 'none';

export class TracingConfigError extends Error {
  override name = 'TracingConfigError';
}

/** The exporter the environment asks for; `none` when tracing is off. */
export function tracesExporterFrom(env: NodeJS.ProcessEnv): TracesExporter {
  if ((env.OTEL_SDK_DISABLED ?? '').trim().toLowerCase() === 'true') return 'none';
  const raw = (env.OTEL_TRACES_EXPORTER ?? 'none').trim().toLowerCase();
  if (raw === '' || raw === 'none') return 'none';
  if (raw === 'otlp' || raw === 'console') return raw;
  throw new TracingConfigError(`OTEL_TRACES_EXPORTER must be otlp, console or none, got "${raw}"`);
}

export interface Tracing {
  /** Flushes pending spans and unregisters the provider. */
  shutdown(): Promise<void>;
}

let registered: NodeTracerProvider | null = null;

/** Has this process registered a tracer provider (spans are recorded)? */
export function tracingEnabled(): boolean {
  return registered !== null;
}

function processorFor(kind: Exclude<TracesExporter, 'none'>): SpanProcessor {
  return kind === 'otlp' ? new BatchSpanProcessor(new OTLPTraceExporter()) : new SimpleSpanProcessor(new ConsoleSpanExporter());
}

/**
 * Starts tracing as the environment says (returns null when it is off). `exporter` replaces the
 * environment's choice with the given one, sent span by span (tests use an in-memory exporter).
 */
export function startTracing(env: NodeJS.ProcessEnv = process.env, exporter?: SpanExporter): Tracing | null {
  const kind = exporter === undefined ? tracesExporterFrom(env) : 'custom';
  if (kind === 'none') return null;
  if (registered !== null) throw new TracingConfigError('tracing is already started in this process');
  const provider = new NodeTracerProvider({
    resource: resourceFromAttributes({ [ATTR_SERVICE_NAME]: env.OTEL_SERVICE_NAME?.trim() || 'privacy-gateway' }),
    spanProcessors: [exporter !== undefined ? new SimpleSpanProcessor(exporter) : processorFor(kind as Exclude<TracesExporter, 'none'>)],
  });
  provider.register();
  registered = provider;
  return {
    async shutdown() {
      if (registered !== provider) return;
      registered = null;
      await provider.shutdown();
      trace.disable();
    },
  };
}
