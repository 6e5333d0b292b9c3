/**
 * A store whose every collection call runs in a `gateway.store` span: collection, operation, the
 * filter's shape scrubbed by the policy (scrub.ts), options (sort, limit, projected field names) and
 * the number of documents returned or changed — never a document. Installed only while tracing is on.
 *
 * It is a Proxy over the real store, so the store keeps its class (code that asks whether the store
 * encrypts at rest still gets the right answer) and every other member passes straight through.
 */
import type { Attributes } from '@opentelemetry/api';
import { READ_OPERATIONS, type Collection, type CollectionName, type Document, type Store } from '../store/port';
import type { FilterScrubber } from './scrub';
import { inSpan } from './spans';


function resultCount(result: unknown): number | undefined {
  if (Array.isArray(result)) return result.length;
  if (typeof result === 'number') return result;
  if (result === null) return 0;
  if (typeof result !== 'object') return undefined;
  const counts = result as { modifiedCount?: number; deletedCount?: number; matchedCount?: number };
  return counts.modifiedCount ?? counts.deletedCount ?? counts.matchedCount ?? 1;
}

function optionAttributes(options: unknown): Attributes {
  if (options === null || typeof options !== 'object') return {};
  const { sort, limit, skip, projection } = options as { sort?: object; limit?: number; skip?: number; projection?: object };
  const attributes: Attributes = {};
  if (sort !== undefined) attributes['db.query.sort'] = Object.keys(sort).join(',');
  if (typeof limit === 'number') attributes['db.query.limit'] = limit;
  if (typeof skip === 'number') attributes['db.query.skip'] = skip;
  if (projection !== undefined) attributes['db.query.projection'] = Object.keys(projection).join(',');
  return attributes;
}

function tracedCollection<T extends Document>(name: CollectionName, inner: Collection<T>, scrub: FilterScrubber): Collection<T> {
  return new Proxy(inner, {
    get(target, property, receiver) {
      const member = Reflect.get(target, property, receiver) as unknown;
      if (typeof member !== 'function' || typeof property !== 'string') return member;
      return (...args: unknown[]) => {
        const attributes: Attributes = { 'db.collection.name': name, 'db.operation.name': property, ...optionAttributes(READ_OPERATIONS.has(property) ? args[1] : undefined) };
        // Insert arguments are documents, never shown; for the rest the first argument is a filter or pipeline.
        if (!property.startsWith('insert')) attributes['db.query.summary'] = scrub(args[0]);
        return inSpan('gateway.store', attributes, async (span) => {
          const result: unknown = await (member as (...a: unknown[]) => unknown).apply(target, args);
          const count = resultCount(result);
          if (count !== undefined) span.setAttribute('db.response.returned_rows', count);
          return result;
        });
      };
    },
  });
}

export function traceStore(store: Store, scrub: FilterScrubber): Store {
  const collections = new Map<CollectionName, Collection>();
  return new Proxy(store, {
    get(target, property) {
      if (property === 'collection') {
        return <T extends Document>(name: CollectionName): Collection<T> => {
          let traced = collections.get(name);
          if (traced === undefined) {
            traced = tracedCollection(name, target.collection(name), scrub);
            collections.set(name, traced);
          }
          return traced as unknown as Collection<T>;
        };
      }
      const member = Reflect.get(target, property, target) as unknown;
      return typeof member === 'function' ? (member as (...a: unknown[]) => unknown).bind(target) : member;
    },
  });
}

/** The store the gateway should use: traced (with the policy's scrubber) while tracing is on, else itself. */
export function storeForTracing(store: Store, scrub: () => FilterScrubber, enabled: boolean): Store {
  return enabled ? traceStore(store, scrub()) : store;
}
