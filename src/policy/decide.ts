/**
 * The privacy decision for one value: may this caller, acting for this purpose, see this field of
 * this subject in clear? Pure and total: every input yields allow or a redaction with its reason.
 *
 * It is split in two stages because the first depends only on the request and is computed once per
 * coordinate per request (enforcement/fieldEnforcement.ts memoizes it); only the consent check runs
 * per subject. `decide` composes both and is what the tests exercise exhaustively.
 */
import { CATEGORY_REGISTRY } from './categories';
import { consentAllows } from './consentModel';
import { PURPOSE_REGISTRY, type Purpose } from './purposes';
import { ROLE_TABLE } from './roles';
import type { Caller, Coordinate, Decision, FieldPolicy, Policy, Redaction, RedactionReason, SubjectConsent } from './types';

/** What remains to check per subject once the request-level facts are known. */
export type RequestDecision =
  | { kind: 'final'; decision: Decision }
  /** Clear if the subject's consent allows `purpose`; otherwise `strategy`. Then `thenRedact` if set. */
  | { kind: 'consent'; purpose: Purpose; strategy: Redaction; thenRedact: Decision | null }
  /** Clear only for the caller's own record. */
  | { kind: 'own-record'; callerSub: string; strategy: Redaction };

const ALLOW: Decision = { kind: 'allow' };

function redact(strategy: Redaction, reason: RedactionReason): Decision {
  return { kind: 'redact', strategy, reason };
}

/** Redact with NULL when in doubt: the safest strategy, used when the policy itself is broken. */
export const POLICY_ERROR_DECISION: Decision = redact('NULL', 'POLICY_ERROR');

export function decideForRequest(field: FieldPolicy | undefined, caller: Caller | null, purpose: Purpose | null): RequestDecision {
  if (field === undefined || caller === null) return { kind: 'final', decision: POLICY_ERROR_DECISION };
  const role = ROLE_TABLE[caller.role];
  if (role === undefined) return { kind: 'final', decision: POLICY_ERROR_DECISION };
  switch (role.clearData) {
    case 'none':
      return { kind: 'final', decision: redact(field.redact, 'ROLE') };
    case 'own-record':
      return { kind: 'own-record', callerSub: caller.sub, strategy: field.redact };
    case 'all-under-legal-compliance':
      if (purpose === 'LEGAL_COMPLIANCE') return { kind: 'final', decision: ALLOW };
      return perPurpose(field, caller, purpose, field.redact, null);
    case 'per-purpose':
      return perPurpose(field, caller, purpose, field.redact, null);
    case 'pseudonymized-identifiers': {
      // A direct identifier is a keyed pseudonym where processing is allowed and null where it is not:
      // a mask of a refused subject would reveal more (initials, digits) than the agreeing subject's pseudonym.
      const identifier = CATEGORY_REGISTRY[field.category]?.directIdentifier ?? true;
      return identifier
        ? perPurpose(field, caller, purpose, 'NULL', redact('PSEUDONYMIZE', 'ROLE'))
        : perPurpose(field, caller, purpose, field.redact, null);
    }
    default: {
      const unreachable: never = role.clearData;
      void unreachable;
      return { kind: 'final', decision: POLICY_ERROR_DECISION };
    }
  }
}

/**
 * Clear (or `thenRedact`) when the purpose is the caller's, the field's and the subject's consent
 * allows it; otherwise `strategy`, the redaction of a refusal.
 */
function perPurpose(field: FieldPolicy, caller: Caller, purpose: Purpose | null, strategy: Redaction, thenRedact: Decision | null): RequestDecision {
  // No purpose, or one the caller is not entitled to: never clear (fail closed).
  if (purpose === null || !caller.purposes.includes(purpose) || !ROLE_TABLE[caller.role].purposes.includes(purpose)) {
    return { kind: 'final', decision: redact(strategy, 'ROLE') };
  }
  if (!field.purposes.includes(purpose)) return { kind: 'final', decision: redact(strategy, 'PURPOSE') };
  const registry = PURPOSE_REGISTRY[purpose];
  if (registry === undefined) return { kind: 'final', decision: POLICY_ERROR_DECISION };
  if (registry.consent === 'NONE') return { kind: 'final', decision: thenRedact ?? ALLOW };
  return { kind: 'consent', purpose, strategy, thenRedact };
}

/** The one consent model (policy/consentModel.ts), re-exported where the decision is made. */
export { consentAllows } from './consentModel';

export function decideForSubject(request: RequestDecision, subjectId: string | undefined, consent: SubjectConsent | undefined): Decision {
  switch (request.kind) {
    case 'final':
      return request.decision;
    case 'own-record':
      return subjectId !== undefined && subjectId === request.callerSub ? ALLOW : redact(request.strategy, 'ROLE');
    case 'consent': {
      // A subject whose consent state could not be loaded is never shown in clear.
      if (consent === undefined) return redact(request.strategy, 'POLICY_ERROR');
      const verdict = consentAllows(request.purpose, consent.get(request.purpose));
      if (!verdict.allowed) return redact(request.strategy, verdict.reason);
      return request.thenRedact ?? ALLOW;
    }
    default: {
      const unreachable: never = request;
      void unreachable;
      return POLICY_ERROR_DECISION;
    }
  }
}

/** decide(policy, caller, purpose, subjectConsent, coordinate) from DESIGN.md; subjectId for own-record checks. */
export function decide(
  policy: Policy,
  caller: Caller | null,
  purpose: Purpose | null,
  subjectConsent: SubjectConsent | undefined,
  coordinate: Coordinate,
  subjectId?: string,
): Decision {
  try {
    return decideForSubject(decideForRequest(policy.fields.get(coordinate), caller, purpose), subjectId, subjectConsent);
  } catch {
    return POLICY_ERROR_DECISION;
  }
}
