/**
 * The Policy of gateway mode, compiled from the annotated upstream schema with the same directive
 * transformers as managed mode (directives/pii.ts, directives/purpose.ts: known category, a strategy
 * the category supports, a nullable field, a purpose for every @pii field). The one difference is how
 * a record names its data subject: managed records are subjects keyed by `id`, upstream records name
 * theirs through the configured subject key (`Order.customerId`).
 */
import { isObjectType, type GraphQLSchema } from 'graphql';
import { annotateSchema } from '../../directives/compilePolicy';
import { SchemaPolicyError } from '../../directives/errors';
import { piiOf } from '../../directives/pii';
import { purposesOf } from '../../directives/purpose';
import type { Coordinate, FieldPolicy, Policy } from '../policy/types';
import type { SubjectKeys } from './overlay';

export function compileUpstreamPolicy(schema: GraphQLSchema, subjectKeys: SubjectKeys): Policy {
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
      if (!subjectKeys.has(type.name)) throw new SchemaPolicyError(coordinate, `type ${type.name} holds personal data but has no subject key`);
      subjectTypes.add(type.name);
      fields.set(coordinate, Object.freeze({
        coordinate, type: type.name, field: field.name, category: pii.category, purposes: Object.freeze([...allowed]), redact: pii.redact,
      }));
    }
  }
  return Object.freeze({ fields, subjectTypes });
}
