/**
 * The rate-limit key of a request: the verified caller (`role:sub`, plus the partner id for partners)
 * or, without a valid token, the client address. The limiter itself is @fastify/rate-limit, run
 * after token verification (graphqlRoute.ts) so that the key is the caller, not a header it chose.
 */
import type { Caller } from '../policy/types';

export function rateLimitKey(caller: Caller | null, address: string): string {
  if (caller === null) return `ip:${address}`;
  return caller.partnerId === null ? `${caller.role}:${caller.sub}` : `${caller.role}:${caller.partnerId}:${caller.sub}`;
}
