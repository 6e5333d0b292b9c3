/**
 * graphql-js resolves a field that has no resolver with `defaultFieldResolver`: the parent's property
 * of that name, and when that property is a function, the result of calling it with (args, context,
 * info). The gateway relies on that (a connection's `totalCount` is a function, so the count runs only
 * when selected). graphql-jit reads such a property directly instead; so the schema it compiles against
 * gives every field without a resolver graphql-js's own default resolver. The copy has the same types,
 * fields and resolvers otherwise; Apollo keeps validating against the original.
 */
import { MapperKind, mapSchema } from '@graphql-tools/utils';
import { defaultFieldResolver, type GraphQLSchema } from 'graphql';

export function withDefaultResolvers(schema: GraphQLSchema): GraphQLSchema {
  return mapSchema(schema, {
    [MapperKind.OBJECT_FIELD]: (fieldConfig) => (fieldConfig.resolve === undefined ? { ...fieldConfig, resolve: defaultFieldResolver } : fieldConfig),
  });
}
