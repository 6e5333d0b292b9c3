/**
 * Apollo plugin: counts every GraphQL request into the gateway's metrics — outcome, error codes,
 * latency, redactions per coordinate and reason, gate denials per coordinate and kind. Requests
 * refused while building the context (bad token, purpose not allowed) count too, through
 * contextCreationDidFail; they never reach the request hooks.
 */
import type { ApolloServerPlugin } from '@apollo/server';
import { Kind, type DocumentNode, type GraphQLFormattedError, type OperationDefinitionNode } from 'graphql';
import type { GatewayContext, GatewayServices } from '../admission/context';
import { ErrorCode, isKnownCode } from '../errors/errors';

/** A contract code, or INTERNAL_SERVER_ERROR for anything else (label values stay a closed set). */
function codeOf(extensions: Record<string, unknown> | undefined): ErrorCode {
  const code = extensions?.code;
  return isKnownCode(code) ? code : ErrorCode.INTERNAL_SERVER_ERROR;
}

/** query / mutation / subscription; from the parsed document when validation failed; else unknown. */
function operationTypeOf(operation: OperationDefinitionNode | undefined, document: DocumentNode | undefined): string {
  if (operation !== undefined) return operation.operation;
  const definitions = (document?.definitions ?? []).filter((definition) => definition.kind === Kind.OPERATION_DEFINITION);
  return definitions.length === 1 ? (definitions[0] as OperationDefinitionNode).operation : 'unknown';
}

export function metricsPlugin(services: GatewayServices): ApolloServerPlugin<GatewayContext> {
  const { metrics } = services;
  return {
    async contextCreationDidFail({ error }) {
      metrics.requests.inc({ operation_type: 'unknown', status: 'error' });
      metrics.errors.inc({ code: codeOf((error as { extensions?: Record<string, unknown> }).extensions) });
    },
    async requestDidStart() {
      const stopTimer = metrics.latency.startTimer();
      return {
        async willSendResponse({ contextValue, response, operation, document }) {
          const operationType = operationTypeOf(operation ?? undefined, document ?? undefined);
          stopTimer({ operation_type: operationType });
          const errors: readonly GraphQLFormattedError[] = response.body.kind === 'single' ? response.body.singleResult.errors ?? [] : [];
          metrics.requests.inc({ operation_type: operationType, status: errors.length > 0 ? 'error' : 'ok' });
          for (const error of errors) metrics.errors.inc({ code: codeOf(error.extensions) });
          for (const [coordinate, counts] of contextValue.privacy.redactions) {
            for (const [reason, count] of Object.entries(counts)) if (count > 0) metrics.redactions.inc({ coordinate, reason }, count);
          }
          for (const failure of contextValue.privacy.failures) metrics.denials.inc({ coordinate: failure.coordinate, kind: failure.kind });
        },
      };
    },
  };
}
