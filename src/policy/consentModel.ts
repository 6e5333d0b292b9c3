/**
 * The consent model, once: which consent states allow processing for a purpose, by the purpose's
 * legal basis (PURPOSE_REGISTRY). Field decisions (per value), filters and segment audiences (as a
 * store condition) and reports (the same condition inside the aggregation) are all derived from the
 * table below, so a value shown in clear, a subject matched by a filter, a segment member and a
 * subject counted in a report are the same subjects by construction.
 */
import type { Filter } from '../store/port';
import { CONSENT_STATUSES, PURPOSE_REGISTRY, type ConsentModel, type ConsentStatus, type Purpose } from './purposes';
import type { RedactionReason } from './types';

interface ModelRule {
  /** Recorded states that allow processing. */
  allows: readonly ConsentStatus[];
  /** Does a subject with no record for the purpose allow it? */
  missingAllows: boolean;
}

/** OPT_IN: only GRANTED. OPT_OUT: allowed unless the subject objected (DENIED, WITHDRAWN). NONE: consent is not the basis. */
export const CONSENT_MODEL_RULES: Readonly<Record<ConsentModel, ModelRule>> = {
  OPT_IN: { allows: ['GRANTED'], missingAllows: false },
  OPT_OUT: { allows: ['GRANTED'], missingAllows: true },
  NONE: { allows: CONSENT_STATUSES, missingAllows: true },
};

export type ConsentVerdict = { allowed: true } | { allowed: false; reason: RedactionReason };

function ruleFor(purpose: Purpose): ModelRule | undefined {
  const model = PURPOSE_REGISTRY[purpose]?.consent;
  return model === undefined ? undefined : CONSENT_MODEL_RULES[model];
}

/**
 * Does a subject's consent state allow processing for `purpose`? A missing record follows the legal
 * basis; a recorded state the model does not know is never consent (POLICY_ERROR).
 */
/** The four verdicts, shared (frozen): one is returned per value read, so none is built per call. */
const ALLOWED: ConsentVerdict = Object.freeze({ allowed: true });
const REFUSED = {
  POLICY_ERROR: Object.freeze({ allowed: false, reason: 'POLICY_ERROR' }),
  CONSENT_MISSING: Object.freeze({ allowed: false, reason: 'CONSENT_MISSING' }),
  CONSENT_DENIED: Object.freeze({ allowed: false, reason: 'CONSENT_DENIED' }),
} as const satisfies Record<string, ConsentVerdict>;

export function consentAllows(purpose: Purpose, status: ConsentStatus | null | undefined): ConsentVerdict {
  const rule = ruleFor(purpose);
  if (rule === undefined) return REFUSED.POLICY_ERROR;
  // A record without a status carries no choice: it is no record (as `{ path: null }` matches in a store).
  if (status === undefined || status === null) return rule.missingAllows ? ALLOWED : REFUSED.CONSENT_MISSING;
  if (rule.allows.includes(status)) return ALLOWED;
  return (CONSENT_STATUSES as readonly string[]).includes(status) ? REFUSED.CONSENT_DENIED : REFUSED.POLICY_ERROR;
}

/**
 * The store condition "this subject's consent allows `purpose`", the same rule as consentAllows:
 * `{}` when every state allows, a match on the allowing states otherwise, plus "no record" where a
 * missing record allows. An unknown purpose matches nobody (fail closed).
 */
export function consentFilter(purpose: Purpose): Filter {
  const rule = ruleFor(purpose);
  if (rule === undefined) return { _id: { $in: [] } };
  if (rule.missingAllows && CONSENT_STATUSES.every((status) => rule.allows.includes(status))) return {};
  const path = `consents.${purpose}.status`;
  // `null` in `$in` matches a missing (or status-less) record: one condition on the status, which the
  // embedded store answers from its covering index (an `$or` with `$exists` would read every document).
  if (rule.missingAllows) return { [path]: { $in: [null, ...rule.allows] } };
  return { [path]: rule.allows.length === 1 ? rule.allows[0] : { $in: [...rule.allows] } };
}

/** The version of the privacy notice under which consent choices are recorded (kept on every choice). */
export const POLICY_VERSION = '2026-01';
