/**
 * Errors Fastify raises before a request reaches GraphQL (body too large, malformed JSON, unsupported
 * content type, unknown route) answered in the GraphQL error shape, `{ errors: [{ message,
 * extensions: { code } }] }`, with the right HTTP status. Messages are fixed strings: Fastify's own
 * carry pieces of the body (JSON.parse quotes it) or the URL.
 */
import type { FastifyError, FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { ErrorCode } from '../errors/errors';

const MESSAGES: Record<string, string> = {
  FST_ERR_CTP_BODY_TOO_LARGE: 'Request body is too large',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'Unsupported content type: send application/json',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'Empty JSON body',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'Content-Length does not match the body',
};

export function errorBody(message: string, code: string): { errors: { message: string; extensions: { code: string } }[] } {
  return { errors: [{ message, extensions: { code } }] };
}

function clientMessage(error: FastifyError, status: number, bodyLimit: number): string {
  if (error.code === 'FST_ERR_CTP_BODY_TOO_LARGE' || status === 413) return `${MESSAGES.FST_ERR_CTP_BODY_TOO_LARGE} (limit ${bodyLimit} bytes)`;
  const known = MESSAGES[error.code];
  if (known !== undefined) return known;
  if (error instanceof SyntaxError || /JSON/i.test(error.message)) return 'Malformed JSON body';
  if (/prototype/i.test(error.message)) return 'JSON body contains a forbidden property (__proto__ or constructor.prototype)';
  return 'Bad request';
}

export function registerHttpErrorHandlers(app: FastifyInstance, options: { exposeDetails: boolean; logger: Logger; bodyLimit: number }): void {
  app.setErrorHandler((error: FastifyError, request, reply) => {
    const status = typeof error.statusCode === 'number' && error.statusCode >= 400 && error.statusCode < 600 ? error.statusCode : 500;
    if (status >= 500) {
      options.logger.error({ requestId: request.id, err: { name: error.name, code: error.code } }, 'unexpected HTTP error');
      const message = options.exposeDetails ? error.message : 'Internal server error';
      return reply.code(500).type('application/json; charset=utf-8').send(errorBody(message, ErrorCode.INTERNAL_SERVER_ERROR));
    }
    // @fastify/rate-limit's refusal (admission/graphqlRoute.ts); Retry-After is already set.
    if (status === 429) return reply.code(429).type('application/json; charset=utf-8').send(errorBody(error.message, ErrorCode.RATE_LIMITED));
    const message = options.exposeDetails ? error.message : clientMessage(error, status, options.bodyLimit);
    return reply.code(status).type('application/json; charset=utf-8').send(errorBody(message, ErrorCode.BAD_USER_INPUT));
  });
  app.setNotFoundHandler((_request, reply) => reply.code(404).type('application/json; charset=utf-8').send(errorBody('Not found', ErrorCode.BAD_USER_INPUT)));
}
