/**
 * The executor for one upstream: @graphql-tools/executor-http with the configured headers, wrapped so
 * that nothing the upstream says about a failure reaches a caller. Upstream error messages, codes and
 * stacks can hold personal data and internals; each is replaced by an error with no detail (the
 * gateway's formatter answers it as INTERNAL_SERVER_ERROR) that keeps only its path, and the failure
 * is logged by upstream name and count, never by message. A network failure or timeout is the same.
 */
import { buildHTTPExecutor } from '@graphql-tools/executor-http';
import { isAsyncIterable, type ExecutionRequest, type ExecutionResult, type Executor } from '@graphql-tools/utils';
import { GraphQLError, parse } from 'graphql';
import type { Logger } from 'pino';
import type { UpstreamConfig } from './gatewayConfig';
import type { ForwardedHeaders } from './upstreamHeaders';

/** Raised in place of whatever the upstream reported; carries no upstream text. */
export class UpstreamFailure extends GraphQLError {
  constructor(path?: readonly (string | number)[]) {
    super('Upstream request failed', path === undefined ? {} : { path });
    this.name = 'UpstreamFailure';
  }
}

export interface UpstreamExecutors {
  /** For delegation: forwards the request's configured headers; errors masked. */
  executor: Executor;
  /** For introspection at start-up: configured headers only, errors as the upstream sent them. */
  introspect: Executor;
  /** Resolves when the upstream answers `{ __typename }` without errors within its timeout. */
  ping(): Promise<void>;
}

const PING = parse('{ __typename }');

/**
 * Does an error at `path` have a place in `data`: every step of its path exists until the value it
 * made null (where delegation puts the error, and graphql-js raises it)? No path at all: no place.
 */
export function landsInAnswer(data: unknown, path: readonly (string | number)[] | undefined): boolean {
  if (path === undefined || path.length === 0) return false;
  let node: unknown = data;
  for (const segment of path) {
    if (node === null) return true;
    if (typeof node !== 'object') return false;
    node = (node as Record<string | number, unknown>)[segment];
    if (node === undefined) return false;
  }
  return true;
}

export function createUpstreamExecutors(upstream: UpstreamConfig, logger: Logger, forwarded: ForwardedHeaders): UpstreamExecutors {
  const http = buildHTTPExecutor({
    endpoint: upstream.url,
    headers: (request?: ExecutionRequest) => ({ ...forwarded.for(request?.context, upstream.forwardHeaders), ...upstream.addHeaders }),
    timeout: upstream.timeoutMs,
    // Identical in-flight requests of different callers are never merged into one answer.
    deduplicateInflightRequests: false,
  });
  const masked = (result: ExecutionResult): ExecutionResult => {
    if (result.errors === undefined || result.errors.length === 0) return result;
    logger.warn({ upstream: upstream.name, errors: result.errors.length }, 'upstream answered with errors (masked)');
    const errors = result.errors.map((error) => new UpstreamFailure(error.path));
    // An error with no place in the answer fails the whole delegated operation rather than disappearing.
    const data = result.data != null && result.errors.every((error) => landsInAnswer(result.data, error.path)) ? result.data : null;
    return { data, errors };
  };
  const executor: Executor = async (request) => {
    try {
      const result = await http(request);
      if (isAsyncIterable(result)) return { errors: [new UpstreamFailure()] };
      return masked(result as ExecutionResult);
    } catch {
      logger.warn({ upstream: upstream.name }, 'upstream request failed');
      return { errors: [new UpstreamFailure()] };
    }
  };
  return {
    executor,
    introspect: http,
    async ping() {
      const result = await http({ document: PING });
      if (isAsyncIterable(result) || (result as ExecutionResult).errors?.length) throw new Error(`upstream ${upstream.name} is not ready`);
    },
  };
}
