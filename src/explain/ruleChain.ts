/**
 * The rule chain for one coordinate of one request: the steps `decideForRequest` takes (role entry,
 * the request's purpose against the caller's and the field's purposes, the purpose's consent model
 * and legal basis, the analyst's direct-identifier rule), each with its outcome. It reads only the
 * policy and the registries — never a subject, never a value — and stops where the decision does.
 *
 * The steps are a readable account; `requestDecision` (from decide.ts itself) is the authority, and
 * the tests check that the last step always agrees with it.
 */
import { CATEGORY_REGISTRY } from '../policy/categories';
import { decideForRequest, type RequestDecision } from '../policy/decide';
import { PURPOSE_REGISTRY, type Purpose } from '../policy/purposes';
import { ROLE_TABLE } from '../policy/roles';
import type { Caller, FieldPolicy, Redaction, RedactionReason } from '../policy/types';

/** NEXT: go on to the next step. PER_SUBJECT: decided per subject (consent, own record). */
export type StepOutcome = 'NEXT' | 'CLEAR' | 'REDACT' | 'PER_SUBJECT';

export interface RuleStep {
  rule: 'ROLE' | 'PURPOSE' | 'CONSENT' | 'DIRECT_IDENTIFIER';
  outcome: StepOutcome;
  /** For REDACT: why and how. */
  reason?: RedactionReason;
  redaction?: Redaction;
  /** The facts the step read (names of roles, purposes, models; never data). */
  facts: Record<string, unknown>;
}

/** decide.ts's request-level decision, in plain JSON. */
export type DecisionSummary =
  | { kind: 'CLEAR' }
  | { kind: 'REDACT'; reason: RedactionReason; redaction: Redaction }
  | { kind: 'PER_SUBJECT'; basis: 'CONSENT'; purpose: Purpose; redaction: Redaction; thenRedact: Redaction | null }
  | { kind: 'PER_SUBJECT'; basis: 'OWN_RECORD'; redaction: Redaction };

export function summarizeDecision(decision: RequestDecision): DecisionSummary {
  switch (decision.kind) {
    case 'final':
      return decision.decision.kind === 'allow'
        ? { kind: 'CLEAR' }
        : { kind: 'REDACT', reason: decision.decision.reason, redaction: decision.decision.strategy };
    case 'consent': {
      const then = decision.thenRedact;
      return { kind: 'PER_SUBJECT', basis: 'CONSENT', purpose: decision.purpose, redaction: decision.strategy, thenRedact: then?.kind === 'redact' ? then.strategy : null };
    }
    case 'own-record':
      return { kind: 'PER_SUBJECT', basis: 'OWN_RECORD', redaction: decision.strategy };
    default: {
      const unreachable: never = decision;
      void unreachable;
      throw new Error('unknown request decision');
    }
  }
}

function redactStep(rule: RuleStep['rule'], reason: RedactionReason, redaction: Redaction, facts: Record<string, unknown>): RuleStep {
  return { rule, outcome: 'REDACT', reason, redaction, facts };
}

function purposeSteps(field: FieldPolicy, caller: Caller, purpose: Purpose | null, identifierRule: boolean): RuleStep[] {
  const rolePurposes = ROLE_TABLE[caller.role].purposes;
  const facts = { requestPurpose: purpose, callerPurposes: [...caller.purposes], fieldPurposes: [...field.purposes] };
  const directIdentifier = CATEGORY_REGISTRY[field.category].directIdentifier;
  const pseudonymize = identifierRule && directIdentifier;
  // Where processing is not allowed, a pseudonymized identifier is null: a mask would reveal more.
  const refusal: Redaction = pseudonymize ? 'NULL' : field.redact;
  if (purpose === null || !caller.purposes.includes(purpose) || !rolePurposes.includes(purpose)) {
    return [redactStep('PURPOSE', 'ROLE', refusal, { ...facts, callerMayStateIt: false })];
  }
  if (!field.purposes.includes(purpose)) return [redactStep('PURPOSE', 'PURPOSE', refusal, { ...facts, callerMayStateIt: true })];
  const steps: RuleStep[] = [{ rule: 'PURPOSE', outcome: 'NEXT', facts: { ...facts, callerMayStateIt: true } }];
  const registry = PURPOSE_REGISTRY[purpose];
  const consentFacts = { purpose, legalBasis: registry.legalBasis, consentModel: registry.consent };
  if (registry.consent === 'NONE') {
    steps.push({ rule: 'CONSENT', outcome: pseudonymize ? 'NEXT' : 'CLEAR', facts: { ...consentFacts, consentNeeded: false } });
  } else {
    steps.push({ rule: 'CONSENT', outcome: 'PER_SUBJECT', redaction: refusal, facts: { ...consentFacts, consentNeeded: true } });
  }
  if (identifierRule) {
    const identifierFacts = { category: field.category, directIdentifier };
    steps.push(pseudonymize
      ? redactStep('DIRECT_IDENTIFIER', 'ROLE', 'PSEUDONYMIZE', identifierFacts)
      : { rule: 'DIRECT_IDENTIFIER', outcome: 'CLEAR', facts: identifierFacts });
  }
  return steps;
}

/** The steps that decide `field` for this caller and purpose, in the order decide.ts applies them. */
export function ruleChain(field: FieldPolicy, caller: Caller | null, purpose: Purpose | null): RuleStep[] {
  if (caller === null) return [redactStep('ROLE', 'POLICY_ERROR', 'NULL', { role: null })];
  const role = ROLE_TABLE[caller.role];
  const roleFacts = { role: caller.role, clearData: role.clearData, rolePurposes: [...role.purposes] };
  switch (role.clearData) {
    case 'none':
      return [redactStep('ROLE', 'ROLE', field.redact, roleFacts)];
    case 'own-record':
      return [{ rule: 'ROLE', outcome: 'PER_SUBJECT', redaction: field.redact, facts: { ...roleFacts, clearFor: 'the caller\'s own record only' } }];
    case 'all-under-legal-compliance':
      if (purpose === 'LEGAL_COMPLIANCE') return [{ rule: 'ROLE', outcome: 'CLEAR', facts: { ...roleFacts, requestPurpose: purpose } }];
      return [{ rule: 'ROLE', outcome: 'NEXT', facts: roleFacts }, ...purposeSteps(field, caller, purpose, false)];
    case 'per-purpose':
      return [{ rule: 'ROLE', outcome: 'NEXT', facts: roleFacts }, ...purposeSteps(field, caller, purpose, false)];
    case 'pseudonymized-identifiers':
      return [{ rule: 'ROLE', outcome: 'NEXT', facts: roleFacts }, ...purposeSteps(field, caller, purpose, true)];
    default: {
      const unreachable: never = role.clearData;
      void unreachable;
      return [redactStep('ROLE', 'POLICY_ERROR', 'NULL', roleFacts)];
    }
  }
}

export function explainedDecision(field: FieldPolicy, caller: Caller | null, purpose: Purpose | null): DecisionSummary {
  return summarizeDecision(decideForRequest(field, caller, purpose));
}
