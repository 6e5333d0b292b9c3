/**
 * Rectification (GDPR Art. 16): applies a validated correction to an active subject in one document
 * write (derived attributes included, so they never disagree with their source). An email that
 * belongs to another customer is refused: the email is support's lookup key and must stay unique.
 */
import { BadUserInputError } from '../errors/errors';
import type { GatewayContext } from '../admission/context';
import type { CustomerDocument } from '../store/documents';
import { validateRectification, type RectifiableField, type RectifyCustomerInput } from './rectificationInput';
import { requireActiveSubject } from './subjects';

export interface RectificationOutcome {
  customer: CustomerDocument;
  fields: RectifiableField[];
}

export async function rectifySubject(context: GatewayContext, id: string, input: RectifyCustomerInput): Promise<RectificationOutcome> {
  const { set, fields, email } = validateRectification(input);
  await requireActiveSubject(context.loaders, id);
  if (email !== undefined) {
    // The same exact, case-insensitive match (and index) as support's lookup; only the holder's id.
    const holder = await context.records.holderOf('Customer.email', email);
    if (holder !== null && holder !== id) throw new BadUserInputError('input.email is already used by another customer');
  }
  const result = await context.services.store
    .collection<CustomerDocument>('customers')
    .updateOne({ _id: id, erasedAt: { $exists: false } }, { $set: set });
  if (result.matchedCount === 0) throw new BadUserInputError('This customer has been erased');
  context.loaders.customer.clear(id);
  const customer = await context.loaders.customer.load(id);
  if (customer === null) throw new BadUserInputError('No customer with this id');
  return { customer, fields };
}
