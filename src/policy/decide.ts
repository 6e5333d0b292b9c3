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
import { redactStep, type RuleStep } from './ruleSteps';
import type { Caller, Coordinate, Decision, FieldPolicy, Policy, Redaction, RedactionReason, SubjectConsent } from './types';

/** What remains to check per subject once the request-level facts are known. */
export type RequestDecision =
  | { kind: 'final'; decision: Decision }
  /** Clear if the subject's consent allows `purpose`; otherwise `strategy`. Then `thenRedact` if set. */
  | { kind: 'consent'; purpose: Purpose; strategy: Redaction; thenRedact: Decision | null }
  /** Clear only for the caller's own record. */
  | { kind: 'own-record'; callerSub: string; strategy: Redaction };

const ALLOW: Decision = Object.freeze({ kind: 'allow' });

/** Every redaction decision, built once and shared (frozen): decideForSubject runs per value read. */
const REDACTIONS = new Map<Redaction, Map<RedactionReason, Decision>>();

function redact(strategy: Redaction, reason: RedactionReason): Decision {
  let byReason = REDACTIONS.get(strategy);
  if (byReason === undefined) REDACTIONS.set(strategy, byReason = new Map());
  let decision = byReason.get(reason);
  if (decision === undefined) byReason.set(reason, decision = Object.freeze({ kind: 'redact', strategy, reason }));
  return decision;
}

/** Redact with NULL when in doubt: the safest strategy, used when the policy itself is broken. */
export const POLICY_ERROR_DECISION: Decision = redact('NULL', 'POLICY_ERROR');

/**
 * The request-level half of the decision. With `steps`, each rule it applies is recorded there as it
 * is applied (explain shows them); the hot path passes none and builds no facts.
 */
export function decideForRequest(field: FieldPolicy | undefined, caller: Caller | null, purpose: Purpose | null, steps?: RuleStep[]): RequestDecision {
  if (field === undefined || caller === null) {
    steps?.push(redactStep('ROLE', 'POLICY_ERROR', 'NULL', { role: caller?.role ?? null }));
    return { kind: 'final', decision: POLICY_ERROR_DECISION };
  }
  const role = ROLE_TABLE[caller.role];
  const roleFacts = steps === undefined ? {} : { role: caller.role, clearData: role?.clearData ?? null, rolePurposes: [...(role?.purposes ?? [])] };
  switch (role?.clearData) {
    case 'none':
      steps?.push(redactStep('ROLE', 'ROLE', field.redact, roleFacts));
      return { kind: 'final', decision: redact(field.redact, 'ROLE') };
    case 'own-record':
      steps?.push({ rule: 'ROLE', outcome: 'PER_SUBJECT', redaction: field.redact, facts: { ...roleFacts, clearFor: 'the caller\'s own record only' } });
      return { kind: 'own-record', callerSub: caller.sub, strategy: field.redact };
    case 'all-under-legal-compliance':
      if (purpose === 'LEGAL_COMPLIANCE') {
        steps?.push({ rule: 'ROLE', outcome: 'CLEAR', facts: { ...roleFacts, requestPurpose: purpose } });
        return { kind: 'final', decision: ALLOW };
      }
      steps?.push({ rule: 'ROLE', outcome: 'NEXT', facts: roleFacts });
      return perPurpose(field, caller, purpose, false, steps);
    case 'per-purpose':
      steps?.push({ rule: 'ROLE', outcome: 'NEXT', facts: roleFacts });
      return perPurpose(field, caller, purpose, false, steps);
    case 'pseudonymized-identifiers':
      steps?.push({ rule: 'ROLE', outcome: 'NEXT', facts: roleFacts });
      return perPurpose(field, caller, purpose, true, steps);
    default:
      steps?.push(redactStep('ROLE', 'POLICY_ERROR', 'NULL', roleFacts));
      return { kind: 'final', decision: POLICY_ERROR_DECISION };
  }
}

/**
 * Clear when the purpose is the caller's and the field's and the subject's consent allows it;
 * otherwise the field's redaction. Under the identifier rule (analysts), a direct identifier is a
 * keyed pseudonym where processing is allowed and null where it is not: a mask of a refused subject
 * would reveal more (initials, digits) than the agreeing subject's pseudonym.
 */
function perPurpose(field: FieldPolicy, caller: Caller, purpose: Purpose | null, identifierRule: boolean, steps: RuleStep[] | undefined): RequestDecision {
  const directIdentifier = CATEGORY_REGISTRY[field.category]?.directIdentifier ?? true;
  const pseudonymize = identifierRule && directIdentifier;
  const refusal: Redaction = pseudonymize ? 'NULL' : field.redact;
  const facts = steps === undefined ? {} : { requestPurpose: purpose, callerPurposes: [...caller.purposes], fieldPurposes: [...field.purposes] };
  // No purpose, or one the caller is not entitled to: never clear (fail closed).
  if (purpose === null || !caller.purposes.includes(purpose) || !ROLE_TABLE[caller.role].purposes.includes(purpose)) {
    steps?.push(redactStep('PURPOSE', 'ROLE', refusal, { ...facts, callerMayStateIt: false }));
    return { kind: 'final', decision: redact(refusal, 'ROLE') };
  }
  if (!field.purposes.includes(purpose)) {
    steps?.push(redactStep('PURPOSE', 'PURPOSE', refusal, { ...facts, callerMayStateIt: true }));
    return { kind: 'final', decision: redact(refusal, 'PURPOSE') };
  }
  steps?.push({ rule: 'PURPOSE', outcome: 'NEXT', facts: { ...facts, callerMayStateIt: true } });
  const registry = PURPOSE_REGISTRY[purpose];
  if (registry === undefined) {
    steps?.push(redactStep('CONSENT', 'POLICY_ERROR', 'NULL', { purpose }));
    return { kind: 'final', decision: POLICY_ERROR_DECISION };
  }
  const thenRedact = pseudonymize ? redact('PSEUDONYMIZE', 'ROLE') : null;
  const consentFacts = steps === undefined ? {} : { purpose, legalBasis: registry.legalBasis, consentModel: registry.consent };
  if (registry.consent === 'NONE') {
    steps?.push({ rule: 'CONSENT', outcome: pseudonymize ? 'NEXT' : 'CLEAR', facts: { ...consentFacts, consentNeeded: false } });
  } else {
    steps?.push({ rule: 'CONSENT', outcome: 'PER_SUBJECT', redaction: refusal, facts: { ...consentFacts, consentNeeded: true } });
  }
  if (identifierRule) {
    const identifierFacts = { category: field.category, directIdentifier };
    steps?.push(pseudonymize
      ? redactStep('DIRECT_IDENTIFIER', 'ROLE', 'PSEUDONYMIZE', identifierFacts)
      : { rule: 'DIRECT_IDENTIFIER', outcome: 'CLEAR', facts: identifierFacts });
  }
  if (registry.consent === 'NONE') return { kind: 'final', decision: thenRedact ?? ALLOW };
  return { kind: 'consent', purpose, strategy: refusal, thenRedact };
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
