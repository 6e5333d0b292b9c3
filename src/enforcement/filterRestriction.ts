/**
 * Filtering is reading: a caller who filters customers by country learns the country of everyone who
 * matches, so a filter may only use attributes the caller could see in clear. For each filtered
 * coordinate this returns the store condition that keeps out subjects whose consent does not allow
 * the request's purpose (the one consent model's filter), or refuses the filter when no subject's
 * value would be visible. Only the records reader (customerRecords.ts) calls it.
 */
import { ForbiddenError } from '../errors/errors';
import { consentFilter } from '../policy/consentModel';
import { decideForRequest } from '../policy/decide';
import type { Caller, Coordinate, Policy } from '../policy/types';
import type { Purpose } from '../policy/purposes';
import type { Filter } from '../store/port';

/** The conditions (to be and-ed) under which every filtered coordinate is visible; throws FORBIDDEN otherwise. */
export function visibleFilterConditions(policy: Policy, caller: Caller | null, purpose: Purpose | null, coordinates: readonly Coordinate[]): Filter[] {
  const conditions = new Map<string, Filter>();
  for (const coordinate of coordinates) {
    const field = policy.fields.get(coordinate);
    if (field === undefined) continue; // not personal data
    const decision = decideForRequest(field, caller, purpose);
    switch (decision.kind) {
      case 'final':
        if (decision.decision.kind === 'allow') continue;
        throw new ForbiddenError(`Filtering on ${coordinate} is not allowed for this role and purpose`);
      case 'consent':
        if (decision.thenRedact !== null) throw new ForbiddenError(`Filtering on ${coordinate} is not allowed for this role and purpose`);
        conditions.set(decision.purpose, consentFilter(decision.purpose));
        continue;
      case 'own-record':
        throw new ForbiddenError(`Filtering on ${coordinate} is not allowed for this role`);
      default: {
        const unreachable: never = decision;
        void unreachable;
        throw new ForbiddenError();
      }
    }
  }
  return [...conditions.values()].filter((condition) => Object.keys(condition).length > 0);
}
