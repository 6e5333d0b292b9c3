/**
 * Which stored fields are encrypted at rest, derived from the one source of truth: the compiled
 * Policy (the schema's @pii annotations) and CATEGORY_REGISTRY's `encryptAtRest`. A `Customer` field
 * whose category is encrypted at rest is stored encrypted under the same name in `customers`.
 */
import { CATEGORY_REGISTRY } from '../../policy/categories';
import type { Policy } from '../../policy/types';
import type { CollectionName } from '../port';

/** GraphQL subject types and the collection holding their documents (keyed by `_id` = the subject id). */
const SUBJECT_COLLECTIONS: Readonly<Record<string, CollectionName>> = { Customer: 'customers' };

export type EncryptedFieldMap = ReadonlyMap<CollectionName, ReadonlySet<string>>;

export function encryptedFieldsFromPolicy(policy: Policy): EncryptedFieldMap {
  const map = new Map<CollectionName, Set<string>>();
  for (const field of policy.fields.values()) {
    if (!CATEGORY_REGISTRY[field.category].encryptAtRest) continue;
    const collection = SUBJECT_COLLECTIONS[field.type];
    // A subject type with no stored collection of its own (e.g. a computed view) holds nothing at rest.
    if (collection === undefined) continue;
    let fields = map.get(collection);
    if (fields === undefined) map.set(collection, (fields = new Set()));
    fields.add(field.field);
  }
  return map;
}

