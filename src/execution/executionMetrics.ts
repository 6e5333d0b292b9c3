/**
 * Prometheus instruments of the executor, registered on the gateway's own registry. Labels come from
 * closed sets only (engine, fallback reason, cache outcome); nothing a caller sends becomes a label.
 */
import { Counter, type Registry } from 'prom-client';
import type { FallbackReason } from './executionRule';

export const ENGINES = ['compiled', 'graphql-js'] as const;
export type Engine = (typeof ENGINES)[number];
export const PLAN_CACHE_RESULTS = ['hit', 'miss', 'cold'] as const;

export interface ExecutionMetrics {
  /** Operations executed, by engine and, for graphql-js, the rule that chose it (`fallback`, `none` when compiled). */
  executions: Counter<'engine' | 'fallback'>;
  /** Execution-plan cache lookups: `hit` (a stored plan), `miss` (a plan made now), `cold` (not compiled yet). */
  plans: Counter<'result'>;
}

export function createExecutionMetrics(registry: Registry): ExecutionMetrics {
  const registers = [registry];
  return {
    executions: new Counter({
      name: 'privacy_gateway_graphql_executions_total',
      help: 'GraphQL operations executed, by engine (compiled, graphql-js) and the rule that chose graphql-js (none when compiled)',
      labelNames: ['engine', 'fallback'], registers,
    }),
    plans: new Counter({
      name: 'privacy_gateway_execution_plan_cache_total',
      help: 'Execution-plan cache lookups, by result (hit: a stored plan; miss: a plan made now; cold: a document not compiled yet)',
      labelNames: ['result'], registers,
    }),
  };
}

export function countExecution(metrics: ExecutionMetrics, engine: Engine, reason: FallbackReason | null): void {
  metrics.executions.inc({ engine, fallback: reason ?? 'none' });
}
