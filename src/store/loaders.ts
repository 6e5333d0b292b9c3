/**
 * Per-request DataLoaders (never module-level: one caller's data must never serve another). Each
 * batches the lookups of one tick into a single `$in` query, in chunks of at most 500 ids.
 */
import DataLoader from 'dataloader';
import type { Collection, CollectionName, Document, Store } from './port';
import type { ConsentEventDocument, CustomerDocument } from './documents';

export const MAX_BATCH_SIZE = 500;

function byIdLoader<T extends Document>(collection: Collection<T>): DataLoader<string, T | null> {
  return new DataLoader<string, T | null>(async (ids) => {
    const docs = await collection.find({ _id: { $in: [...ids] } });
    const byId = new Map(docs.map((doc) => [doc._id, doc]));
    return ids.map((id) => byId.get(id) ?? null);
  }, { maxBatchSize: MAX_BATCH_SIZE });
}

/** Each subject's consent events, oldest first, for many subjects in one query. */
function consentHistoryLoader(collection: Collection<ConsentEventDocument>): DataLoader<string, ConsentEventDocument[]> {
  return new DataLoader<string, ConsentEventDocument[]>(async (ids) => {
    const events = await collection.find({ subjectId: { $in: [...ids] } }, { sort: { at: 1, _id: 1 } });
    const bySubject = new Map<string, ConsentEventDocument[]>(ids.map((id) => [id, []]));
    for (const event of events) bySubject.get(event.subjectId)?.push(event);
    return ids.map((id) => bySubject.get(id) ?? []);
  }, { maxBatchSize: MAX_BATCH_SIZE });
}

export interface Loaders {
  customer: DataLoader<string, CustomerDocument | null>;
  consentHistory: DataLoader<string, ConsentEventDocument[]>;
  segment: DataLoader<string, Document | null>;
  partner: DataLoader<string, Document | null>;
}

export function createLoaders(store: Store): Loaders {
  const collection = <T extends Document>(name: CollectionName) => store.collection<T>(name);
  return {
    customer: byIdLoader(collection<CustomerDocument>('customers')),
    consentHistory: consentHistoryLoader(collection<ConsentEventDocument>('consentEvents')),
    segment: byIdLoader(collection('segments')),
    partner: byIdLoader(collection('partners')),
  };
}
