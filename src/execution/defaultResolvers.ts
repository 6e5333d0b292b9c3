/**
 * graphql-js resolves a field that has no resolver with `defaultFieldResolver`: the parent's property
 * of that name, and when that property is a function, the result of calling it with (args, context,
 * info). The gateway relies on that in one place: a connection's `totalCount` is a function, so the
 * count runs only when selected. graphql-jit reads such a property directly instead, so the schema it
 * compiles against gives graphql-js's own default resolver to the fields of connection types (and to
 * any field that takes arguments, the only other way a property could expect a call). Every other
 * field without a resolver stays a plain property read: its parents are data (store documents and
 * their copies), and a resolver call per value would cost an `info` object and a path per value.
 * The copy has the same types, fields and resolvers otherwise; Apollo keeps validating against the
 * original.
 */
import { MapperKind, mapSchema } from '@graphql-tools/utils';
import { defaultFieldResolver, type GraphQLFieldConfig, type GraphQLSchema } from 'graphql';

/** Could the parent's property for this field be a function graphql-js would call? */
function mayBeComputed(fieldConfig: GraphQLFieldConfig<unknown, unknown>, typeName: string): boolean {
  return typeName.endsWith('Connection') || Object.keys(fieldConfig.args ?? {}).length > 0;
}

export function withDefaultResolvers(schema: GraphQLSchema): GraphQLSchema {
  return mapSchema(schema, {
    [MapperKind.OBJECT_FIELD]: (fieldConfig, _fieldName, typeName) =>
      (fieldConfig.resolve === undefined && mayBeComputed(fieldConfig, typeName) ? { ...fieldConfig, resolve: defaultFieldResolver } : fieldConfig),
  });
}
