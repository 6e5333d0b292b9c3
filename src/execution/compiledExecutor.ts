/**
 * The executor behind each visibility class's Apollo server. Apollo still parses, validates (query
 * limits included), resolves the operation and runs every plugin hook (didResolveOperation,
 * executionDidStart/End, didEncounterErrors, willSendResponse) and the error formatter; only the call
 * that executes the validated document is replaced, through Apollo's documented gateway interface.
 *
 * Per request: the plan for the document (execution/planCache.ts); with a compiled plan, graphql-js
 * first checks that the variables coerce (otherwise graphql-js runs the request and reports them),
 * then the compiled query runs and its errors are rebuilt as graphql-js builds them
 * (execution/jitErrors.ts). Everything else goes to graphql-js `execute` under a counted reason.
 */
import type { GatewayExecutor, GatewayGraphQLRequestContext, GatewayInterface } from '@apollo/server-gateway-interface';
import { execute, getVariableValues, type ExecutionResult, type GraphQLSchema } from 'graphql';
import type { Logger } from 'pino';
import type { FallbackReason } from './executionRule';
import { countExecution, type ExecutionMetrics } from './executionMetrics';
import { toGraphQLJsError } from './jitErrors';
import { ExecutionPlans } from './planCache';

export interface ExecutorOptions {
  /** null: compile what may be compiled; otherwise every operation runs on graphql-js for this reason. */
  forced: FallbackReason | null;
  maxPlans: number;
  compileAfter: number;
  metrics: ExecutionMetrics;
  logger: Logger;
}

async function graphqlJs(schema: GraphQLSchema, request: GatewayGraphQLRequestContext): Promise<ExecutionResult> {
  return execute({
    schema,
    document: request.document,
    contextValue: request.context,
    variableValues: request.request.variables,
    operationName: request.request.operationName,
  });
}

function variablesCoerce(schema: GraphQLSchema, request: GatewayGraphQLRequestContext): boolean {
  const definitions = request.operation.variableDefinitions;
  if (definitions === undefined || definitions.length === 0) return true;
  return getVariableValues(schema, definitions, request.request.variables ?? {}).errors === undefined;
}

export function createExecutor(schema: GraphQLSchema, options: ExecutorOptions): GatewayExecutor {
  const { forced, metrics, logger } = options;
  if (forced !== null) {
    return async (request) => {
      countExecution(metrics, 'graphql-js', forced);
      return graphqlJs(schema, request);
    };
  }
  const plans = new ExecutionPlans(schema, { maxPlans: options.maxPlans, compileAfter: options.compileAfter });
  return async (request) => {
    // Typed as always present, but Apollo executes an unresolvable operation to get graphql-js's error.
    if ((request.operation as typeof request.operation | null | undefined) == null) {
      countExecution(metrics, 'graphql-js', 'no_operation');
      return graphqlJs(schema, request);
    }
    const { plan, result } = plans.lookup(request.queryHash, request.operationName, request.document, request.operation);
    metrics.plans.inc({ result });
    if (plan.kind === 'graphql-js') {
      // Never the document: its literals may be personal data.
      if (result === 'miss' && plan.reason === 'compile_error') logger.warn({ operationType: request.operation.operation }, 'the compiled executor could not compile an operation; graphql-js executes it');
      countExecution(metrics, 'graphql-js', plan.reason);
      return graphqlJs(schema, request);
    }
    if (!variablesCoerce(schema, request)) {
      countExecution(metrics, 'graphql-js', 'variables');
      return graphqlJs(schema, request);
    }
    countExecution(metrics, 'compiled', null);
    const answer = await plan.query.query(undefined, request.context, request.request.variables);
    return answer.errors === undefined ? answer : { ...answer, errors: answer.errors.map(toGraphQLJsError) };
  };
}

/** Apollo's gateway interface over a fixed schema: the schema is loaded once, never updated. */
export function executionGateway(schema: GraphQLSchema, executor: GatewayExecutor): GatewayInterface {
  return {
    onSchemaLoadOrUpdate(callback) {
      callback({ apiSchema: schema, coreSupergraphSdl: '' });
      return () => undefined;
    },
    async load() {
      return { executor };
    },
    async stop() {},
  };
}
