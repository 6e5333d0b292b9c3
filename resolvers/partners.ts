/** The partner registry's operations (privacy officer; gated in src/policy/operations.ts). Data access only. */
import type { GatewayContext } from '../src/admission/context';
import { agreementInForce, listPartners, registerPartner, revokePartner, type PartnerDocument, type RegisterPartnerInput } from '../src/privacy/partners';

const registry = (context: GatewayContext) => context.services.store.collection<PartnerDocument>('partners');
const actorOf = (context: GatewayContext) => context.caller?.sub ?? 'unknown';

export const partnerQueries = {
  partners: (_: unknown, __: unknown, context: GatewayContext) => listPartners(registry(context)),
};

export const partnerMutations = {
  registerPartner: async (_: unknown, args: { input: RegisterPartnerInput }, context: GatewayContext) => {
    const partner = await registerPartner(registry(context), args.input, actorOf(context));
    context.audit.record({
      operation: 'Mutation.registerPartner', subjectIds: [], fields: [], decision: 'ALLOW',
      detail: { partnerId: partner._id, purposes: partner.purposes, agreementExpiresAt: partner.agreementExpiresAt },
    });
    return partner;
  },
  revokePartner: async (_: unknown, args: { id: string }, context: GatewayContext) => {
    const partner = await revokePartner(registry(context), args.id, actorOf(context));
    context.audit.record({
      operation: 'Mutation.revokePartner', subjectIds: [], fields: [], decision: 'ALLOW', detail: { partnerId: partner._id },
    });
    return partner;
  },
};

/** Partner fields that are not plain properties of the stored document. */
export const Partner = {
  id: (partner: PartnerDocument) => partner._id,
  /** In force now: an expired agreement is not active, exactly as the gate treats it. */
  active: (partner: PartnerDocument) => agreementInForce(partner),
  revokedAt: (partner: PartnerDocument) => partner.revokedAt ?? null,
};
