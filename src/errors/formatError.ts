/**
 * The one place GraphQL errors leave the gateway (one formatter per visibility class).
 *
 * - Our own GatewayErrors keep their code and message (they name coordinates, never values),
 *   including those raised inside validation (query limits) or before execution.
 * - A validation error naming a field hidden from the caller's schema is answered as the gate would:
 *   FORBIDDEN (or UNAUTHENTICATED without a token), naming only the field the caller typed.
 * - A document over the token limit, or introspection nested beyond graphql-js's own guard, is
 *   QUERY_TOO_COMPLEX.
 * - GraphQL's other request errors (parse, validation, variable coercion, HTTP misuse) become
 *   BAD_USER_INPUT with every echoed value removed (see clientMessages.ts) and, except for the
 *   privacy officer, no "Did you mean" suggestions.
 * - Everything else is masked to INTERNAL_SERVER_ERROR with no detail and no stack, because driver
 *   and runtime errors can carry personal data. Details show only with NODE_ENV=development and
 *   EXPOSE_ERRORS=1 (`exposeDetails`).
 */
import { unwrapResolverError } from '@apollo/server/errors';
import { GraphQLError, Kind, type GraphQLFormattedError } from 'graphql';
import type { Logger } from 'pino';
import { clientMessage } from './clientMessages';
import { hiddenOperation, type Visibility } from '../gate/visibleSchema';
import { CLIENT_ERROR_CODES, ErrorCode, GatewayError } from './errors';
import { INTROSPECTION_DEPTH_MESSAGE, TOKEN_LIMIT_MESSAGE } from '../admission/queryLimits';


export interface ErrorFormatterOptions {
  exposeDetails: boolean;
  logger: Logger;
  /** The caller's visibility class and the coordinates hidden from it (per-class servers). */
  visibility?: Visibility;
  hidden?: ReadonlySet<string>;
  /** Errors the unexpected-error plugin already logged with their request id: not logged a second time. */
  loggedErrors?: WeakSet<object>;
  /** Keep "Did you mean …" suggestions (privacy officer only). */
  suggestions?: boolean;
}

/** Our error, thrown directly or reported from a validation rule (Apollo wraps those). */
function gatewayErrorIn(error: unknown): GatewayError | null {
  if (error instanceof GatewayError) return error;
  if (error instanceof GraphQLError && error.originalError instanceof GatewayError) return error.originalError;
  return null;
}

export function createErrorFormatter(options: ErrorFormatterOptions) {
  return (formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError => {
    const original = unwrapResolverError(error);
    const where = {
      ...(formatted.locations ? { locations: formatted.locations } : {}),
      ...(formatted.path ? { path: formatted.path } : {}),
    };
    const ours = gatewayErrorIn(original);
    if (ours !== null) {
      return { message: ours.message, ...where, extensions: { code: ours.extensions.code } };
    }
    const apolloCode = formatted.extensions?.code;
    if (apolloCode === 'GRAPHQL_VALIDATION_FAILED' && options.visibility !== undefined) {
      const hidden = hiddenOperation(formatted.message, options.visibility, options.hidden ?? new Set());
      if (hidden !== null) {
        // A root field's path is its response key (alias or name), as a gate denial would carry it.
        const node = error instanceof GraphQLError ? error.nodes?.[0] : undefined;
        const rootField = /^(Query|Mutation)\./.test(hidden.coordinate);
        const path = rootField && node?.kind === Kind.FIELD ? { path: [node.alias?.value ?? node.name.value] } : {};
        return { message: hidden.message, ...where, ...path, extensions: { code: hidden.code } };
      }
    }
    if ((apolloCode === 'GRAPHQL_PARSE_FAILED' && TOKEN_LIMIT_MESSAGE.test(formatted.message))
      || (apolloCode === 'GRAPHQL_VALIDATION_FAILED' && INTROSPECTION_DEPTH_MESSAGE.test(formatted.message))) {
      return { message: formatted.message.replace(/^Syntax Error: /, ''), ...where, extensions: { code: ErrorCode.QUERY_TOO_COMPLEX } };
    }
    if (typeof apolloCode === 'string' && CLIENT_ERROR_CODES.has(apolloCode)) {
      const inner = original instanceof GraphQLError ? original.originalError : undefined;
      const message = options.exposeDetails ? formatted.message : clientMessage(formatted.message, inner?.message, options.suggestions ?? false);
      return { message, ...where, extensions: { code: ErrorCode.BAD_USER_INPUT } };
    }
    // Execution errors were logged with their request id already (unexpectedErrors.ts).
    if (!(typeof error === 'object' && error !== null && options.loggedErrors?.has(error))) options.logger.error({ err: original instanceof Error ? { name: original.name, stack: original.stack } : undefined, path: formatted.path }, 'unexpected error');
    if (options.exposeDetails) {
      return {
        message: original instanceof Error ? original.message : 'Internal server error',
        ...where,
        extensions: { code: ErrorCode.INTERNAL_SERVER_ERROR, stacktrace: original instanceof Error ? original.stack?.split('\n') : undefined },
      };
    }
    return { message: 'Internal server error', ...where, extensions: { code: ErrorCode.INTERNAL_SERVER_ERROR } };
  };
}
