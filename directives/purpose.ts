/**
 * `@purpose(allowed)`: the processing purposes a field (or every field of a type) may be used for.
 * A field-level annotation replaces the type-level one; it never widens it implicitly.
 */
import { getDirective, MapperKind, mapSchema } from '@graphql-tools/utils';
import { GraphQLSchema, isObjectType } from 'graphql';
import { PURPOSES, isPurpose, type Purpose } from '../src/policy/purposes';
import { SchemaPolicyError } from './errors';

export const purposeDirectiveTypeDefs = /* GraphQL */ `
  "Processing purposes (see the purpose registry in the manifest)."
  enum Purpose { ${PURPOSES.join(' ')} }
  "The purposes for which this field (or every field of this type) may be processed."
  directive @purpose(allowed: [Purpose!]!) on FIELD_DEFINITION | OBJECT
`;

/** Purposes per coordinate for every field that has @purpose on itself or on its type. */
export function readPurposeAnnotations(schema: GraphQLSchema): Map<string, Purpose[]> {
  const result = new Map<string, Purpose[]>();
  const parse = (coordinate: string, allowed: unknown): Purpose[] => {
    if (!Array.isArray(allowed) || allowed.length === 0) throw new SchemaPolicyError(coordinate, '@purpose needs at least one purpose');
    for (const purpose of allowed) {
      if (!isPurpose(purpose)) throw new SchemaPolicyError(coordinate, `unknown purpose "${String(purpose)}"`);
    }
    return [...new Set(allowed as Purpose[])];
  };
  mapSchema(schema, {
    [MapperKind.OBJECT_FIELD]: (fieldConfig, fieldName, typeName) => {
      const coordinate = `${typeName}.${fieldName}`;
      const own = getDirective(schema, fieldConfig, 'purpose')?.[0];
      if (own !== undefined) {
        result.set(coordinate, parse(coordinate, own.allowed));
        return fieldConfig;
      }
      const type = schema.getType(typeName);
      const inherited = isObjectType(type) ? getDirective(schema, type, 'purpose')?.[0] : undefined;
      if (inherited !== undefined) result.set(coordinate, parse(typeName, inherited.allowed));
      return fieldConfig;
    },
  });
  return result;
}
