/**
 * Compiles the schema's @pii and @purpose annotations into the one Policy every enforcement layer,
 * the manifest and the at-rest encryption read. Runs once at start-up; throws SchemaPolicyError
 * (naming the coordinate) for a @pii field without @purpose, an unknown category or strategy, a
 * non-null PII field, or a PII-holding type without an `id` to key its subjects.
 *
 * The directive transformers run first (they are pure: a new schema out), so a schema straight from
 * SDL compiles the same as one already transformed.
 */
import { GraphQLSchema, isObjectType, type GraphQLObjectType } from 'graphql';
import type { Coordinate, FieldPolicy, Policy } from '../src/policy/types';
import { SchemaPolicyError } from './errors';
import { piiDirective, piiOf } from './pii';
import { purposeDirective, purposesOf } from './purpose';

/** Applies the @pii and @purpose transformers: annotated fields carry their annotations in `extensions`. */
export function annotateSchema(schema: GraphQLSchema): GraphQLSchema {
  return purposeDirective().transformer(piiDirective().transformer(schema));
}

/**
 * How a type holding personal data names its data subject: null when it does, else why not. Managed
 * records are subjects keyed by `id`; gateway mode names them through a configured subject key.
 */
export type SubjectRule = (type: GraphQLObjectType) => string | null;

const SUBJECT_BY_ID: SubjectRule = (type) =>
  type.getFields().id === undefined ? `type ${type.name} holds personal data but has no id field to identify its subject` : null;

export function compilePolicy(schema: GraphQLSchema, subjectRule: SubjectRule = SUBJECT_BY_ID): Policy {
  const annotated = annotateSchema(schema);
  const fields = new Map<Coordinate, FieldPolicy>();
  const subjectTypes = new Set<string>();
  for (const type of Object.values(annotated.getTypeMap())) {
    if (!isObjectType(type) || type.name.startsWith('__')) continue;
    for (const field of Object.values(type.getFields())) {
      const pii = piiOf(field);
      if (pii === undefined) continue;
      const coordinate = `${type.name}.${field.name}`;
      const allowed = purposesOf(field);
      if (allowed === undefined) throw new SchemaPolicyError(coordinate, '@pii field has no @purpose (on the field or its type)');
      const noSubject = subjectRule(type);
      if (noSubject !== null) throw new SchemaPolicyError(coordinate, noSubject);
      subjectTypes.add(type.name);
      fields.set(coordinate, Object.freeze({
        coordinate, type: type.name, field: field.name, category: pii.category, purposes: Object.freeze([...allowed]), redact: pii.redact,
      }));
    }
  }
  return Object.freeze({ fields, subjectTypes });
}
