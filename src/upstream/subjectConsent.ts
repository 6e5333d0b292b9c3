/**
 * The gateway's own consent store in gateway mode. Upstream records are not the gateway's to write,
 * so consent lives only in the gateway's append-only history (`consentEvents`, keyed by subject id),
 * and a subject's current state per purpose is its latest event. Choices are validated and shaped by
 * the same functions as in managed mode (privacy/consent.ts); a change applies to the very next read.
 *
 * The current state is folded from the request's own consent-history loader (store/loaders.ts), so a
 * page of 100 records costs one `$in` query on the indexed `subjectId`, and nothing is cached across
 * requests.
 */
import type { GatewayContext } from '../context';
import { consentEvent, type ConsentChange, type ConsentView } from '../privacy/consent';
import type { ConsentStatus, Purpose } from '../policy/purposes';
import type { Loaders } from '../store/loaders';
import type { ConsentEventDocument } from '../store/seed';

/** A subject's current consent per purpose, in the shape field enforcement reads (`consents.PURPOSE.status`). */
export type SubjectConsents = Partial<Record<Purpose, { status: ConsentStatus; source: string; updatedAt: string }>>;

const MAX_SUBJECT_ID_LENGTH = 200;

function foldLatest(events: readonly ConsentEventDocument[]): SubjectConsents {
  const state: SubjectConsents = {};
  for (const event of events) state[event.purpose] = { status: event.status, source: event.source, updatedAt: event.at };
  return state;
}

/** The subject's current consent per purpose: its latest recorded choice for each (events come oldest first). */
export async function loadSubjectConsents(loaders: Loaders, subjectId: string): Promise<SubjectConsents> {
  return foldLatest(await loaders.consentHistory.load(subjectId));
}

/** A subject id as the upstream gives it (string or number), or undefined when it is not usable. */
export function subjectIdFrom(value: unknown): string | undefined {
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  if (typeof value === 'string' && value.length > 0 && value.length <= MAX_SUBJECT_ID_LENGTH) return value;
  return undefined;
}

/**
 * Appends the choice to the subject's history (its new current state), drops the request's cached
 * state of that subject, and records the operation for the audit (never the values).
 */
export async function recordSubjectConsent(
  context: GatewayContext,
  change: ConsentChange,
  audit: { operation: string; detail: Record<string, unknown> },
): Promise<ConsentView> {
  const at = new Date().toISOString();
  await context.services.store.collection<ConsentEventDocument>('consentEvents').insertOne(consentEvent(change, at));
  context.loaders.consentHistory.clear(change.subjectId);
  context.audit.record({ operation: audit.operation, subjectIds: [change.subjectId], fields: ['Subject.consents'], decision: 'ALLOW', detail: audit.detail });
  return { purpose: change.purpose, status: change.status, source: change.source, updatedAt: at };
}
