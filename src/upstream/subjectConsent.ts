/**
 * The gateway's own consent store in gateway mode. Upstream records are not the gateway's to write,
 * so consent lives only in the gateway's append-only history (`consentEvents`, keyed by subject id),
 * and a subject's current state per purpose is its latest event. Choices are validated and shaped by
 * the same functions as in managed mode (privacy/consent.ts); a change applies to the very next read.
 *
 * The current state is folded from the request's own consent-history loader (store/loaders.ts), so a
 * page of 100 records costs one `$in` query on the indexed `subjectId`. Within a request the folded
 * state is kept by a SubjectConsentCache owned by the gateway (keyed weakly by the request's loaders):
 * the records of a page are prefetched in one batch as soon as the upstream answers, so each @pii
 * value is then decided synchronously. Nothing is cached across requests, and a consent written
 * during the request drops the subject's entry.
 */
import type { GatewayContext } from '../admission/context';
import { consentEvent, type ConsentChange, type ConsentView } from '../privacy/consent';
import type { ConsentStatus, Purpose } from '../policy/purposes';
import type { Loaders } from '../store/loaders';
import type { ConsentEventDocument } from '../store/documents';
import { SUBJECT_KEY_ALIAS } from './subjectKeyTransform';

/** A subject's current consent per purpose, in the shape field enforcement reads (`consents.PURPOSE.status`). */
export type SubjectConsents = Partial<Record<Purpose, { status: ConsentStatus; source: string; updatedAt: string }>>;

const MAX_SUBJECT_ID_LENGTH = 200;

export function foldLatest(events: readonly ConsentEventDocument[]): SubjectConsents {
  const state: SubjectConsents = {};
  for (const event of events) state[event.purpose] = { status: event.status, source: event.source, updatedAt: event.at };
  return state;
}

type Entry = { consents: SubjectConsents };

/** Each request's folded consent state per subject; one instance per gateway. */
export class SubjectConsentCache {
  private readonly perRequest = new WeakMap<Loaders, Map<string, Entry>>();

  private entries(loaders: Loaders): Map<string, Entry> {
    let entries = this.perRequest.get(loaders);
    if (entries === undefined) {
      entries = new Map();
      this.perRequest.set(loaders, entries);
    }
    return entries;
  }

  /** The state already loaded in this request, or undefined when it must be loaded. */
  peek(loaders: Loaders, subjectId: string): SubjectConsents | undefined {
    return this.perRequest.get(loaders)?.get(subjectId)?.consents;
  }

  /** The subject's current consent per purpose: its latest recorded choice for each (events come oldest first). */
  async load(loaders: Loaders, subjectId: string): Promise<SubjectConsents> {
    const consents = foldLatest(await loaders.consentHistory.load(subjectId));
    this.entries(loaders).set(subjectId, { consents });
    return consents;
  }

  /** Loads, in one batch, the state of every subject whose key an upstream answer carries. */
  async prefetch(loaders: Loaders, answer: unknown): Promise<void> {
    const ids = new Set<string>();
    collectSubjects(answer, ids);
    const known = this.perRequest.get(loaders);
    await Promise.all([...ids].filter((id) => !known?.has(id)).map((id) => this.load(loaders, id)));
  }

  /** Drops the subject's state after a consent was written in this request. */
  forget(loaders: Loaders, subjectId: string): void {
    this.perRequest.get(loaders)?.delete(subjectId);
    loaders.consentHistory.clear(subjectId);
  }
}

function collectSubjects(value: unknown, ids: Set<string>): void {
  if (Array.isArray(value)) {
    for (const item of value) collectSubjects(item, ids);
    return;
  }
  if (value === null || typeof value !== 'object') return;
  const record = value as Record<string, unknown>;
  const id = subjectIdFrom(record[SUBJECT_KEY_ALIAS]);
  if (id !== undefined) ids.add(id);
  for (const child of Object.values(record)) if (child !== null && typeof child === 'object') collectSubjects(child, ids);
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
  cache: SubjectConsentCache,
  change: ConsentChange,
  audit: { operation: string; detail: Record<string, unknown> },
): Promise<ConsentView> {
  const at = new Date().toISOString();
  await context.services.store.collection<ConsentEventDocument>('consentEvents').insertOne(consentEvent(change, at));
  cache.forget(context.loaders, change.subjectId);
  context.audit.record({ operation: audit.operation, subjectIds: [change.subjectId], fields: ['Subject.consents'], decision: 'ALLOW', detail: audit.detail });
  return { purpose: change.purpose, status: change.status, source: change.source, updatedAt: at };
}
