/**
 * How the gateway reads an upstream's answer once it arrived. A root operation is delegated once
 * (@graphql-tools/delegate, see upstreamGateway.ts); everything below it is already in that answer,
 * keyed by the client's response keys (aliases included), because the delegated request keeps the
 * client's selection. So a field of an upstream type needs no per-field stitching machinery (merged
 * resolvers, result annotation, a second delegation plan): it reads its own response key.
 *
 * Upstream errors stay where they happened: delegation puts each (already masked, see
 * upstreamExecutor.ts) at its path in the answer, and graphql-js raises an Error value it finds there
 * at that path. An error the answer has no place for (no path, or a path into nothing) already made
 * the executor drop the answer, so the root field fails rather than the error disappearing.
 */
import type { GraphQLFieldResolver } from 'graphql';

/** The value of this field in the upstream answer: `parent[alias ?? name]`. */
export const responseKeyResolver: GraphQLFieldResolver<unknown, unknown> = (parent, _args, _context, info) => {
  const alias = info.fieldNodes[0]!.alias;
  return (parent as Record<string, unknown>)[alias === undefined ? info.fieldName : alias.value];
};
