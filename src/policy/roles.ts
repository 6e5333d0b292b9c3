/**
 * The role table (CONTRACT.md section 4) as data: what each role may read, under which purposes it
 * may act, and which operations it may run. The manifest exports it; the shield rules are generated
 * from OPERATIONS; decide() reads ROLE_TABLE.
 */
import type { Purpose } from './purposes';

export const ROLES = ['privacy_officer', 'marketer', 'analyst', 'support', 'partner', 'customer'] as const;
export type Role = (typeof ROLES)[number];

export function isRole(value: unknown): value is Role {
  return typeof value === 'string' && (ROLES as readonly string[]).includes(value);
}

export interface RoleDefinition {
  name: Role;
  /** Human summary for the manifest. */
  readsRecords: string;
  /**
   * How @pii values reach this role:
   * - `all-under-legal-compliance`: every field in clear under LEGAL_COMPLIANCE, else like `per-purpose`;
   * - `per-purpose`: in clear when the field's @purpose holds the request purpose and consent allows;
   * - `pseudonymized-identifiers`: per-purpose, but a direct identifier is a keyed pseudonym where processing is allowed and null where it is not (never a mask, never clear);
   * - `own-record`: the subject's own record, all fields;
   * - `none`: never.
   */
  clearData: 'all-under-legal-compliance' | 'per-purpose' | 'pseudonymized-identifiers' | 'own-record' | 'none';
  /** Purposes the role may ever act under; a token claiming others is narrowed to these. */
  purposes: readonly Purpose[];
  aggregates: boolean;
  writes: readonly string[];
}

export const ROLE_TABLE: Readonly<Record<Role, RoleDefinition>> = {
  privacy_officer: {
    name: 'privacy_officer', readsRecords: 'all', clearData: 'all-under-legal-compliance',
    purposes: ['LEGAL_COMPLIANCE', 'SUPPORT', 'ANALYTICS', 'MARKETING', 'PERSONALIZATION', 'THIRD_PARTY_SHARING'],
    aggregates: true, writes: ['erase', 'rectify', 'export', 'partners', 'consent on a subject\'s behalf'],
  },
  marketer: {
    name: 'marketer', readsRecords: 'customers, segments', clearData: 'per-purpose',
    purposes: ['MARKETING', 'PERSONALIZATION', 'THIRD_PARTY_SHARING', 'ANALYTICS'],
    aggregates: true, writes: ['segments'],
  },
  analyst: {
    name: 'analyst', readsRecords: 'customers, segments', clearData: 'pseudonymized-identifiers',
    purposes: ['ANALYTICS', 'PERSONALIZATION', 'MARKETING'],
    aggregates: true, writes: ['segments'],
  },
  support: {
    name: 'support', readsRecords: 'one customer at a time (by id or exact email)', clearData: 'per-purpose',
    purposes: ['SUPPORT'],
    aggregates: false, writes: ['consent on a subject\'s behalf', 'rectify'],
  },
  partner: {
    name: 'partner', readsRecords: 'none', clearData: 'none',
    purposes: ['ANALYTICS', 'MARKETING', 'PERSONALIZATION', 'THIRD_PARTY_SHARING'],
    aggregates: true, writes: [],
  },
  customer: {
    name: 'customer', readsRecords: 'own record only (me)', clearData: 'own-record',
    purposes: [],
    aggregates: false, writes: ['own consent', 'own export', 'own erasure request'],
  },
};
