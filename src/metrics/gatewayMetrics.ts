/**
 * The gateway's Prometheus instruments, on a registry of its own per gateway instance (never
 * prom-client's global default: tests run several gateways in one process, and a library's metrics
 * should not leak into a host's registry).
 *
 * Label values come only from closed sets: operation types, contract error codes, schema coordinates
 * from the compiled policy or the operations table, redaction reasons and failure kinds. Nothing a
 * caller types (operation names, arguments, values) ever becomes a label: labels are indexed and kept
 * by every scraper, so personal data in one would be copied everywhere.
 */
import { collectDefaultMetrics, Counter, Histogram, Registry } from 'prom-client';

export interface GatewayMetrics {
  registry: Registry;
  requests: Counter<'operation_type' | 'status'>;
  errors: Counter<'code'>;
  latency: Histogram<'operation_type'>;
  redactions: Counter<'coordinate' | 'reason'>;
  denials: Counter<'coordinate' | 'kind'>;
  auditEvents: Counter<'decision'>;
  auditWriteFailures: Counter<string>;
}

export function createGatewayMetrics(): GatewayMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'privacy_gateway_process_' });
  const registers = [registry];
  return {
    registry,
    requests: new Counter({
      name: 'privacy_gateway_graphql_requests_total',
      help: 'GraphQL requests by operation type (query, mutation, unknown) and outcome (ok, error)',
      labelNames: ['operation_type', 'status'], registers,
    }),
    errors: new Counter({
      name: 'privacy_gateway_graphql_errors_total',
      help: 'Errors returned to callers, by contract error code',
      labelNames: ['code'], registers,
    }),
    latency: new Histogram({
      name: 'privacy_gateway_graphql_request_duration_seconds',
      help: 'Time from request start to response (including the audit write), by operation type',
      labelNames: ['operation_type'], registers,
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    }),
    redactions: new Counter({
      name: 'privacy_gateway_redactions_total',
      help: 'Values returned redacted, by schema coordinate and reason',
      labelNames: ['coordinate', 'reason'], registers,
    }),
    denials: new Counter({
      name: 'privacy_gateway_denials_total',
      help: 'Operations refused by the gate, by root coordinate and failure kind',
      labelNames: ['coordinate', 'kind'], registers,
    }),
    auditEvents: new Counter({
      name: 'privacy_gateway_audit_events_total',
      help: 'Audit events appended to the chain, by decision',
      labelNames: ['decision'], registers,
    }),
    auditWriteFailures: new Counter({
      name: 'privacy_gateway_audit_write_failures_total',
      help: 'Requests answered INTERNAL_SERVER_ERROR because their audit batch could not be stored',
      registers,
    }),
  };
}
