/**
 * How a class server executes (docs/execution.md): the Apollo option that installs the executor over
 * the class's schema. Managed mode compiles (unless GRAPHQL_EXECUTOR=graphql-js); gateway mode runs
 * graphql-js (execution/executionRule.ts, `upstream`).
 */
import type { GatewayInterface } from '@apollo/server-gateway-interface';
import type { GraphQLSchema } from 'graphql';
import type { Logger } from 'pino';
import type { ExecutionConfig } from '../config/config';
import { createExecutor, executionGateway } from './compiledExecutor';
import type { ExecutionMetrics } from './executionMetrics';

export interface ExecutionSettings {
  config: ExecutionConfig;
  metrics: ExecutionMetrics;
  logger: Logger;
  /** Gateway mode: the schema delegates to upstream services. */
  upstream: boolean;
}

export function executionFor(schema: GraphQLSchema, settings: ExecutionSettings): { gateway: GatewayInterface } {
  const forced = settings.upstream ? 'upstream' : settings.config.executor === 'graphql-js' ? 'disabled' : null;
  const executor = createExecutor(schema, { forced, maxPlans: settings.config.planCacheSize, compileAfter: settings.config.compileAfter, metrics: settings.metrics, logger: settings.logger });
  return { gateway: executionGateway(schema, executor) };
}
