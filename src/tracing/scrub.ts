/**
 * What a store call may say about its query in a span, decided by the compiled policy: the shape of
 * the filter, with the value of every field that the schema annotates `@pii` (on any subject type)
 * replaced by its category — `{"email":"[CONTACT_EMAIL]","erasedAt":{"$exists":false}}`. A field that
 * becomes personal later only needs its `@pii` annotation: the scrubber is built from the policy, not
 * from a list in code. Values under other fields (surrogate ids, purposes, statuses, dates) are kept,
 * shortened; long arrays are summarised by their length.
 */
import type { Policy } from '../policy/types';

const MAX_ARRAY_ITEMS = 3;
const MAX_STRING = 64;
const MAX_DEPTH = 6;
export const MAX_SHAPE_LENGTH = 512;

export type FilterScrubber = (filter: unknown) => string;

/** Field name → @pii category, over every subject type of the policy. */
function personalFields(policy: Policy): ReadonlyMap<string, string> {
  const fields = new Map<string, string>();
  for (const field of policy.fields.values()) fields.set(field.field, field.category);
  return fields;
}

export function createFilterScrubber(policy: Policy): FilterScrubber {
  const personal = personalFields(policy);
  const scrub = (value: unknown, category: string | undefined, depth: number): unknown => {
    if (depth > MAX_DEPTH) return '[…]';
    if (Array.isArray(value)) {
      const items = value.slice(0, MAX_ARRAY_ITEMS).map((item) => scrub(item, category, depth + 1));
      return value.length > MAX_ARRAY_ITEMS ? [...items, `[+${value.length - MAX_ARRAY_ITEMS} more]`] : items;
    }
    if (value !== null && typeof value === 'object') {
      const out: Record<string, unknown> = {};
      for (const [key, inner] of Object.entries(value)) {
        // Operators ($in, $gt, …) keep the field they apply to; a field name (or any segment of a
        // dotted path) sets it.
        const next = key.startsWith('$') ? category : key.split('.').map((part) => personal.get(part)).find((found) => found !== undefined) ?? category;
        out[key] = scrub(inner, next, depth + 1);
      }
      return out;
    }
    if (category !== undefined) return `[${category}]`;
    if (typeof value === 'string') return value.length > MAX_STRING ? `${value.slice(0, MAX_STRING)}…` : value;
    return value ?? null;
  };
  return (filter) => {
    const text = JSON.stringify(scrub(filter, undefined, 0)) ?? 'null';
    return text.length > MAX_SHAPE_LENGTH ? `${text.slice(0, MAX_SHAPE_LENGTH)}…` : text;
  };
}
