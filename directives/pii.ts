/**
 * `@pii(category, redact)`: the field holds personal data of `category`; `redact` is what a caller
 * who may not see it gets. The SDL is generated from the category registry so the enum cannot drift
 * from the table enforcement uses.
 *
 * Follows graphql-tools' directive pattern: `piiDirective()` returns `{ typeDefs, transformer }`; the
 * transformer validates every annotation and returns a new schema whose annotated fields carry it in
 * `extensions.pii` (the input schema is untouched). compilePolicy reads those extensions.
 */
import { getDirective, MapperKind, mapSchema } from '@graphql-tools/utils';
import { GraphQLSchema, isNonNullType, type GraphQLFieldConfig } from 'graphql';
import { PII_CATEGORIES, isPiiCategory, CATEGORY_REGISTRY, type PiiCategory } from '../src/policy/categories';
import { REDACTIONS, type Redaction } from '../src/policy/types';
import { SchemaPolicyError } from './errors';

export interface PiiAnnotation {
  category: PiiCategory;
  redact: Redaction;
}

/** The annotation a transformed schema holds for a field, if any. */
export function piiOf(field: { extensions?: Readonly<Record<string, unknown>> | null }): PiiAnnotation | undefined {
  return field.extensions?.pii as PiiAnnotation | undefined;
}

function validate(coordinate: string, fieldConfig: GraphQLFieldConfig<unknown, unknown>, directive: Record<string, unknown>): PiiAnnotation {
  const category: unknown = directive.category;
  const redact: unknown = directive.redact ?? 'NULL';
  if (!isPiiCategory(category)) throw new SchemaPolicyError(coordinate, `unknown @pii category "${String(category)}"`);
  if (!(REDACTIONS as readonly unknown[]).includes(redact)) throw new SchemaPolicyError(coordinate, `unknown redaction "${String(redact)}"`);
  const strategy = redact as Redaction;
  if (!CATEGORY_REGISTRY[category].strategies.includes(strategy)) {
    throw new SchemaPolicyError(coordinate, `redaction ${strategy} is not defined for category ${category}`);
  }
  if (isNonNullType(fieldConfig.type)) {
    throw new SchemaPolicyError(coordinate, '@pii fields must be nullable so that redaction can return null');
  }
  return { category, redact: strategy };
}

export function piiDirective(directiveName = 'pii') {
  return {
    typeDefs: /* GraphQL */ `
      "Personal data categories (Fides-style taxonomy)."
      enum PiiCategory { ${PII_CATEGORIES.join(' ')} }
      "What a caller who may not see a personal value gets instead."
      enum Redaction { ${REDACTIONS.join(' ')} }
      "The field holds personal data of this category; redact says what is returned when it may not be shown."
      directive @${directiveName}(category: PiiCategory!, redact: Redaction = NULL) on FIELD_DEFINITION
    `,
    transformer: (schema: GraphQLSchema): GraphQLSchema =>
      mapSchema(schema, {
        [MapperKind.OBJECT_FIELD]: (fieldConfig, fieldName, typeName) => {
          const directive = getDirective(schema, fieldConfig, directiveName)?.[0];
          if (directive === undefined) return fieldConfig;
          const pii = validate(`${typeName}.${fieldName}`, fieldConfig, directive);
          return { ...fieldConfig, extensions: { ...fieldConfig.extensions, pii } };
        },
      }),
  };
}

export const piiDirectiveTypeDefs = piiDirective().typeDefs;
