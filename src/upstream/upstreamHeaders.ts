/**
 * The incoming request headers upstreams are configured to receive, captured once per request (an
 * Apollo plugin sees the HTTP request; the executor only sees the GraphQL context). One instance per
 * gateway; the values are kept in a WeakMap keyed by the request's own context, so they live and die
 * with that request.
 */
import type { ApolloServerPlugin } from '@apollo/server';
import type { GatewayContext } from '../admission/context';

export class ForwardedHeaders {
  private readonly perRequest = new WeakMap<object, ReadonlyMap<string, string>>();

  /** `names`: every header any upstream forwards (lower-case). */
  constructor(private readonly names: ReadonlySet<string>) {}

  /** Captures the configured headers of each request. */
  plugin(): ApolloServerPlugin<GatewayContext> {
    const { names, perRequest } = this;
    return {
      async requestDidStart({ request, contextValue }) {
        if (names.size === 0 || request.http === undefined) return;
        const captured = new Map<string, string>();
        for (const name of names) {
          const value = request.http.headers.get(name);
          if (value !== undefined) captured.set(name, value);
        }
        perRequest.set(contextValue, captured);
      },
    };
  }

  /** The captured values of `names` for the request that owns `context` (none outside a request). */
  for(context: unknown, names: readonly string[]): Record<string, string> {
    const captured = context !== null && typeof context === 'object' ? this.perRequest.get(context) : undefined;
    const headers: Record<string, string> = {};
    if (captured === undefined) return headers;
    for (const name of names) {
      const value = captured.get(name);
      if (value !== undefined) headers[name] = value;
    }
    return headers;
  }
}
