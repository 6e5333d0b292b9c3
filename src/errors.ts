/**
 * The contract's error codes (CONTRACT.md section 7) and one small GraphQLError subclass per code.
 * Anything thrown that is not a GatewayError is masked to INTERNAL_SERVER_ERROR by formatError.
 */
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

/** An error we threw on purpose: its message is safe to show (names coordinates, never values). */
export class GatewayError extends GraphQLError {
  constructor(code: ErrorCode, message: string, httpStatus?: number) {
    super(message, {
      extensions: httpStatus === undefined ? { code } : { code, http: { status: httpStatus } },
    });
  }
}

export class UnauthenticatedError extends GatewayError {
  constructor(message = 'Authentication required: send a valid bearer token') {
    super(ErrorCode.UNAUTHENTICATED, message, 401);
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
    super(ErrorCode.PURPOSE_NOT_ALLOWED, message, 403);
  }
}
export class BadUserInputError extends GatewayError {
  constructor(message: string) {
    super(ErrorCode.BAD_USER_INPUT, message);
  }
}
export class QueryTooComplexError extends GatewayError {
  constructor(message: string) {
    super(ErrorCode.QUERY_TOO_COMPLEX, message, 400);
  }
}
export class RateLimitedError extends GatewayError {
  constructor() {
    super(ErrorCode.RATE_LIMITED, 'Too many requests: slow down', 429);
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
