/**
 * Unexpected errors (a store failure, a bug) told apart from refusals, and accounted for: each is
 * logged with the request id (by name and stack frames only: the logger never writes an error's
 * message, which may quote personal data) and recorded in the request's audit as an ERROR event for
 * the root operation it broke. The formatter then answers INTERNAL_SERVER_ERROR, which the metrics
 * count by code. Errors we raise on purpose (GatewayError) and GraphQL's request errors (parse,
 * validation, variables) are not unexpected.
 */
import type { ApolloServerPlugin } from '@apollo/server';
import { unwrapResolverError } from '@apollo/server/errors';
import { GraphQLError, Kind, type OperationDefinitionNode } from 'graphql';
import type { GatewayContext, GatewayServices } from './context';
import { CLIENT_ERROR_CODES, GatewayError } from './errors';

/** Errors already logged with their request id: the formatter does not log them a second time. */
const loggedErrors = new WeakSet<object>();

export function alreadyLogged(error: unknown): boolean {
  return typeof error === 'object' && error !== null && loggedErrors.has(error);
}

/** Is this error, as graphql-js or Apollo reports it, a failure rather than a refusal or a client mistake? */
export function isUnexpected(error: GraphQLError): boolean {
  const original = unwrapResolverError(error);
  if (original instanceof GatewayError || error.originalError instanceof GatewayError) return false;
  const code = error.extensions?.code;
  return !(typeof code === 'string' && CLIENT_ERROR_CODES.has(code));
}

const ROOT_TYPES = { query: 'Query', mutation: 'Mutation', subscription: 'Subscription' } as const;

/** `Query.customer` for an error at path ["a", …] where `a` is the response key of a root field. */
function rootCoordinateOf(error: GraphQLError, operation: OperationDefinitionNode | null | undefined): string {
  const key = error.path?.[0];
  if (operation === null || operation === undefined || typeof key !== 'string') return 'unknown';
  const field = operation.selectionSet.selections.find((selection) =>
    selection.kind === Kind.FIELD && (selection.alias?.value ?? selection.name.value) === key);
  return field?.kind === Kind.FIELD ? `${ROOT_TYPES[operation.operation]}.${field.name.value}` : `${ROOT_TYPES[operation.operation]}.unknown`;
}

export function unexpectedErrorPlugin(services: GatewayServices): ApolloServerPlugin<GatewayContext> {
  return {
    async requestDidStart() {
      return {
        async didEncounterErrors({ errors, contextValue, operation }) {
          for (const error of errors) {
            if (!isUnexpected(error)) continue;
            const original = unwrapResolverError(error);
            const operationName = rootCoordinateOf(error, operation);
            services.logger.error({ requestId: contextValue.requestId, operation: operationName, err: original }, 'unexpected error');
            loggedErrors.add(error);
            contextValue.audit.record({
              operation: operationName, subjectIds: [], fields: [], decision: 'ERROR',
              detail: { error: original instanceof Error ? original.name : typeof original },
            });
          }
        },
      };
    },
  };
}
