/**
 * The rule chain for one coordinate of one request, and decide.ts's request-level decision in plain
 * JSON, for explain. The steps are recorded by decideForRequest itself while it decides, so the
 * account and the decision cannot disagree. They read only the policy and the registries — never a
 * subject, never a value — and stop where the decision does.
 */
import { decideForRequest, type RequestDecision } from '../policy/decide';
import type { Purpose } from '../policy/purposes';
import type { RuleStep } from '../policy/ruleSteps';
import type { Caller, FieldPolicy, Redaction, RedactionReason } from '../policy/types';

export type { RuleStep, StepOutcome } from '../policy/ruleSteps';

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

/** The steps that decide `field` for this caller and purpose: recorded by decide.ts as it applies them. */
export function ruleChain(field: FieldPolicy, caller: Caller | null, purpose: Purpose | null): RuleStep[] {
  const steps: RuleStep[] = [];
  decideForRequest(field, caller, purpose, steps);
  return steps;
}

export function explainedDecision(field: FieldPolicy, caller: Caller | null, purpose: Purpose | null): DecisionSummary {
  return summarizeDecision(decideForRequest(field, caller, purpose));
}
