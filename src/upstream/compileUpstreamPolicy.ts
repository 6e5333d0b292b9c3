/**
 * The Policy of gateway mode, compiled from the annotated upstream schema with the same directive
 * readers as managed mode (directives/pii.ts, directives/purpose.ts: known category, a strategy the
 * category supports, a nullable field, a purpose for every @pii field). The one difference is how a
 * record names its data subject: managed records are subjects keyed by `id`, upstream records name
 * theirs through the configured subject key (`Order.customerId`).
 */
import type { GraphQLSchema } from 'graphql';
import { SchemaPolicyError } from '../../directives/errors';
import { readPiiAnnotations } from '../../directives/pii';
import { readPurposeAnnotations } from '../../directives/purpose';
import type { Coordinate, FieldPolicy, Policy } from '../policy/types';
import type { SubjectKeys } from './overlay';

export function compileUpstreamPolicy(annotated: GraphQLSchema, subjectKeys: SubjectKeys): Policy {
  const purposes = readPurposeAnnotations(annotated);
  const fields = new Map<Coordinate, FieldPolicy>();
  const subjectTypes = new Set<string>();
  for (const annotation of readPiiAnnotations(annotated)) {
    const allowed = purposes.get(annotation.coordinate);
    if (allowed === undefined) throw new SchemaPolicyError(annotation.coordinate, '@pii field has no @purpose (on the field or its type)');
    const [type, field] = annotation.coordinate.split('.') as [string, string];
    if (!subjectKeys.has(type)) throw new SchemaPolicyError(annotation.coordinate, `type ${type} holds personal data but has no subject key`);
    subjectTypes.add(type);
    fields.set(annotation.coordinate, Object.freeze({
      coordinate: annotation.coordinate, type, field, category: annotation.category, purposes: Object.freeze([...allowed]), redact: annotation.redact,
    }));
  }
  return Object.freeze({ fields, subjectTypes });
}
