/**
 * Erasure (GDPR Art. 17, CCPA right to delete) in one function, so every step of forgetting a subject
 * lives in one place (at-rest encryption adds the deletion of the subject's key here).
 *
 * What is removed: every stored @pii field of Customer (the list comes from the compiled policy, so a
 * new @pii field is erased without touching this file) and every attribute derived from one
 * (birthYear, postalPrefix). What is kept: a tombstone (`erasedAt`,
 * `erasureReason`) so the id answers "erased", the consent record with every consent-based purpose
 * WITHDRAWN (source ERASURE; the history stays, as proof of what the subject had chosen), and the
 * audit trail. Segment membership and counts are computed from the records at query time and exclude
 * tombstones, so nothing derived outlives the erasure.
 */
import { BadUserInputError } from '../errors/errors';
import type { Purpose } from '../policy/purposes';
import type { Role } from '../policy/roles';
import type { Policy } from '../policy/types';
import type { Store } from '../store/port';
import type { ConsentEventDocument, ConsentRecord, CustomerDocument } from '../store/documents';
import { consentEvent, consentPurposes, consentRecord, ERASURE_SOURCE, type ConsentChange } from './consent';

export const MAX_REASON_LENGTH = 500;

/**
 * Stored attributes computed from personal data: erased with their source. (The email's lookup key
 * belongs to the at-rest encryption layer, which drops it with the email.)
 */
export const DERIVED_ATTRIBUTES = ['birthYear', 'postalPrefix'] as const;

export interface ErasureRequest {
  subjectId: string;
  reason: string;
  actor: string;
  actorRole: Role;
}

export interface ErasureOutcome {
  customerId: string;
  erasedAt: string;
  alreadyErased: boolean;
  consentsWithdrawn: Purpose[];
  /** Schema coordinates whose values were removed (for the audit; never the values). */
  erasedFields: string[];
  /** When the subject's data key was destroyed (crypto-shredding); absent when the store does not encrypt at rest. */
  keyShreddedAt?: string;
}

/**
 * Crypto-shredding: destroys the subject's data key, so every remaining copy of its encrypted values
 * (the store's history, backups) can no longer be decrypted; the tombstone records when.
 */
async function shredSubjectKey(store: Store, subjectId: string): Promise<string | undefined> {
  // A store without encryption at rest shredded nothing, and the tombstone must not say it did.
  if (store.atRest === null) return undefined;
  await store.atRest.shredSubject(subjectId);
  const keyShreddedAt = new Date().toISOString();
  await store.collection<CustomerDocument>('customers').updateOne({ _id: subjectId }, { $set: { keyShreddedAt } });
  return keyShreddedAt;
}

/**
 * The stored Customer fields that hold personal data, read from the policy. The consent fields
 * (category PRIVACY_PREFERENCES) are excluded: erasure rewrites them to WITHDRAWN instead.
 */
export function erasableCustomerFields(policy: Policy): { coordinates: string[]; attributes: string[] } {
  const personal = [...policy.fields.values()].filter((field) => field.type === 'Customer' && field.category !== 'PRIVACY_PREFERENCES');
  return {
    coordinates: personal.map((field) => field.coordinate).sort(),
    attributes: [...personal.map((field) => field.field), ...DERIVED_ATTRIBUTES],
  };
}

/** A reason is for the record of processing: free text, bounded, no control characters. */
export function erasureReason(given: string): string {
  const reason = given.trim();
  if (reason.length === 0 || reason.length > MAX_REASON_LENGTH) throw new BadUserInputError(`reason must be 1 to ${MAX_REASON_LENGTH} characters`);
  if (/\p{Cc}/u.test(reason)) throw new BadUserInputError('reason must not contain control characters');
  return reason;
}

function alreadyErased(customer: CustomerDocument & { erasedAt: string }): ErasureOutcome {
  return { customerId: customer._id, erasedAt: customer.erasedAt, alreadyErased: true, consentsWithdrawn: [], erasedFields: [] };
}

/**
 * Erases the subject. Idempotent: an erased subject yields `alreadyErased: true` and nothing changes.
 * BAD_USER_INPUT for an unknown id. Resolves once the tombstone is durable.
 */
export async function eraseSubject(deps: { store: Store; policy: Policy }, request: ErasureRequest, now: Date = new Date()): Promise<ErasureOutcome> {
  const reason = erasureReason(request.reason);
  const customers = deps.store.collection<CustomerDocument>('customers');
  const events = deps.store.collection<ConsentEventDocument>('consentEvents');
  const customer = await customers.findOne({ _id: request.subjectId });
  if (customer === null) throw new BadUserInputError('No customer with this id');
  if (typeof customer.erasedAt === 'string') {
    // An erasure interrupted between its tombstone and the shredding is completed by the retry.
    if (customer.keyShreddedAt === undefined) await shredSubjectKey(deps.store, request.subjectId);
    return alreadyErased(customer as CustomerDocument & { erasedAt: string });
  }

  const erasedAt = now.toISOString();
  const withdrawn = consentPurposes();
  const changes: ConsentChange[] = withdrawn.map((purpose) => ({
    subjectId: request.subjectId, purpose, status: 'WITHDRAWN', source: ERASURE_SOURCE, actor: request.actor, actorRole: request.actorRole,
  }));
  const consents: Partial<Record<Purpose, ConsentRecord>> = Object.fromEntries(changes.map((change) => [change.purpose, consentRecord(change, erasedAt)]));
  const withdrawalEvents = changes.map((change) => consentEvent(change, erasedAt));
  const { coordinates, attributes } = erasableCustomerFields(deps.policy);

  // History first (as for every consent change), then the tombstone in one document write.
  await events.insertMany(withdrawalEvents);
  const result = await customers.updateOne(
    { _id: request.subjectId, erasedAt: { $exists: false } },
    {
      $unset: Object.fromEntries(attributes.map((attribute) => [attribute, ''])),
      $set: { erasedAt, erasureReason: reason, consents },
    },
  );
  if (result.matchedCount === 0) {
    // A concurrent erasure won: its events stand, ours are duplicates.
    await events.deleteMany({ _id: { $in: withdrawalEvents.map((event) => event._id) } });
    const current = await customers.findOne({ _id: request.subjectId });
    if (current !== null && typeof current.erasedAt === 'string') return alreadyErased(current as CustomerDocument & { erasedAt: string });
    throw new BadUserInputError('No customer with this id');
  }
  // After the tombstone is durable: delete the subject's data key (crypto-shredding).
  const keyShreddedAt = await shredSubjectKey(deps.store, request.subjectId);
  return {
    customerId: request.subjectId, erasedAt, alreadyErased: false, consentsWithdrawn: withdrawn, erasedFields: coordinates,
    ...(keyShreddedAt === undefined ? {} : { keyShreddedAt }),
  };
}
