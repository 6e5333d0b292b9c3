/**
 * Ordered, conditional appends to a hash-chained, append-only collection: a capability some backends
 * give some collections (the embedded store gives it to `audit`, and commits those appends on a
 * dedicated writer thread). MongoDB does not offer it; callers then use plain `insertMany`.
 *
 * The contract that lets a caller pipeline (link the next batch before the previous one is durable):
 * - `insertChained(docs, after)` commits `docs` in one durable transaction (fsync'd before it
 *   resolves), or nothing;
 * - it commits only if the collection's last document (highest `_id`) is exactly `after` (same `_id`
 *   and `hash`), or the collection is empty when `after` is null; otherwise it rejects with a
 *   ChainConflictError and stores nothing;
 * - calls are committed in the order they were made.
 * So a batch linked onto a batch that failed can never be stored: its `after` does not exist.
 */
import { StoreError, type Collection, type Document } from './port';

/** The last stored link of a chain: its `_id` and `hash`. */
export interface ChainLink {
  _id: string;
  hash: string;
}

export interface ChainedAppends<T extends Document = Document> {
  insertChained(docs: T[], after: ChainLink | null): Promise<void>;
}

/** The chain's head was not `after`: nothing of the batch was stored. */
export class ChainConflictError extends StoreError {
  override name = 'ChainConflictError';
}

/** The collection's chained appends, or null when its backend has none. */
export function chainedAppendsOf<T extends Document>(collection: Collection<T>): ChainedAppends<T> | null {
  const candidate = collection as Collection<T> & Partial<ChainedAppends<T>>;
  return typeof candidate.insertChained === 'function' ? (candidate as unknown as ChainedAppends<T>) : null;
}
