/**
 * `@purpose(allowed)`: the processing purposes a field (or every field of a type) may be used for.
 * A field-level annotation replaces the type-level one; it never widens it implicitly.
 *
 * graphql-tools' directive pattern: `purposeDirective()` returns `{ typeDefs, transformer }`; the
 * transformer returns a new schema whose fields carry their effective purposes in `extensions.purposes`.
 */
import { getDirective, MapperKind, mapSchema } from '@graphql-tools/utils';
import { GraphQLSchema, isObjectType } from 'graphql';
import { PURPOSES, isPurpose, type Purpose } from '../src/policy/purposes';
import { SchemaPolicyError } from './errors';

/** The effective purposes a transformed schema holds for a field, if any. */
export function purposesOf(field: { extensions?: Readonly<Record<string, unknown>> | null }): readonly Purpose[] | undefined {
  return field.extensions?.purposes as readonly Purpose[] | undefined;
}

function parse(coordinate: string, allowed: unknown): Purpose[] {
  if (!Array.isArray(allowed) || allowed.length === 0) throw new SchemaPolicyError(coordinate, '@purpose needs at least one purpose');
  for (const purpose of allowed) {
    if (!isPurpose(purpose)) throw new SchemaPolicyError(coordinate, `unknown purpose "${String(purpose)}"`);
  }
  return [...new Set(allowed as Purpose[])];
}

export function purposeDirective(directiveName = 'purpose') {
  return {
    typeDefs: /* GraphQL */ `
      "Processing purposes (see the purpose registry in the manifest)."
      enum Purpose { ${PURPOSES.join(' ')} }
      "The purposes for which this field (or every field of this type) may be processed."
      directive @${directiveName}(allowed: [Purpose!]!) on FIELD_DEFINITION | OBJECT
    `,
    transformer: (schema: GraphQLSchema): GraphQLSchema =>
      mapSchema(schema, {
        [MapperKind.OBJECT_FIELD]: (fieldConfig, fieldName, typeName) => {
          const own = getDirective(schema, fieldConfig, directiveName)?.[0];
          const type = schema.getType(typeName);
          const inherited = own === undefined && isObjectType(type) ? getDirective(schema, type, directiveName)?.[0] : undefined;
          if (own === undefined && inherited === undefined) return fieldConfig;
          const purposes = own !== undefined ? parse(`${typeName}.${fieldName}`, own.allowed) : parse(typeName, inherited!.allowed);
          return { ...fieldConfig, extensions: { ...fieldConfig.extensions, purposes } };
        },
      }),
  };
}

export const purposeDirectiveTypeDefs = purposeDirective().typeDefs;
