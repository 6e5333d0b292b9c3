/**
 * Reading a subject's consent history (the append-only `consentEvents` collection), oldest first.
 *
 * `Customer.consentHistory` batches through a DataLoader that lives exactly as long as one request:
 * it is keyed (weakly) by that request's Loaders object, so it is created on first use, never shared
 * with another request, and garbage-collected with the request. No consent state is cached across
 * requests, so a change is visible to the very next one.
 */
import DataLoader from 'dataloader';
import type { Loaders } from '../store/loaders';
import type { Store } from '../store/port';
import type { ConsentEventDocument } from '../store/seed';

export type ConsentEventView = Omit<ConsentEventDocument, '_id' | 'subjectId'>;

const OLDEST_FIRST = { at: 1, _id: 1 } as const;

export function toConsentEventView(event: ConsentEventDocument): ConsentEventView {
  const { purpose, status, source, actor, actorRole, policyVersion, at } = event;
  return { purpose, status, source, actor, actorRole, policyVersion, at };
}

export async function readConsentHistory(store: Store, subjectId: string): Promise<ConsentEventView[]> {
  const events = await store.collection<ConsentEventDocument>('consentEvents').find({ subjectId }, { sort: OLDEST_FIRST });
  return events.map(toConsentEventView);
}

const perRequest = new WeakMap<Loaders, DataLoader<string, ConsentEventView[]>>();

/** The consent-history loader of the request that owns `loaders`. */
export function consentHistoryLoader(store: Store, loaders: Loaders): DataLoader<string, ConsentEventView[]> {
  let loader = perRequest.get(loaders);
  if (loader === undefined) {
    loader = new DataLoader<string, ConsentEventView[]>(async (ids) => {
      const events = await store.collection<ConsentEventDocument>('consentEvents').find({ subjectId: { $in: [...ids] } }, { sort: OLDEST_FIRST });
      const bySubject = new Map<string, ConsentEventView[]>(ids.map((id) => [id, []]));
      for (const event of events) bySubject.get(event.subjectId)?.push(toConsentEventView(event));
      return ids.map((id) => bySubject.get(id) ?? []);
    }, { maxBatchSize: 500 });
    perRequest.set(loaders, loader);
  }
  return loader;
}
