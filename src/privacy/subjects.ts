/**
 * Finding the data subject a data-subject operation names. An unknown id is the caller's mistake
 * (BAD_USER_INPUT, which never says more than "no such customer"); an erased subject is told apart,
 * because its tombstone still answers "erased" (export, repeated erasure) while every write refuses it.
 */
import { BadUserInputError } from '../errors/errors';
import type { Loaders } from '../store/loaders';
import type { CustomerDocument } from '../store/documents';

/** Surrogate ids are short; anything longer is refused before it reaches the store. */
export const MAX_SUBJECT_ID_LENGTH = 200;

export type SubjectLookup =
  | { kind: 'active'; customer: CustomerDocument }
  | { kind: 'erased'; customer: CustomerDocument & { erasedAt: string } };

function isErased(customer: CustomerDocument): customer is CustomerDocument & { erasedAt: string } {
  return typeof customer.erasedAt === 'string';
}

/** The subject, active or erased; BAD_USER_INPUT when no customer has this id. */
export async function findSubject(loaders: Loaders, id: string): Promise<SubjectLookup> {
  if (id.length === 0 || id.length > MAX_SUBJECT_ID_LENGTH) throw new BadUserInputError('No customer with this id');
  const customer = await loaders.customer.load(id);
  if (customer === null) throw new BadUserInputError('No customer with this id');
  return isErased(customer) ? { kind: 'erased', customer } : { kind: 'active', customer };
}

/** The subject for a write: unknown and erased subjects are both BAD_USER_INPUT. */
export async function requireActiveSubject(loaders: Loaders, id: string): Promise<CustomerDocument> {
  const found = await findSubject(loaders, id);
  if (found.kind === 'erased') throw new BadUserInputError('This customer has been erased');
  return found.customer;
}
