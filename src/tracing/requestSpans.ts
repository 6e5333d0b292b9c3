/**
 * The request-level spans around the /graphql route: `gateway.request` (whole request: method, route,
 * the caller's visibility class, the response status) and `gateway.auth` (token verification: the
 * role it established, or the error code). Nothing from the token, the body or the headers' values.
 */
import { inSpan } from './spans';

interface Authenticated {
  caller: { role: string } | null;
}

/** Runs token verification inside a `gateway.auth` span. */
export function tracedAuthentication<T extends Authenticated>(authenticate: () => Promise<T>): Promise<T> {
  return inSpan('gateway.auth', {}, async (span) => {
    const result = await authenticate();
    span.setAttribute('gateway.role', result.caller?.role ?? 'anonymous');
    return result;
  });
}

// `never` this/parameters: any route handler signature is accepted and kept as it is.
type Handler = (this: never, request: never, reply: never) => unknown;

/** Wraps a route handler in a `gateway.request` span; every span of the request nests under it. */
export function tracedRoute<H extends Handler>(handler: H): H {
  return function handleTraced(this: unknown, request: { method: string }, reply: { statusCode: number }): Promise<unknown> {
    return inSpan('gateway.request', { 'http.request.method': request.method, 'http.route': '/graphql' }, async (span) => {
      const body: unknown = await (handler as unknown as (this: unknown, ...args: unknown[]) => unknown).call(this, request, reply);
      span.setAttribute('http.response.status_code', reply.statusCode);
      return body;
    });
  } as unknown as H;
}
