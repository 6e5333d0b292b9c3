/**
 * Structured logs (pino). Personal data never reaches a log line:
 * - requests are logged by method, path (no query string: a GET /graphql query may carry an email),
 *   status and request id only; headers are never logged;
 * - errors are logged by name, code and stack frames, never by message (a driver or JSON-parse
 *   message can quote the input that caused it);
 * - as a last line of defence, every message string has query strings and email addresses scrubbed
 *   (a library's own message, e.g. "Route GET:/x?email=… not found", is out of our hands).
 */
import pino, { type DestinationStream, type Logger } from 'pino';
import type { Config } from './config';

const QUERY_STRING = /(\/[^\s?"']*)\?[^\s"']*/g;
const EMAIL = /[^\s@"'<>(),;:]+@[^\s@"'<>(),;:]+\.[a-z]{2,}/gi;

/** Removes query strings and email addresses from a free-text message. */
export function scrubMessage(message: string): string {
  return message.replace(QUERY_STRING, '$1?[redacted]').replace(EMAIL, '[redacted-email]');
}

/** An error as logs may show it: what kind and where, never what it said. */
export function serializeError(error: unknown): Record<string, unknown> {
  if (error === null || typeof error !== 'object') return { type: typeof error };
  const { name, code, statusCode, stack } = error as { name?: unknown; code?: unknown; statusCode?: unknown; stack?: unknown };
  const frames = typeof stack === 'string' ? stack.split('\n').filter((line) => /^\s+at /.test(line)).map((line) => line.trim()) : undefined;
  return {
    name: typeof name === 'string' ? name : 'Error',
    ...(typeof code === 'string' || typeof code === 'number' ? { code } : {}),
    ...(typeof statusCode === 'number' ? { statusCode } : {}),
    ...(frames !== undefined ? { stack: frames } : {}),
  };
}

export function createLogger(config: Pick<Config, 'logLevel'>, destination?: DestinationStream): Logger {
  return pino({
    level: config.logLevel,
    base: { service: 'privacy-gateway' },
    serializers: {
      req: (req: { id?: unknown; method?: string; url?: string }) => ({ id: req.id, method: req.method, path: req.url?.split('?')[0] }),
      res: (res: { statusCode?: number }) => ({ statusCode: res.statusCode }),
      err: serializeError,
      error: serializeError,
    },
    redact: { paths: ['req.headers', 'headers', '*.headers', '*.authorization', 'authorization'], censor: '[redacted]' },
    hooks: {
      logMethod(args, method) {
        const scrubbed = args.map((arg) => (typeof arg === 'string' ? scrubMessage(arg) : arg));
        method.apply(this, scrubbed as Parameters<typeof method>);
      },
    },
  }, destination);
}
