/**
 * `extensions.privacy.explain`: why this request got what it got. Per coordinate read (in clear or
 * redacted): the field's annotation (category, purposes, redaction), the rule chain that decided it,
 * decide.ts's own request-level decision, and how many values ended in clear or redacted by reason.
 * Plus the policy version, the caller's role, purpose(s) and partner, and the gate's refusals.
 *
 * It names coordinates, roles, purposes and counts only: never a subject id, never a value, never
 * the caller's own id (for a customer that is a subject id).
 */
import type { Purpose } from '../policy/purposes';
import type { Coordinate, FieldPolicy, Policy, RedactionReason } from '../policy/types';
import type { PrivacyRecorder } from '../enforcement/privacyRecorder';
import { explainedDecision, ruleChain, type DecisionSummary, type RuleStep } from './ruleChain';

export interface CoordinateExplanation {
  category: string;
  fieldPurposes: Purpose[];
  redaction: string;
  steps: RuleStep[];
  decision: DecisionSummary;
  /** Values returned in clear, and redacted by reason, in this response. */
  outcomes: { CLEAR: number } & Partial<Record<RedactionReason, number>>;
}

export interface Explanation {
  policyVersion: string;
  caller: { role: string | null; purpose: Purpose | null; purposes: Purpose[]; partner: string | null; scopes: string[] };
  coordinates: Record<Coordinate, CoordinateExplanation>;
  /** Operations the gate refused in this request, and why (failure kind). */
  denials: { coordinate: string; kind: string }[];
}

function outcomesOf(privacy: PrivacyRecorder, coordinate: Coordinate): CoordinateExplanation['outcomes'] {
  const outcomes: CoordinateExplanation['outcomes'] = { CLEAR: privacy.clearReads.get(coordinate) ?? 0 };
  const redactions = privacy.redactions.get(coordinate);
  if (redactions !== undefined) {
    for (const [reason, count] of Object.entries(redactions) as [RedactionReason, number][]) if (count > 0) outcomes[reason] = count;
  }
  return outcomes;
}

function explainField(field: FieldPolicy, privacy: PrivacyRecorder): CoordinateExplanation {
  return {
    category: field.category,
    fieldPurposes: [...field.purposes],
    redaction: field.redact,
    steps: ruleChain(field, privacy.caller, privacy.purpose),
    decision: explainedDecision(field, privacy.caller, privacy.purpose),
    outcomes: outcomesOf(privacy, field.coordinate),
  };
}

export function buildExplanation(policy: Policy, version: string, privacy: PrivacyRecorder): Explanation {
  const caller = privacy.caller;
  const coordinates: Record<Coordinate, CoordinateExplanation> = {};
  for (const coordinate of privacy.fields) {
    const field = policy.fields.get(coordinate);
    if (field !== undefined) coordinates[coordinate] = explainField(field, privacy);
  }
  return {
    policyVersion: version,
    caller: {
      role: caller?.role ?? null,
      purpose: privacy.purpose,
      purposes: [...(caller?.purposes ?? [])],
      partner: caller?.partnerId ?? null,
      scopes: [...(caller?.scopes ?? [])],
    },
    coordinates,
    denials: privacy.failures.map((failure) => ({ coordinate: failure.coordinate, kind: failure.kind })),
  };
}
