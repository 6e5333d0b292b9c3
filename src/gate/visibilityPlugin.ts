/**
 * Apollo plugin for one visibility class: answers a request that names something hidden from the
 * caller's schema the way the gate answers it (docs/api.md#errors: a role that may never touch a field or
 * operation gets FORBIDDEN for it; no token → UNAUTHENTICATED), not with a bare validation error.
 *
 * - A field hidden from this class fails validation ("Cannot query field …"); the error keeps its
 *   place in the response but gets the gate's HTTP status here and the gate's code and message in
 *   formatError (errorFormatting.ts, same `hiddenOperation` test), and the denial is recorded for the
 *   audit like a gate denial. When every error is such a refusal the response carries `data: null`
 *   and each error the path of the field the caller named, as a gate denial does. A hidden type
 *   (e.g. a mutation input type) named in variable definitions is refused the same way.
 * - An operation type the class has no root for at all (e.g. a mutation without a token) passes
 *   graphql-js validation and would fail inside execution; it is refused here, before execution.
 */
import type { ApolloServerPlugin } from '@apollo/server';
import type { GraphQLError, GraphQLSchema } from 'graphql';
import type { GatewayContext } from '../admission/context';
import { ErrorCode, ForbiddenError, refuseRequestWith, UnauthenticatedError } from '../errors/errors';
import { hiddenOperation, type Visibility } from './visibleSchema';

const ROOT_TYPE_NAMES = { query: 'Query', mutation: 'Mutation', subscription: 'Subscription' } as const;


export function visibilityPlugin(visibility: Visibility, schema: GraphQLSchema, hidden: ReadonlySet<string>): ApolloServerPlugin<GatewayContext> {
  return {
    async requestDidStart() {
      let refusedOnly = false;
      return {
        async didResolveOperation({ operation, contextValue }) {
          if (operation === undefined || schema.getRootType(operation.operation)) return;
          const coordinate = ROOT_TYPE_NAMES[operation.operation];
          if (visibility === 'anonymous') {
            contextValue.privacy.recordFailure({ kind: 'unauthenticated', coordinate });
            throw new UnauthenticatedError();
          }
          contextValue.privacy.recordFailure({ kind: 'role', coordinate, role: visibility });
          throw new ForbiddenError(`Role ${visibility} may not run ${operation.operation} operations`).refusingRequest();
        },
        async didEncounterErrors({ errors, contextValue }) {
          let refusals = 0;
          for (const error of errors as readonly GraphQLError[]) {
            if (error.extensions.code !== 'GRAPHQL_VALIDATION_FAILED') continue;
            const found = hiddenOperation(error.message, visibility, hidden);
            if (found === null) continue;
            refusals += 1;
            // Apollo takes the response status from the errors' extensions.http after this hook.
            refuseRequestWith(error, visibility === 'anonymous' ? ErrorCode.UNAUTHENTICATED : ErrorCode.FORBIDDEN);
            contextValue.privacy?.recordFailure(visibility === 'anonymous'
              ? { kind: 'unauthenticated', coordinate: found.coordinate }
              : { kind: 'role', coordinate: found.coordinate, role: visibility });
          }
          refusedOnly = refusals > 0 && refusals === errors.length;
        },
        async willSendResponse({ response }) {
          // Answered like a gate denial: `data: null` next to the errors, as when the gate refuses a root field.
          if (refusedOnly && response.body.kind === 'single') response.body.singleResult.data = null;
        },
      };
    },
  };
}
