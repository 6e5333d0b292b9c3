/**
 * Per-request record of what the privacy layer did: which coordinates were read for which subjects,
 * what was redacted and why, and which operations were denied. It feeds extensions.privacy, the
 * metrics and the audit batch. One instance per request; never shared.
 */
import { decideForRequest, type RequestDecision } from '../policy/decide';
import type { Purpose } from '../policy/purposes';
import { type Caller, type Coordinate, type Failure, type FieldPolicy, type RedactionReason } from '../policy/types';

export type ReasonCounts = Record<RedactionReason, number>;

/** A fresh all-zero count per reason (a literal: the type makes it list every reason). */
function zeroCounts(): ReasonCounts {
  return { ROLE: 0, PURPOSE: 0, CONSENT_MISSING: 0, CONSENT_DENIED: 0, POLICY_ERROR: 0 };
}

export class PrivacyRecorder {
  private readonly requestDecisions = new Map<Coordinate, RequestDecision>();
  readonly redactions = new Map<Coordinate, ReasonCounts>();
  readonly clearReads = new Map<Coordinate, number>();
  readonly subjects = new Set<string>();
  readonly failures: Failure[] = [];
  /** Operations (root fields) that ran, for the audit. */
  readonly operations = new Set<string>();

  constructor(readonly caller: Caller | null, readonly purpose: Purpose | null) {}

  /** The request-level half of decide(), computed once per coordinate per request. */
  requestDecision(field: FieldPolicy): RequestDecision {
    let decision = this.requestDecisions.get(field.coordinate);
    if (decision === undefined) {
      decision = decideForRequest(field, this.caller, this.purpose);
      this.requestDecisions.set(field.coordinate, decision);
    }
    return decision;
  }

  recordClear(coordinate: Coordinate, subjectId: string | undefined): void {
    this.clearReads.set(coordinate, (this.clearReads.get(coordinate) ?? 0) + 1);
    this.addSubject(subjectId);
  }

  /** The fields of one record resolve one after another: the same subject is added once, not per field. */
  private lastSubject: string | undefined;

  private addSubject(subjectId: string | undefined): void {
    if (subjectId === undefined || subjectId === this.lastSubject) return;
    this.subjects.add(subjectId);
    this.lastSubject = subjectId;
  }

  recordRedaction(coordinate: Coordinate, subjectId: string | undefined, reason: RedactionReason): void {
    let counts = this.redactions.get(coordinate);
    if (counts === undefined) {
      counts = zeroCounts();
      this.redactions.set(coordinate, counts);
    }
    counts[reason] += 1;
    this.addSubject(subjectId);
  }

  recordFailure(failure: Failure): void {
    this.failures.push(failure);
  }

  /** Did this request touch any personal data field? */
  get touchedPersonalData(): boolean {
    return this.clearReads.size > 0 || this.redactions.size > 0;
  }

  /** Coordinates read (in clear or redacted), sorted, for the audit and the response. */
  get fields(): Coordinate[] {
    return [...new Set([...this.clearReads.keys(), ...this.redactions.keys()])].sort();
  }

  /** The `extensions.privacy` object: every touched coordinate with all reasons (zeros included). */
  toExtension(): { purpose: Purpose | null; redactions: Record<Coordinate, ReasonCounts> } {
    const redactions: Record<Coordinate, ReasonCounts> = {};
    for (const coordinate of this.fields) redactions[coordinate] = { ...(this.redactions.get(coordinate) ?? zeroCounts()) };
    return { purpose: this.purpose, redactions };
  }
}
