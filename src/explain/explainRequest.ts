/**
 * Does a request ask for an explanation? Either the header `X-Privacy-Explain: 1` (or `true`) or the
 * request extension `{"extensions": {"privacy": {"explain": true}}}` in the GraphQL request body.
 */
import type { GraphQLRequest } from '@apollo/server';

export const EXPLAIN_HEADER = 'x-privacy-explain';

export function wantsExplanation(request: GraphQLRequest): boolean {
  const header = request.http?.headers.get(EXPLAIN_HEADER)?.trim().toLowerCase();
  if (header === '1' || header === 'true') return true;
  const privacy = request.extensions?.privacy as unknown;
  return privacy !== null && typeof privacy === 'object' && (privacy as Record<string, unknown>).explain === true;
}
