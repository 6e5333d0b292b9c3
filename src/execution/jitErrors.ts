/**
 * graphql-jit reports errors with its own lightweight error objects: no `nodes`, no `source`, and no
 * `extensions` unless the thrown error had some. Everything downstream (Apollo's error handling, the
 * unexpected-error plugin, the error formatter, the visibility plugin) was written against graphql-js,
 * so each error is rebuilt here the way graphql-js's `locatedError` builds it: same message, path and
 * locations, the thrown error as `originalError` (its `extensions`, e.g. our error code, carried
 * over), an error graphql-js already located returned as it is, and a plain Error standing in as the
 * original where graphql-js would have had one (a null in a non-null field, a value a scalar cannot
 * serialize) so that an unexpected error is recognised and masked exactly as before.
 */
import { GraphQLError, locatedError, type SourceLocation } from 'graphql';

export function toGraphQLJsError(error: GraphQLError): GraphQLError {
  // graphql-js's own wrapping: a thrown non-Error value becomes "Unexpected error value: …", an
  // already located error is returned as it is, anything else keeps its message and extensions.
  const rebuilt = locatedError(error.originalError ?? new Error(error.message), undefined, error.path);
  if (rebuilt.locations === undefined && error.locations !== undefined) (rebuilt as { locations: readonly SourceLocation[] | undefined }).locations = error.locations;
  return rebuilt;
}
