/**
 * The one place errors leave the gateway. Our own GatewayErrors keep their code and message (which
 * name coordinates, never values); GraphQL's request errors (parse, validation, variable coercion)
 * become BAD_USER_INPUT; everything else is masked to INTERNAL_SERVER_ERROR with no message detail
 * and no stack, because driver and runtime errors can carry personal data.
 */
import { unwrapResolverError } from '@apollo/server/errors';
import type { GraphQLFormattedError } from 'graphql';
import type { Logger } from 'pino';
import { ErrorCode, GatewayError } from './errors';

/** Apollo's codes for a request the client got wrong. */
const CLIENT_ERROR_CODES = new Set([
  'GRAPHQL_PARSE_FAILED', 'GRAPHQL_VALIDATION_FAILED', 'BAD_USER_INPUT', 'BAD_REQUEST',
  'OPERATION_RESOLUTION_FAILURE', 'PERSISTED_QUERY_NOT_FOUND', 'PERSISTED_QUERY_NOT_SUPPORTED',
]);

export function createErrorFormatter(options: { exposeDetails: boolean; logger: Logger }) {
  return (formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError => {
    const original = unwrapResolverError(error);
    const where = {
      ...(formatted.locations ? { locations: formatted.locations } : {}),
      ...(formatted.path ? { path: formatted.path } : {}),
    };
    if (original instanceof GatewayError) {
      return { message: original.message, ...where, extensions: { code: original.extensions.code } };
    }
    const apolloCode = formatted.extensions?.code;
    if (typeof apolloCode === 'string' && CLIENT_ERROR_CODES.has(apolloCode)) {
      return { message: formatted.message, ...where, extensions: { code: ErrorCode.BAD_USER_INPUT } };
    }
    options.logger.error({ err: original instanceof Error ? { name: original.name, stack: original.stack } : undefined, path: formatted.path }, 'unexpected error');
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
