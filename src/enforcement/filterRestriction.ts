/**
 * Filtering is reading: a caller who filters customers by country learns the country of everyone who
 * matches, so a filter may only use attributes the caller could see in clear. For each filtered
 * coordinate this returns the extra store condition that keeps out subjects whose consent does not
 * allow the request's purpose, or refuses the filter when no subject's value would be visible.
 */
import { ForbiddenError } from '../errors';
import { decideForRequest } from '../policy/decide';
import { PURPOSE_REGISTRY } from '../policy/purposes';
import type { Coordinate, Policy } from '../policy/types';
import type { PrivacyRecorder } from './privacyRecorder';
import type { Filter } from '../store/port';

export function restrictFilterToVisible(policy: Policy, privacy: PrivacyRecorder, coordinates: readonly Coordinate[]): Filter {
  const conditions: Filter = {};
  for (const coordinate of coordinates) {
    const field = policy.fields.get(coordinate);
    if (field === undefined) continue; // not personal data
    const decision = decideForRequest(field, privacy.caller, privacy.purpose);
    switch (decision.kind) {
      case 'final':
        if (decision.decision.kind === 'allow') continue;
        throw new ForbiddenError(`Filtering on ${coordinate} is not allowed for this role and purpose`);
      case 'consent': {
        if (decision.thenRedact !== null) throw new ForbiddenError(`Filtering on ${coordinate} is not allowed for this role and purpose`);
        const path = `consents.${decision.purpose}.status`;
        conditions[path] = PURPOSE_REGISTRY[decision.purpose].consent === 'OPT_IN' ? 'GRANTED' : { $nin: ['DENIED', 'WITHDRAWN'] };
        continue;
      }
      case 'own-record':
        throw new ForbiddenError(`Filtering on ${coordinate} is not allowed for this role`);
      default: {
        const unreachable: never = decision;
        void unreachable;
        throw new ForbiddenError();
      }
    }
  }
  return conditions;
}
