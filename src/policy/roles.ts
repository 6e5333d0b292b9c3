/**
 * The role table as data: what each role may read and under which purposes it may act. Which
 * operations a role may run is not restated here: it lives in the operations table (operations.ts),
 * from which the shield rules and the manifest's role rows are both derived; decide() reads ROLE_TABLE.
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
}

export const ROLE_TABLE: Readonly<Record<Role, RoleDefinition>> = {
  privacy_officer: {
    name: 'privacy_officer', readsRecords: 'all', clearData: 'all-under-legal-compliance',
    purposes: ['LEGAL_COMPLIANCE', 'SUPPORT', 'ANALYTICS', 'MARKETING', 'PERSONALIZATION', 'THIRD_PARTY_SHARING'],
  },
  marketer: {
    name: 'marketer', readsRecords: 'customers, segments', clearData: 'per-purpose',
    purposes: ['MARKETING', 'PERSONALIZATION', 'THIRD_PARTY_SHARING', 'ANALYTICS'],
  },
  analyst: {
    name: 'analyst', readsRecords: 'customers, segments', clearData: 'pseudonymized-identifiers',
    purposes: ['ANALYTICS', 'PERSONALIZATION', 'MARKETING'],
  },
  support: {
    name: 'support', readsRecords: 'one customer at a time (by id or exact email)', clearData: 'per-purpose',
    purposes: ['SUPPORT'],
  },
  partner: {
    name: 'partner', readsRecords: 'none', clearData: 'none',
    purposes: ['ANALYTICS', 'MARKETING', 'PERSONALIZATION', 'THIRD_PARTY_SHARING'],
  },
  customer: {
    name: 'customer', readsRecords: 'own record only (me)', clearData: 'own-record',
    purposes: [],
  },
};
