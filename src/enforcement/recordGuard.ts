/**
 * The store as resolvers and data-subject operations see it (`context.services.store`): every
 * collection as is, except that customer records cannot be listed, filtered, counted, looked up by a
 * value or aggregated there — that is the records reader's job (`context.records`, which alone holds
 * the unguarded store). What stays open is what a data-subject operation needs on the one subject its
 * gate admitted: reading that subject by its id, and writing. A read outside these bounds is a bug:
 * it rejects with RecordAccessError, which the gateway answers INTERNAL_SERVER_ERROR (and audits).
 */
import { READ_OPERATIONS, type Collection, type Document, type Store } from '../store/port';

export class RecordAccessError extends Error {
  override name = 'RecordAccessError';
}


/** `{ _id: "<one id>", … }`: the filter names a single subject by its surrogate id. */
function namesOneSubject(filter: unknown): boolean {
  return filter !== null && typeof filter === 'object' && typeof (filter as { _id?: unknown })._id === 'string';
}

function guardCustomers<T extends Document>(collection: Collection<T>): Collection<T> {
  return new Proxy(collection, {
    get(target, property) {
      const value: unknown = Reflect.get(target, property, target);
      if (typeof value !== 'function') return value;
      if (!READ_OPERATIONS.has(property)) return value.bind(target);
      return (...args: unknown[]) => (property !== 'aggregate' && namesOneSubject(args[0])
        ? value.apply(target, args)
        : Promise.reject(new RecordAccessError(`customer records are read through context.records, not ${String(property)}`)));
    },
  });
}

/** The guarded view of `store`; a gateway makes it once (GatewayServices.requestStore). */
export function guardCustomerReads(store: Store): Store {
  return new Proxy(store, {
    get(target, property) {
      if (property === 'collection') {
        return <T extends Document>(name: Parameters<Store['collection']>[0]) => {
          const collection = target.collection<T>(name);
          return name === 'customers' ? guardCustomers(collection) : collection;
        };
      }
      const value: unknown = Reflect.get(target, property, target);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}
