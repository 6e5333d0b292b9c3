/**
 * The privacy officer's compliance summary over a time window, computed by aggregation pipelines in
 * the store (the same pipelines run on mingo and on MongoDB):
 * - redactions per coordinate and reason, from the counts each read event keeps in `detail`;
 * - denials per root coordinate and failure kind;
 * - data-subject requests handled, per operation;
 * - consent coverage per consent-based purpose, over the customers' current state (not the window).
 */
import { PURPOSE_REGISTRY, PURPOSES, type Purpose } from '../policy/purposes';
import type { Collection, Document, Filter } from '../store/port';
import type { AuditEventDocument } from './auditEvent';
import { windowFilter } from './auditQuery';

export const DATA_SUBJECT_OPERATIONS = [
  'Mutation.setConsent', 'Mutation.exportCustomerData', 'Mutation.eraseCustomer', 'Mutation.rectifyCustomer',
] as const;

const CONSENT_PURPOSES: readonly Purpose[] = PURPOSES.filter((purpose) => PURPOSE_REGISTRY[purpose].consent !== 'NONE');
const STATUSES = ['GRANTED', 'DENIED', 'WITHDRAWN'] as const;

interface Grouped { _id: { coordinate: string; reason: string }; count: number }

async function redactionCounts(audit: Collection<AuditEventDocument>, window: Filter) {
  const rows = await audit.aggregate<Grouped>([
    { $match: { ...window, kind: 'read', decision: 'REDACT' } },
    { $unwind: '$detail.redactions' },
    { $group: { _id: { coordinate: '$detail.redactions.coordinate', reason: '$detail.redactions.reason' }, count: { $sum: '$detail.redactions.count' } } },
    { $sort: { '_id.coordinate': 1, '_id.reason': 1 } },
  ]);
  return rows.map((row) => ({ coordinate: row._id.coordinate, reason: row._id.reason, count: row.count }));
}

async function denialCounts(audit: Collection<AuditEventDocument>, window: Filter) {
  const rows = await audit.aggregate<Grouped>([
    { $match: { ...window, kind: 'denial' } },
    { $group: { _id: { coordinate: '$operation', reason: '$detail.kind' }, count: { $sum: 1 } } },
    { $sort: { '_id.coordinate': 1, '_id.reason': 1 } },
  ]);
  return rows.map((row) => ({ coordinate: row._id.coordinate, reason: row._id.reason, count: row.count }));
}

async function dataSubjectRequests(audit: Collection<AuditEventDocument>, window: Filter) {
  const rows = await audit.aggregate<{ _id: string; count: number }>([
    { $match: { ...window, kind: 'operation', operation: { $in: [...DATA_SUBJECT_OPERATIONS] }, decision: { $ne: 'DENY' } } },
    { $group: { _id: '$operation', count: { $sum: 1 } } },
  ]);
  const counts = new Map(rows.map((row) => [row._id, row.count]));
  return DATA_SUBJECT_OPERATIONS.map((operation) => ({ operation, count: counts.get(operation) ?? 0 }));
}

async function consentCoverage(customers: Pick<Collection<Document>, 'aggregate'>) {
  const group: Record<string, unknown> = { _id: null, total: { $sum: 1 } };
  for (const purpose of CONSENT_PURPOSES) {
    for (const status of STATUSES) {
      group[`${purpose}_${status}`] = { $sum: { $cond: [{ $eq: [`$consents.${purpose}.status`, status] }, 1, 0] } };
    }
  }
  const [row] = await customers.aggregate<Record<string, number>>([
    { $match: { erasedAt: { $exists: false } } },
    { $group: group },
  ]);
  const count = (key: string) => row?.[key] ?? 0;
  return CONSENT_PURPOSES.map((purpose) => {
    const granted = count(`${purpose}_GRANTED`);
    const denied = count(`${purpose}_DENIED`);
    const withdrawn = count(`${purpose}_WITHDRAWN`);
    return { purpose, granted, denied, withdrawn, none: count('total') - granted - denied - withdrawn };
  });
}

export async function complianceSummary(
  audit: Collection<AuditEventDocument>, customers: Pick<Collection<Document>, 'aggregate'>, since: Date | null | undefined, until: Date | null | undefined,
) {
  const window = windowFilter(since, until);
  const [auditEvents, redactions, denials, requests, coverage] = await Promise.all([
    audit.countDocuments(window),
    redactionCounts(audit, window),
    denialCounts(audit, window),
    dataSubjectRequests(audit, window),
    consentCoverage(customers),
  ]);
  return {
    since: since ?? null, until: until ?? null, auditEvents, redactions, denials,
    consentCoverage: coverage, dataSubjectRequests: requests,
  };
}
