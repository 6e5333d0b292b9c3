/**
 * The Policy of gateway mode, compiled from the annotated upstream schema with the same directive
 * transformers as managed mode (directives/pii.ts, directives/purpose.ts: known category, a strategy
 * the category supports, a nullable field, a purpose for every @pii field). The one difference is how
 * a record names its data subject: managed records are subjects keyed by `id`, upstream records name
 * theirs through the configured subject key (`Order.customerId`).
 */
import type { GraphQLSchema } from 'graphql';
import { compilePolicy } from '../../directives/compilePolicy';
import type { Policy } from '../policy/types';
import type { SubjectKeys } from './overlay';

export function compileUpstreamPolicy(schema: GraphQLSchema, subjectKeys: SubjectKeys): Policy {
  return compilePolicy(schema, (type) => (subjectKeys.has(type.name) ? null : `type ${type.name} holds personal data but has no subject key`));
}
