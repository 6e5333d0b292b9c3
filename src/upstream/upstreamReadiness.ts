/**
 * Gateway mode is ready when its own store and every upstream answer: the store handed to the
 * gateway reports both through `ping()` (what /readyz calls); everything else passes through.
 */
import type { Store } from '../store/port';

export function withUpstreamReadiness(store: Store, upstreams: { ping(): Promise<void> }): Store {
  return {
    kind: store.kind,
    collection: (name) => store.collection(name),
    async ping() {
      await Promise.all([store.ping(), upstreams.ping()]);
    },
    close: () => store.close(),
    purgeDeleted: () => store.purgeDeleted(),
    atRest: store.atRest,
  };
}
