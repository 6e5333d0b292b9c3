/**
 * The policy's plain data types. The Policy is compiled once from the schema's directives
 * (directives/compilePolicy.ts); everything that enforces or documents privacy reads it.
 */
import type { PiiCategory } from './categories';
import type { ConsentStatus, Purpose } from './purposes';
import type { Redaction } from './redactions';
import type { Role } from './roles';

export { REDACTIONS, type Redaction } from './redactions';

/** Why a value was not returned in clear (the keys of extensions.privacy.redactions). */
export const REDACTION_REASONS = ['ROLE', 'PURPOSE', 'CONSENT_MISSING', 'CONSENT_DENIED', 'POLICY_ERROR'] as const;
export type RedactionReason = (typeof REDACTION_REASONS)[number];

/** Schema coordinate, e.g. "Customer.email". */
export type Coordinate = string;

export interface FieldPolicy {
  coordinate: Coordinate;
  type: string;
  field: string;
  category: PiiCategory;
  purposes: readonly Purpose[];
  redact: Redaction;
}

export interface Policy {
  /** One entry per @pii field, keyed by coordinate. */
  fields: ReadonlyMap<Coordinate, FieldPolicy>;
  /** Object types that hold @pii fields: each is a data subject keyed by its `id`. */
  subjectTypes: ReadonlySet<string>;
}

/** A subject's current consent state per purpose; undefined means no record. A Map satisfies it. */
export interface SubjectConsent {
  get(purpose: Purpose): ConsentStatus | undefined;
}

export interface Caller {
  sub: string;
  role: Role;
  /** Purposes the caller may state (token purposes, narrowed by role and partner agreement). */
  purposes: readonly Purpose[];
  scopes: readonly string[];
  partnerId: string | null;
}

export type Decision =
  | { kind: 'allow' }
  | { kind: 'redact'; strategy: Redaction; reason: RedactionReason };

/** Why an operation was refused: told apart by kind, names the coordinate, never a value. */
export type Failure =
  | { kind: 'unauthenticated'; coordinate: Coordinate }
  | { kind: 'role'; coordinate: Coordinate; role: Role }
  | { kind: 'scope'; coordinate: Coordinate; scope: string }
  | { kind: 'purpose-required'; coordinate: Coordinate }
  /** A purpose was stated, but not one this operation may be performed for. */
  | { kind: 'purpose-mismatch'; coordinate: Coordinate }
  | { kind: 'not-own-subject'; coordinate: Coordinate }
  | { kind: 'evaluator-error'; coordinate: Coordinate };
