/**
 * The gateway's span helpers. One span per layer of a request: `gateway.request` (the HTTP request
 * on /graphql), `gateway.auth`, `gateway.gate` (per gated operation), `gateway.store` (per store call),
 * `gateway.decryption` (key preparation for a batch of documents), `gateway.enforcement` (execution,
 * with the per-coordinate decision counts) and `gateway.audit` (the audit write before the reply).
 *
 * Attributes are names, counts, codes and schema coordinates — never a value read or written, never
 * a token, a query text or variables. Errors are recorded by name and code only (messages of driver
 * errors can hold personal data). Without a registered provider (tracing off) every helper just runs its callback.
 */
import { INVALID_SPAN_CONTEXT, SpanStatusCode, trace, type Attributes, type Span } from '@opentelemetry/api';
import { tracingEnabled } from './setup';

export const TRACER_NAME = 'privacy-gateway';

const tracer = () => trace.getTracer(TRACER_NAME);

/** What a helper hands its callback while tracing is off: records nothing (the API's own no-op span). */
const NOT_RECORDING: Span = trace.wrapSpanContext(INVALID_SPAN_CONTEXT);

/** Marks a span failed with the error's name and code, never its message. */
export function markFailed(span: Span, error: unknown): void {
  const name = error instanceof Error ? error.name : 'unknown';
  const code = (error as { extensions?: { code?: unknown } } | null)?.extensions?.code;
  span.setAttribute('error.type', typeof code === 'string' ? code : name);
  span.setStatus({ code: SpanStatusCode.ERROR });
}

/** Runs `fn` inside an active span (children nest under it) and ends it when `fn` settles. */
export function inSpan<T>(name: string, attributes: Attributes, fn: (span: Span) => Promise<T>): Promise<T> {
  // Off (the default): no context switch and no extra promise per store call and request.
  if (!tracingEnabled()) {
    try {
      return fn(NOT_RECORDING);
    } catch (error) {
      return Promise.reject(error);
    }
  }
  return tracer().startActiveSpan(name, { attributes }, async (span) => {
    try {
      return await fn(span);
    } catch (error) {
      markFailed(span, error);
      throw error;
    } finally {
      span.end();
    }
  });
}

/** The synchronous form of inSpan. */
export function inSpanSync<T>(name: string, attributes: Attributes, fn: (span: Span) => T): T {
  if (!tracingEnabled()) return fn(NOT_RECORDING);
  return tracer().startActiveSpan(name, { attributes }, (span) => {
    try {
      return fn(span);
    } catch (error) {
      markFailed(span, error);
      throw error;
    } finally {
      span.end();
    }
  });
}

/** A span that the caller ends (for layers whose start and end are separate hooks). */
export function startSpan(name: string, attributes: Attributes = {}): Span {
  return tracer().startSpan(name, { attributes });
}
