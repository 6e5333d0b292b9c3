/**
 * Per-request DataLoaders (never module-level: one caller's data must never serve another). Each
 * batches the lookups of one tick into a single `$in` query, in chunks of at most 500 ids.
 */
import DataLoader from 'dataloader';
import type { Collection, CollectionName, Document, Store } from './port';
import type { CustomerDocument } from './seed';

export const MAX_BATCH_SIZE = 500;

function byIdLoader<T extends Document>(collection: Collection<T>): DataLoader<string, T | null> {
  return new DataLoader<string, T | null>(async (ids) => {
    const docs = await collection.find({ _id: { $in: [...ids] } });
    const byId = new Map(docs.map((doc) => [doc._id, doc]));
    return ids.map((id) => byId.get(id) ?? null);
  }, { maxBatchSize: MAX_BATCH_SIZE });
}

export interface Loaders {
  customer: DataLoader<string, CustomerDocument | null>;
  segment: DataLoader<string, Document | null>;
  partner: DataLoader<string, Document | null>;
}

export function createLoaders(store: Store): Loaders {
  const collection = <T extends Document>(name: CollectionName) => store.collection<T>(name);
  return {
    customer: byIdLoader(collection<CustomerDocument>('customers')),
    segment: byIdLoader(collection('segments')),
    partner: byIdLoader(collection('partners')),
  };
}
