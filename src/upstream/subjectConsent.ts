/**
 * The gateway's own consent store in gateway mode. Upstream records are not the gateway's to write,
 * so consent lives only in the gateway's append-only history (`consentEvents`, keyed by subject id),
 * and a subject's current state per purpose is its latest event. Choices are validated and shaped by
 * the same functions as in managed mode (privacy/consent.ts); a change applies to the very next read.
 *
 * The current state is read through a DataLoader that lives exactly as long as one request (keyed
 * weakly by that request's Loaders), so a page of 100 records costs one `$in` query on the indexed
 * `subjectId`, and nothing is cached across requests.
 */
import DataLoader from 'dataloader';
import type { GatewayContext } from '../context';
import { consentEvent, type ConsentChange, type ConsentView } from '../privacy/consent';
import type { ConsentStatus, Purpose } from '../policy/purposes';
import { MAX_BATCH_SIZE, type Loaders } from '../store/loaders';
import type { Store } from '../store/port';
import type { ConsentEventDocument } from '../store/seed';

/** A subject's current consent per purpose, in the shape field enforcement reads (`consents.PURPOSE.status`). */
export type SubjectConsents = Partial<Record<Purpose, { status: ConsentStatus; source: string; updatedAt: string }>>;

const OLDEST_FIRST = { at: 1, _id: 1 } as const;
const MAX_SUBJECT_ID_LENGTH = 200;

function foldLatest(events: readonly ConsentEventDocument[]): SubjectConsents {
  const state: SubjectConsents = {};
  for (const event of events) state[event.purpose] = { status: event.status, source: event.source, updatedAt: event.at };
  return state;
}

const perRequest = new WeakMap<Loaders, DataLoader<string, SubjectConsents>>();

/** The consent-state loader of the request that owns `loaders`. */
export function subjectConsentLoader(store: Store, loaders: Loaders): DataLoader<string, SubjectConsents> {
  let loader = perRequest.get(loaders);
  if (loader === undefined) {
    loader = new DataLoader<string, SubjectConsents>(async (ids) => {
      const events = await store.collection<ConsentEventDocument>('consentEvents').find({ subjectId: { $in: [...ids] } }, { sort: OLDEST_FIRST });
      const bySubject = new Map<string, ConsentEventDocument[]>();
      for (const event of events) bySubject.set(event.subjectId, [...(bySubject.get(event.subjectId) ?? []), event]);
      return ids.map((id) => foldLatest(bySubject.get(id) ?? []));
    }, { maxBatchSize: MAX_BATCH_SIZE });
    perRequest.set(loaders, loader);
  }
  return loader;
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
  subjectConsentLoader(context.services.store, context.loaders).clear(change.subjectId);
  context.audit.record({ operation: audit.operation, subjectIds: [change.subjectId], fields: ['Subject.consents'], decision: 'ALLOW', detail: audit.detail });
  return { purpose: change.purpose, status: change.status, source: change.source, updatedAt: at };
}
