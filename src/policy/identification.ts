/**
 * Identification: finding a person by a direct identifier (an exact email) rather than by the
 * surrogate id a record already carries. A lookup turns a value someone holds into "this subject,
 * and everything the caller may see about it", so it is an act of its own, allowed only to the roles
 * whose job needs it and only under the purpose that justifies it. Data, not code: the records reader
 * (enforcement/customerRecords.ts) enforces it and the manifest publishes it.
 */
import type { Purpose } from './purposes';
import type { Role } from './roles';
import type { Caller, Coordinate, Failure } from './types';

export interface LookupKey {
  /** The coordinate whose value is the key, e.g. `Customer.email`. */
  coordinate: Coordinate;
  /** The argument that carries it, as a schema coordinate. */
  argument: string;
  /** Who may look up by it, and for which purpose. */
  allowed: readonly { role: Role; purpose: Purpose }[];
}

export const LOOKUP_KEYS: Readonly<Record<string, LookupKey>> = {
  'Customer.email': {
    coordinate: 'Customer.email',
    argument: 'Query.customer(email:)',
    allowed: [
      // Support answers the person who writes in: the address is how it finds them.
      { role: 'support', purpose: 'SUPPORT' },
      // Access, erasure and other legal requests arrive with an address too.
      { role: 'privacy_officer', purpose: 'LEGAL_COMPLIANCE' },
    ],
  },
};

/** null when `caller` may look up by `coordinate` for `purpose`; otherwise the refusal (an unknown key is refused). */
export function identificationRefusal(coordinate: Coordinate, caller: Caller | null, purpose: Purpose | null): Failure | null {
  const key = LOOKUP_KEYS[coordinate];
  const argument = key?.argument ?? coordinate;
  if (caller === null) return { kind: 'unauthenticated', coordinate: argument };
  if (key === undefined || !key.allowed.some((entry) => entry.role === caller.role)) return { kind: 'role', coordinate: argument, role: caller.role };
  if (purpose === null) return { kind: 'purpose-required', coordinate: argument };
  if (!key.allowed.some((entry) => entry.role === caller.role && entry.purpose === purpose)) return { kind: 'purpose-mismatch', coordinate: argument };
  return null;
}
