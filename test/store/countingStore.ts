/**
 * A Store decorator that records every call that reaches the backend (collection, method, filter),
 * so tests can prove that a request costs a constant number of round trips. It forwards everything
 * unchanged: behaviour is the wrapped store's.
 */
import type { Collection, CollectionName, Document, Store } from '../../src/store/port';

export interface StoreCall {
  collection: CollectionName;
  method: keyof Collection;
  /** The filter (or pipeline) argument, for assertions on `$in` batches. */
  argument: unknown;
}

export interface CountingStore extends Store {
  readonly calls: StoreCall[];
  /** Calls since `mark` was taken. */
  since(mark: number): StoreCall[];
}

const METHODS: readonly (keyof Collection)[] = [
  'find', 'findOne', 'countDocuments', 'aggregate', 'insertOne', 'insertMany',
  'updateOne', 'updateMany', 'replaceOne', 'deleteOne', 'deleteMany',
];

export function countingStore(inner: Store): CountingStore {
  const calls: StoreCall[] = [];
  const wrapped = new Map<CollectionName, Collection>();
  const wrap = (name: CollectionName): Collection => {
    const target = inner.collection(name);
    const proxy = {} as Record<keyof Collection, unknown>;
    for (const method of METHODS) {
      proxy[method] = (...args: unknown[]) => {
        calls.push({ collection: name, method, argument: args[0] });
        return (target[method] as (...a: unknown[]) => unknown).apply(target, args);
      };
    }
    return proxy as unknown as Collection;
  };
  return {
    kind: inner.kind,
    calls,
    since: (mark) => calls.slice(mark),
    collection<T extends Document = Document>(name: CollectionName): Collection<T> {
      let collection = wrapped.get(name);
      if (collection === undefined) wrapped.set(name, (collection = wrap(name)));
      return collection as unknown as Collection<T>;
    },
    ping: () => inner.ping(),
    close: () => inner.close(),
    purgeDeleted: () => inner.purgeDeleted(),
    atRest: inner.atRest,
  };
}
