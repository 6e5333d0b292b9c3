/**
 * The audit events one request produces, collected in memory and written as one batch before the
 * response is sent (see the audit plugin). Operations that change or disclose a data subject's data
 * (consent, export, erasure, rectification, reports) call `record`; reads of @pii fields and denials
 * are derived from the PrivacyRecorder, so resolvers cannot forget them.
 */
export type AuditDecision = 'ALLOW' | 'REDACT' | 'DENY' | 'ERROR';

export interface AuditEventInput {
  /** What was done, e.g. "Mutation.setConsent" or "Query.customers". */
  operation: string;
  subjectIds: readonly string[];
  /** Schema coordinates involved (read, written or disclosed). */
  fields: readonly string[];
  decision: AuditDecision;
  /** Non-personal details (purpose changed, reason code, counts); never field values. */
  detail?: Record<string, unknown>;
}

export class RequestAudit {
  private readonly recorded: AuditEventInput[] = [];

  record(event: AuditEventInput): void {
    this.recorded.push({ ...event, subjectIds: [...event.subjectIds], fields: [...event.fields] });
  }

  get events(): readonly AuditEventInput[] {
    return this.recorded;
  }
}
