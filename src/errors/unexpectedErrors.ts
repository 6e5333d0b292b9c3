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
import { GraphQLError, Kind, type DocumentNode, type OperationDefinitionNode, type SelectionSetNode } from 'graphql';
import type { GatewayContext, GatewayServices } from '../admission/context';
import { CLIENT_ERROR_CODES, GatewayError } from './errors';


/** Is this error, as graphql-js or Apollo reports it, a failure rather than a refusal or a client mistake? */
export function isUnexpected(error: GraphQLError): boolean {
  const original = unwrapResolverError(error);
  if (original instanceof GatewayError || error.originalError instanceof GatewayError) return false;
  const code = error.extensions?.code;
  return !(typeof code === 'string' && CLIENT_ERROR_CODES.has(code));
}

const ROOT_TYPES = { query: 'Query', mutation: 'Mutation', subscription: 'Subscription' } as const;

/** The root field whose response key is `key`, looking through inline fragments and fragment spreads. */
function rootFieldName(selectionSet: SelectionSetNode, key: string, document: DocumentNode | undefined, seen = new Set<string>()): string | null {
  for (const selection of selectionSet.selections) {
    if (selection.kind === Kind.FIELD) {
      if ((selection.alias?.value ?? selection.name.value) === key) return selection.name.value;
      continue;
    }
    let inner: SelectionSetNode | undefined;
    if (selection.kind === Kind.INLINE_FRAGMENT) inner = selection.selectionSet;
    else if (!seen.has(selection.name.value)) {
      seen.add(selection.name.value);
      const fragment = document?.definitions.find((definition) => definition.kind === Kind.FRAGMENT_DEFINITION && definition.name.value === selection.name.value);
      inner = fragment?.kind === Kind.FRAGMENT_DEFINITION ? fragment.selectionSet : undefined;
    }
    const found = inner === undefined ? null : rootFieldName(inner, key, document, seen);
    if (found !== null) return found;
  }
  return null;
}

/** `Query.customer` for an error at path ["a", …] where `a` is the response key of a root field. */
function rootCoordinateOf(error: GraphQLError, operation: OperationDefinitionNode | null | undefined, document: DocumentNode | undefined): string {
  const key = error.path?.[0];
  if (operation === null || operation === undefined || typeof key !== 'string') return 'unknown';
  return `${ROOT_TYPES[operation.operation]}.${rootFieldName(operation.selectionSet, key, document) ?? 'unknown'}`;
}

export function unexpectedErrorPlugin(services: GatewayServices): ApolloServerPlugin<GatewayContext> {
  return {
    async requestDidStart() {
      return {
        async didEncounterErrors({ errors, contextValue, operation, document }) {
          for (const error of errors) {
            if (!isUnexpected(error)) continue;
            const original = unwrapResolverError(error);
            const operationName = rootCoordinateOf(error, operation, document ?? undefined);
            services.logger.error({ requestId: contextValue.requestId, operation: operationName, err: original }, 'unexpected error');
            services.loggedErrors.add(error);
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
