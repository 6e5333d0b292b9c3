/**
 * `@pii(category, redact)`: the field holds personal data of `category`; `redact` is what a caller
 * who may not see it gets. The SDL is generated from the category registry so the enum cannot drift
 * from the table enforcement uses.
 */
import { getDirective, MapperKind, mapSchema } from '@graphql-tools/utils';
import { GraphQLSchema, isNonNullType } from 'graphql';
import { PII_CATEGORIES, isPiiCategory, CATEGORY_REGISTRY, type PiiCategory } from '../src/policy/categories';
import { REDACTIONS, type Redaction } from '../src/policy/types';
import { SchemaPolicyError } from './errors';

export const piiDirectiveTypeDefs = /* GraphQL */ `
  "Personal data categories (Fides-style taxonomy)."
  enum PiiCategory { ${PII_CATEGORIES.join(' ')} }
  "What a caller who may not see a personal value gets instead."
  enum Redaction { ${REDACTIONS.join(' ')} }
  "The field holds personal data of this category; redact says what is returned when it may not be shown."
  directive @pii(category: PiiCategory!, redact: Redaction = NULL) on FIELD_DEFINITION
`;

export interface PiiAnnotation {
  coordinate: string;
  category: PiiCategory;
  redact: Redaction;
}

/**
 * Reads every @pii annotation; validates it (known category, a strategy the category supports,
 * a nullable field so redaction to null is always representable). Pure: the schema is not changed.
 */
export function readPiiAnnotations(schema: GraphQLSchema): PiiAnnotation[] {
  const found: PiiAnnotation[] = [];
  mapSchema(schema, {
    [MapperKind.OBJECT_FIELD]: (fieldConfig, fieldName, typeName) => {
      const directive = getDirective(schema, fieldConfig, 'pii')?.[0];
      if (directive === undefined) return fieldConfig;
      const coordinate = `${typeName}.${fieldName}`;
      const category: unknown = directive.category;
      const redact: unknown = directive.redact ?? 'NULL';
      if (!isPiiCategory(category)) throw new SchemaPolicyError(coordinate, `unknown @pii category "${String(category)}"`);
      if (!(REDACTIONS as readonly unknown[]).includes(redact)) {
        throw new SchemaPolicyError(coordinate, `unknown redaction "${String(redact)}"`);
      }
      const strategy = redact as Redaction;
      if (!CATEGORY_REGISTRY[category].strategies.includes(strategy)) {
        throw new SchemaPolicyError(coordinate, `redaction ${strategy} is not defined for category ${category}`);
      }
      if (isNonNullType(fieldConfig.type)) {
        throw new SchemaPolicyError(coordinate, '@pii fields must be nullable so that redaction can return null');
      }
      found.push({ coordinate, category, redact: strategy });
      return fieldConfig;
    },
  });
  return found;
}
