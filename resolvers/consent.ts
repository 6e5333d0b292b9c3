/**
 * Consent operations: data access only. Who may call them is decided by the gate
 * (policy/operations.ts: the subject for its own id, support, the privacy officer); the rules of a
 * valid choice live in src/privacy/consent.ts.
 */
import type { GatewayContext } from '../src/admission/context';
import { invariant } from '../src/errors/errors';
import { assertConsentGoverns, consentSource, recordConsentInRequest, type ConsentView } from '../src/privacy/consent';
import { toConsentEventView, type ConsentEventView } from '../src/privacy/consentHistory';
import { requireActiveSubject } from '../src/privacy/subjects';
import type { ConsentStatus, Purpose } from '../src/policy/purposes';
import type { CustomerDocument } from '../src/store/documents';

interface SetConsentArgs {
  customerId: string;
  purpose: Purpose;
  status: ConsentStatus;
  source?: string | null;
}

export const consentMutations = {
  setConsent: async (_: unknown, args: SetConsentArgs, context: GatewayContext): Promise<ConsentView> => {
    const caller = context.caller;
    invariant(caller !== null, 'the gate admits setConsent only with a caller');
    assertConsentGoverns(args.purpose);
    const source = consentSource(args.source, caller.role);
    await requireActiveSubject(context.loaders, args.customerId);
    return recordConsentInRequest(context, {
      subjectId: args.customerId, purpose: args.purpose, status: args.status, source, actor: caller.sub, actorRole: caller.role,
    }, { operation: 'Mutation.setConsent', detail: { purpose: args.purpose, source, onBehalf: caller.role !== 'customer' } });
  },
};

/** Customer.consentHistory: batched per request; enforcement (it is @pii) decides who sees it. */
export const customerConsentFields = {
  consentHistory: async (customer: CustomerDocument, _: unknown, context: GatewayContext): Promise<ConsentEventView[]> =>
    (await context.loaders.consentHistory.load(customer._id)).map(toConsentEventView),
};
