/**
 * Reading a subject's consent history (the append-only `consentEvents` collection), oldest first.
 * `Customer.consentHistory` batches through the request's own loader (store/loaders.ts): no consent
 * state is cached across requests, so a change is visible to the very next one.
 */
import type { Store } from '../store/port';
import type { ConsentEventDocument } from '../store/documents';

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
