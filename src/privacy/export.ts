/**
 * Right of access (GDPR Art. 15, CCPA right to know): everything held about one subject, as one JSON
 * value. The record is given in clear (the subject's own data, or the privacy officer acting under a
 * legal obligation), with the purposes it is processed for and what the subject's consent means for
 * each, the full consent history, and every audit event that names the subject.
 *
 * Audit events often name several subjects (a page of customers); the export keeps only this
 * subject's id in them and drops what describes the whole request (decision, counts), so one
 * subject's export never discloses who else was read alongside, how many, or what their consent did.
 */
import { consentAllows } from '../policy/consentModel';
import { PURPOSE_REGISTRY, type Purpose } from '../policy/purposes';
import type { Policy } from '../policy/types';
import type { Loaders } from '../store/loaders';
import type { Document, Store } from '../store/port';
import type { CustomerDocument } from '../store/documents';
import { readConsentHistory, type ConsentEventView } from './consentHistory';
import { findSubject } from './subjects';

/** Stored attributes that are not schema fields but are held about the subject. */
const STORED_ATTRIBUTES = ['birthYear', 'postalPrefix', 'createdAt'] as const;
/** The AuditEvent shape (docs/api.md#audit), plus its non-personal detail. */
const AUDIT_KEYS = ['at', 'kind', 'actor', 'role', 'partnerId', 'purpose', 'operation', 'fields', 'decision', 'requestId', 'detail'] as const;

export interface ProcessingEntry {
  purpose: Purpose;
  legalBasis: string;
  consentModel: string;
  consent: string | null;
  processingAllowed: boolean;
}

export interface SubjectExport {
  subjectId: string;
  exportedAt: string;
  status: 'ACTIVE' | 'ERASED';
  erasure: { erasedAt: string; reason: string | null } | null;
  record: Record<string, unknown> | null;
  processing: ProcessingEntry[];
  consentHistory: ConsentEventView[];
  auditEvents: Record<string, unknown>[];
}

/** The record: every stored Customer field the policy knows, plus the stored derived attributes. */
function recordOf(customer: CustomerDocument, policy: Policy): Record<string, unknown> {
  const record: Record<string, unknown> = { id: customer._id };
  const fieldNames = [...policy.fields.values()].filter((field) => field.type === 'Customer').map((field) => field.field);
  for (const name of [...fieldNames, ...STORED_ATTRIBUTES]) {
    if (Object.hasOwn(customer, name)) record[name] = customer[name];
  }
  return record;
}

function processingOf(customer: CustomerDocument): ProcessingEntry[] {
  return Object.values(PURPOSE_REGISTRY).map((definition) => {
    const status = customer.consents?.[definition.name]?.status;
    return {
      purpose: definition.name,
      legalBasis: definition.legalBasis,
      consentModel: definition.consent,
      consent: status ?? null,
      processingAllowed: consentAllows(definition.name, status).allowed,
    };
  });
}

/** Keys that describe the whole request: for an event that also named others, they describe them too. */
const REQUEST_WIDE_KEYS: ReadonlySet<string> = new Set(['decision', 'detail']);

/**
 * One audit event as this subject's export shows it. An event that also named other subjects (a page
 * of customers) keeps who, when, why and which coordinates, but neither its decision nor its detail:
 * a REDACT decision or redaction counts there may stem from the other subjects' consent, and counts
 * tell how many others were read.
 */
function auditEventOf(event: Document, subjectId: string): Record<string, unknown> {
  const subjectIds = Array.isArray(event.subjectIds) ? event.subjectIds : [];
  const shared = subjectIds.some((id) => id !== subjectId);
  const view: Record<string, unknown> = { id: event._id };
  for (const key of AUDIT_KEYS) {
    if (event[key] !== undefined && !(shared && REQUEST_WIDE_KEYS.has(key))) view[key] = event[key];
  }
  view.subjectIds = [subjectId];
  return view;
}

export async function exportSubjectData(deps: { store: Store; policy: Policy; loaders: Loaders }, subjectId: string, now: Date = new Date()): Promise<SubjectExport> {
  const found = await findSubject(deps.loaders, subjectId);
  const [consentHistory, audit] = await Promise.all([
    readConsentHistory(deps.store, subjectId),
    deps.store.collection('audit').find({ subjectIds: subjectId }, { sort: { at: 1, _id: 1 } }),
  ]);
  const erased = found.kind === 'erased';
  const reason = found.customer.erasureReason;
  return {
    subjectId,
    exportedAt: now.toISOString(),
    status: erased ? 'ERASED' : 'ACTIVE',
    erasure: erased ? { erasedAt: found.customer.erasedAt, reason: typeof reason === 'string' ? reason : null } : null,
    record: erased ? null : recordOf(found.customer, deps.policy),
    processing: processingOf(found.customer),
    consentHistory,
    auditEvents: audit.map((event) => auditEventOf(event, subjectId)),
  };
}
