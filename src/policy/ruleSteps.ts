/**
 * The steps of a request-level decision as decide.ts takes them (role entry, the request's purpose
 * against the caller's and the field's purposes, the purpose's consent model and legal basis, the
 * analyst's direct-identifier rule), each with its outcome. decideForRequest records them when asked
 * (explain shows them); they hold names of roles, purposes and models — never a subject or a value.
 */
import type { Redaction, RedactionReason } from './types';

/** NEXT: go on to the next step. PER_SUBJECT: decided per subject (consent, own record). */
export type StepOutcome = 'NEXT' | 'CLEAR' | 'REDACT' | 'PER_SUBJECT';

export interface RuleStep {
  rule: 'ROLE' | 'PURPOSE' | 'CONSENT' | 'DIRECT_IDENTIFIER';
  outcome: StepOutcome;
  /** For REDACT and PER_SUBJECT: how (and for REDACT why). */
  reason?: RedactionReason;
  redaction?: Redaction;
  /** The facts the step read (names of roles, purposes, models; never data). */
  facts: Record<string, unknown>;
}

export function redactStep(rule: RuleStep['rule'], reason: RedactionReason, redaction: Redaction, facts: Record<string, unknown>): RuleStep {
  return { rule, outcome: 'REDACT', reason, redaction, facts };
}
