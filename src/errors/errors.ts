/**
 * The gateway's error codes (docs/api.md#errors) and one small error class per code: GraphQLError
 * subclasses, but for the rate limit, which refuses before GraphQL runs. This is the one place that
 * decides an error's code and HTTP status. Anything thrown that is not a
 * GatewayError is masked to INTERNAL_SERVER_ERROR by the error formatter.
 */
import { HeaderMap } from '@apollo/server';
import { GraphQLError } from 'graphql';

export const ErrorCode = {
  UNAUTHENTICATED: 'UNAUTHENTICATED',
  FORBIDDEN: 'FORBIDDEN',
  PURPOSE_REQUIRED: 'PURPOSE_REQUIRED',
  PURPOSE_NOT_ALLOWED: 'PURPOSE_NOT_ALLOWED',
  BAD_USER_INPUT: 'BAD_USER_INPUT',
  QUERY_TOO_COMPLEX: 'QUERY_TOO_COMPLEX',
  RATE_LIMITED: 'RATE_LIMITED',
  INTERNAL_SERVER_ERROR: 'INTERNAL_SERVER_ERROR',
} as const;
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

/** The HTTP status of a response whose request an error of this code refused as a whole. */
export const HTTP_STATUS: Readonly<Record<ErrorCode, number>> = {
  UNAUTHENTICATED: 401, FORBIDDEN: 403, PURPOSE_REQUIRED: 400, PURPOSE_NOT_ALLOWED: 403,
  BAD_USER_INPUT: 400, QUERY_TOO_COMPLEX: 400, RATE_LIMITED: 429, INTERNAL_SERVER_ERROR: 500,
};

/**
 * Makes Apollo answer the response with the status of `code`: for an error that refuses the whole
 * request (before execution, or a refused operation), never for one field's error inside an answer.
 */
export function refuseRequestWith<T extends GraphQLError>(error: T, code: ErrorCode): T {
  (error.extensions as Record<string, unknown>).http = { status: HTTP_STATUS[code], headers: new HeaderMap() };
  return error;
}

/** An error we threw on purpose: its message is safe to show (names coordinates, never values). */
export class GatewayError extends GraphQLError {
  constructor(readonly code: ErrorCode, message: string, refusesRequest = false) {
    super(message, { extensions: { code } });
    if (refusesRequest) refuseRequestWith(this, code);
  }

  /** This error refuses the whole request: the response carries the code's HTTP status. */
  refusingRequest(): this {
    return refuseRequestWith(this, this.code);
  }
}

export class UnauthenticatedError extends GatewayError {
  constructor(message = 'Authentication required: send a valid bearer token') {
    super(ErrorCode.UNAUTHENTICATED, message, true);
  }
}
export class ForbiddenError extends GatewayError {
  constructor(message = 'Forbidden') {
    super(ErrorCode.FORBIDDEN, message);
  }
}
export class PurposeRequiredError extends GatewayError {
  constructor() {
    super(ErrorCode.PURPOSE_REQUIRED, 'State the processing purpose in the X-Purpose header');
  }
}
export class PurposeNotAllowedError extends GatewayError {
  constructor(message = 'The stated purpose is not allowed for this caller') {
    super(ErrorCode.PURPOSE_NOT_ALLOWED, message, true);
  }
}
export class BadUserInputError extends GatewayError {
  constructor(message: string) {
    super(ErrorCode.BAD_USER_INPUT, message);
  }
}
export class QueryTooComplexError extends GatewayError {
  constructor(message: string) {
    super(ErrorCode.QUERY_TOO_COMPLEX, message, true);
  }
}
/**
 * Over the per-caller rate limit. Raised by @fastify/rate-limit before GraphQL runs, so it is an HTTP
 * error (status 429) that the HTTP error handler answers in the GraphQL error shape, not a GraphQLError.
 */
export class RateLimitedError extends Error {
  readonly statusCode = HTTP_STATUS.RATE_LIMITED;
  readonly code = ErrorCode.RATE_LIMITED;
  constructor() {
    super('Too many requests: slow down');
  }
}

/** Apollo's codes for a request the client got wrong (answered BAD_USER_INPUT, never an internal error). */
export const CLIENT_ERROR_CODES: ReadonlySet<string> = new Set([
  'GRAPHQL_PARSE_FAILED', 'GRAPHQL_VALIDATION_FAILED', 'BAD_USER_INPUT', 'BAD_REQUEST',
  'OPERATION_RESOLUTION_FAILURE', 'PERSISTED_QUERY_NOT_FOUND', 'PERSISTED_QUERY_NOT_SUPPORTED',
]);

const KNOWN_CODES = new Set<string>(Object.values(ErrorCode));
export function isKnownCode(code: unknown): code is ErrorCode {
  return typeof code === 'string' && KNOWN_CODES.has(code);
}

/** Impossible states: fail loudly in development, masked to INTERNAL_SERVER_ERROR for callers. */
export function invariant(condition: unknown, message: string): asserts condition {
  if (!condition) throw new Error(`Invariant violation: ${message}`);
}
