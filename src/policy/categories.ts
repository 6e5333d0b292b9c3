/**
 * Personal-data categories (Fides-style taxonomy, docs/api.md#schema-annotations) and what each allows.
 *
 * `directIdentifier`: names or reaches a person (the CONTACT_* and NAME categories, and unique ids); the
 * analyst sees it only as a keyed pseudonym where processing is allowed, or null.
 * `strategies`: the redactions that make sense for the category's values; anything else in the
 * schema is a start-up error, so a GENERALIZE on a category with no generalizer cannot slip through.
 * `encryptAtRest`: identifying values that are stored encrypted; the rest stay queryable for segments.
 */
import type { Redaction } from './redactions';

export const PII_CATEGORIES = [
  'CONTACT_EMAIL',
  'CONTACT_PHONE',
  'CONTACT_POSTAL_CODE',
  'NAME',
  'DATE_OF_BIRTH',
  'LOCATION',
  'BEHAVIOR',
  'FINANCIAL',
  'IDENTIFIER',
  'PRIVACY_PREFERENCES',
] as const;
export type PiiCategory = (typeof PII_CATEGORIES)[number];

export interface CategoryDefinition {
  name: PiiCategory;
  /** Fideslang data category key. */
  fidesKey: string;
  directIdentifier: boolean;
  encryptAtRest: boolean;
  strategies: readonly Redaction[];
}

const TEXTUAL: readonly Redaction[] = ['NULL', 'MASK', 'PSEUDONYMIZE'];

export const CATEGORY_REGISTRY: Readonly<Record<PiiCategory, CategoryDefinition>> = {
  CONTACT_EMAIL: { name: 'CONTACT_EMAIL', fidesKey: 'user.contact.email', directIdentifier: true, encryptAtRest: true, strategies: TEXTUAL },
  CONTACT_PHONE: { name: 'CONTACT_PHONE', fidesKey: 'user.contact.phone_number', directIdentifier: true, encryptAtRest: true, strategies: TEXTUAL },
  CONTACT_POSTAL_CODE: {
    name: 'CONTACT_POSTAL_CODE', fidesKey: 'user.contact.address.postal_code', directIdentifier: true, encryptAtRest: true,
    strategies: [...TEXTUAL, 'GENERALIZE'],
  },
  NAME: { name: 'NAME', fidesKey: 'user.name', directIdentifier: true, encryptAtRest: true, strategies: TEXTUAL },
  DATE_OF_BIRTH: {
    name: 'DATE_OF_BIRTH', fidesKey: 'user.demographic.date_of_birth', directIdentifier: false, encryptAtRest: true,
    strategies: ['NULL', 'PSEUDONYMIZE', 'GENERALIZE'],
  },
  LOCATION: { name: 'LOCATION', fidesKey: 'user.location', directIdentifier: false, encryptAtRest: false, strategies: ['NULL'] },
  BEHAVIOR: { name: 'BEHAVIOR', fidesKey: 'user.behavior', directIdentifier: false, encryptAtRest: false, strategies: ['NULL', 'GENERALIZE'] },
  FINANCIAL: { name: 'FINANCIAL', fidesKey: 'user.financial', directIdentifier: false, encryptAtRest: false, strategies: ['NULL', 'GENERALIZE'] },
  IDENTIFIER: { name: 'IDENTIFIER', fidesKey: 'user.unique_id', directIdentifier: true, encryptAtRest: true, strategies: TEXTUAL },
  PRIVACY_PREFERENCES: {
    name: 'PRIVACY_PREFERENCES', fidesKey: 'user.privacy_preferences', directIdentifier: false, encryptAtRest: false,
    strategies: ['NULL'],
  },
};

export function isPiiCategory(value: unknown): value is PiiCategory {
  return typeof value === 'string' && (PII_CATEGORIES as readonly string[]).includes(value);
}
