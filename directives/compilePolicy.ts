/**
 * Compiles the schema's @pii and @purpose annotations into the one Policy every enforcement layer,
 * the manifest and the at-rest encryption read. Runs once at start-up; throws SchemaPolicyError
 * (naming the coordinate) for a @pii field without @purpose, an unknown category or strategy, a
 * non-null PII field, or a PII-holding type without an `id` to key its subjects.
 */
import { GraphQLSchema, isObjectType } from 'graphql';
import type { Coordinate, FieldPolicy, Policy } from '../src/policy/types';
import { SchemaPolicyError } from './errors';
import { readPiiAnnotations } from './pii';
import { readPurposeAnnotations } from './purpose';

export function compilePolicy(schema: GraphQLSchema): Policy {
  const purposes = readPurposeAnnotations(schema);
  const fields = new Map<Coordinate, FieldPolicy>();
  const subjectTypes = new Set<string>();
  for (const annotation of readPiiAnnotations(schema)) {
    const allowed = purposes.get(annotation.coordinate);
    if (allowed === undefined) {
      throw new SchemaPolicyError(annotation.coordinate, '@pii field has no @purpose (on the field or its type)');
    }
    const [type, field] = annotation.coordinate.split('.') as [string, string];
    const objectType = schema.getType(type);
    if (!isObjectType(objectType) || objectType.getFields().id === undefined) {
      throw new SchemaPolicyError(annotation.coordinate, `type ${type} holds personal data but has no id field to identify its subject`);
    }
    subjectTypes.add(type);
    fields.set(annotation.coordinate, Object.freeze({
      coordinate: annotation.coordinate,
      type,
      field,
      category: annotation.category,
      purposes: Object.freeze([...allowed]),
      redact: annotation.redact,
    }));
  }
  return Object.freeze({ fields, subjectTypes });
}
