/**
 * What changed between two compiled policies (two manifests, as /privacy/manifest publishes them),
 * per coordinate, and whether each change widens access:
 *
 * - a new `@pii` field (new personal data reaches the roles that see it in clear) — widens;
 * - a `@pii` annotation removed from a field the schema still has (now in clear for every caller who
 *   can reach it) — widens; from a field gone from the schema — narrows; unknown (manifest input) — widens;
 * - a purpose added to a field's `@purpose` — widens; removed — narrows;
 * - a role newly seeing a field in clear — widens; no longer — narrows;
 * - a weaker redaction (REDACTION_STRENGTH below) — widens; stronger — narrows;
 * - a category change — reported; its effect on who sees what shows in the role changes it causes;
 * - a field no longer encrypted at rest — widens; newly encrypted — narrows;
 * - the role table (a role's purposes, how it sees personal data) and the purpose registry (consent
 *   model, legal basis) — a role gaining a purpose, any change of a role's access mode and a weaker
 *   consent model widen.
 * Anything the diff cannot rank is reported as WIDENS, so an unknown change is reviewed, not waved through.
 */
import type { PrivacyManifest } from '../privacy/manifest';

export type Effect = 'WIDENS' | 'NARROWS' | 'CHANGES';

export interface PolicyChange {
  /** `Type.field`, `role:<name>` or `purpose:<NAME>`. */
  coordinate: string;
  kind: string;
  effect: Effect;
  before: string | null;
  after: string | null;
}

/** Strongest first: NULL hides everything; a pseudonym only tells equal values apart; a mask keeps the
 * shape and a few characters; a generalization keeps a true but coarse value; CLEAR keeps all of it. */
export const REDACTION_STRENGTH = ['NULL', 'PSEUDONYMIZE', 'MASK', 'GENERALIZE', 'CLEAR'] as const;
/** Strongest first: opt-in needs a yes; opt-out only respects a no; NONE does not ask. */
export const CONSENT_STRENGTH = ['OPT_IN', 'OPT_OUT', 'NONE'] as const;

type Field = PrivacyManifest['fields'][number];
type Role = PrivacyManifest['roles'][number];
type Purpose = PrivacyManifest['purposes'][number];

const rank = (order: readonly string[], value: string): number => {
  const index = order.indexOf(value);
  return index === -1 ? order.length : index;
};
const list = (values: readonly string[]): string => (values.length > 0 ? [...values].join(', ') : '—');
const byKey = <T>(items: readonly T[], key: (item: T) => string): Map<string, T> => new Map(items.map((item) => [key(item), item]));

function setChanges(coordinate: string, what: string, before: readonly string[], after: readonly string[], added: Effect, removed: Effect): PolicyChange[] {
  const changes: PolicyChange[] = [];
  for (const value of after) if (!before.includes(value)) changes.push({ coordinate, kind: `${what}_ADDED`, effect: added, before: null, after: value });
  for (const value of before) if (!after.includes(value)) changes.push({ coordinate, kind: `${what}_REMOVED`, effect: removed, before: value, after: null });
  return changes;
}

function orderedChange(coordinate: string, kind: string, order: readonly string[], before: string, after: string): PolicyChange[] {
  if (before === after) return [];
  // A value the order does not know counts as weaker (reviewed, not waved through).
  const unknown = rank(order, before) === order.length || rank(order, after) === order.length;
  const weaker = unknown || rank(order, after) > rank(order, before);
  return [{ coordinate, kind: `${kind}_${weaker ? 'WEAKER' : 'STRONGER'}`, effect: weaker ? 'WIDENS' : 'NARROWS', before, after }];
}

/** An added purpose, with the roles that may act under it and see the field in clear. */
function purposeAdded(change: PolicyChange, field: Field, roles: readonly Role[]): PolicyChange {
  if (change.kind !== 'PURPOSE_ADDED' || change.after === null) return change;
  const purpose = change.after;
  const who = roles.filter((role) => role.purposes.includes(purpose as Role['purposes'][number]) && field.roles.includes(role.name)).map((role) => role.name);
  return who.length > 0 ? { ...change, after: `${purpose} (in clear for ${who.join(', ')})` } : change;
}

function fieldChanges(coordinate: string, old: Field, next: Field, roles: readonly Role[]): PolicyChange[] {
  const changes: PolicyChange[] = [];
  if (old.category !== next.category) changes.push({ coordinate, kind: 'CATEGORY_CHANGED', effect: 'CHANGES', before: old.category, after: next.category });
  changes.push(...setChanges(coordinate, 'PURPOSE', old.purposes, next.purposes, 'WIDENS', 'NARROWS').map((change) => purposeAdded(change, next, roles)));
  changes.push(...setChanges(coordinate, 'ROLE_IN_CLEAR', old.roles, next.roles, 'WIDENS', 'NARROWS'));
  changes.push(...orderedChange(coordinate, 'REDACTION', REDACTION_STRENGTH, old.redact, next.redact));
  if (old.encryptedAtRest !== next.encryptedAtRest) {
    changes.push({ coordinate, kind: next.encryptedAtRest ? 'ENCRYPTION_ADDED' : 'ENCRYPTION_DROPPED', effect: next.encryptedAtRest ? 'NARROWS' : 'WIDENS', before: String(old.encryptedAtRest), after: String(next.encryptedAtRest) });
  }
  return changes;
}

function describeField(field: Field): string {
  return `${field.category}, purposes ${list(field.purposes)}, redact ${field.redact}, in clear for ${list(field.roles)}`;
}

/** Schema field coordinates of the new side, when known (a schema input); null for a manifest input. */
export type SchemaFields = ReadonlySet<string> | null;

function fieldsDiff(old: PrivacyManifest, next: PrivacyManifest, nextSchemaFields: SchemaFields): PolicyChange[] {
  const key = (field: Field) => `${field.type}.${field.field}`;
  const before = byKey(old.fields, key);
  const after = byKey(next.fields, key);
  const changes: PolicyChange[] = [];
  for (const [coordinate, field] of after) {
    const previous = before.get(coordinate);
    if (previous === undefined) changes.push({ coordinate, kind: 'PII_ADDED', effect: 'WIDENS', before: null, after: describeField(field) });
    else changes.push(...fieldChanges(coordinate, previous, field, next.roles));
  }
  for (const [coordinate, field] of before) {
    if (after.has(coordinate)) continue;
    const gone = nextSchemaFields !== null && !nextSchemaFields.has(coordinate);
    changes.push(gone
      ? { coordinate, kind: 'FIELD_REMOVED', effect: 'NARROWS', before: describeField(field), after: null }
      : { coordinate, kind: 'PII_REMOVED', effect: 'WIDENS', before: describeField(field), after: 'CLEAR (no @pii)' });
  }
  return changes;
}

function rolesDiff(old: readonly Role[], next: readonly Role[]): PolicyChange[] {
  const before = byKey(old, (role) => role.name);
  const changes: PolicyChange[] = [];
  for (const role of next) {
    const coordinate = `role:${role.name}`;
    const previous = before.get(role.name);
    if (previous === undefined) {
      changes.push({ coordinate, kind: 'ROLE_ADDED', effect: 'WIDENS', before: null, after: `${role.clearData}, purposes ${list(role.purposes)}` });
      continue;
    }
    changes.push(...setChanges(coordinate, 'ROLE_PURPOSE', previous.purposes, role.purposes, 'WIDENS', 'NARROWS'));
    if (previous.clearData !== role.clearData) changes.push({ coordinate, kind: 'CLEAR_DATA_CHANGED', effect: 'WIDENS', before: previous.clearData, after: role.clearData });
    if (previous.aggregates !== role.aggregates) changes.push({ coordinate, kind: 'AGGREGATES_CHANGED', effect: role.aggregates ? 'WIDENS' : 'NARROWS', before: String(previous.aggregates), after: String(role.aggregates) });
  }
  for (const role of old) if (!next.some((r) => r.name === role.name)) changes.push({ coordinate: `role:${role.name}`, kind: 'ROLE_REMOVED', effect: 'NARROWS', before: role.clearData, after: null });
  return changes;
}

function purposesDiff(old: readonly Purpose[], next: readonly Purpose[]): PolicyChange[] {
  const before = byKey(old, (purpose) => purpose.name);
  const changes: PolicyChange[] = [];
  for (const purpose of next) {
    const coordinate = `purpose:${purpose.name}`;
    const previous = before.get(purpose.name);
    if (previous === undefined) {
      changes.push({ coordinate, kind: 'PURPOSE_DEFINED', effect: 'WIDENS', before: null, after: `${purpose.legalBasis}, ${purpose.consent}` });
      continue;
    }
    changes.push(...orderedChange(coordinate, 'CONSENT', CONSENT_STRENGTH, previous.consent, purpose.consent));
    if (previous.legalBasis !== purpose.legalBasis) changes.push({ coordinate, kind: 'LEGAL_BASIS_CHANGED', effect: 'CHANGES', before: previous.legalBasis, after: purpose.legalBasis });
  }
  return changes;
}

export function diffManifests(old: PrivacyManifest, next: PrivacyManifest, nextSchemaFields: SchemaFields = null): PolicyChange[] {
  return [...fieldsDiff(old, next, nextSchemaFields), ...rolesDiff(old.roles, next.roles), ...purposesDiff(old.purposes, next.purposes)]
    .sort((a, b) => a.coordinate.localeCompare(b.coordinate) || a.kind.localeCompare(b.kind)
      || String(a.after).localeCompare(String(b.after)) || String(a.before).localeCompare(String(b.before)));
}

export function widens(changes: readonly PolicyChange[]): boolean {
  return changes.some((change) => change.effect === 'WIDENS');
}
