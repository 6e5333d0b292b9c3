/**
 * Data-subject rights: access (export), rectification, erasure. Data access only: the gate
 * (policy/operations.ts) decides who may call each; src/privacy/ holds the rules. Each successful
 * operation records one audit event naming the subject and the fields, never a value.
 */
import type { GatewayContext } from '../src/admission/context';
import { invariant } from '../src/errors/errors';
import { eraseSubject, type ErasureOutcome } from '../src/privacy/erasure';
import { exportSubjectData, type SubjectExport } from '../src/privacy/export';
import { rectifySubject } from '../src/privacy/rectification';
import type { RectifyCustomerInput } from '../src/privacy/rectificationInput';
import type { CustomerDocument } from '../src/store/documents';

export const subjectRightsMutations = {
  exportCustomerData: async (_: unknown, args: { id: string }, context: GatewayContext): Promise<SubjectExport> => {
    const { store, policy } = context.services;
    const exported = await exportSubjectData({ store, policy, loaders: context.loaders }, args.id);
    context.audit.record({
      operation: 'Mutation.exportCustomerData',
      subjectIds: [args.id],
      fields: exported.record === null ? [] : [...policy.fields.values()].filter((field) => field.type === 'Customer').map((field) => field.coordinate).sort(),
      decision: 'ALLOW',
      detail: { status: exported.status, consentEvents: exported.consentHistory.length, auditEvents: exported.auditEvents.length },
    });
    return exported;
  },

  rectifyCustomer: async (_: unknown, args: { id: string; input: RectifyCustomerInput }, context: GatewayContext): Promise<CustomerDocument> => {
    const { customer, fields } = await rectifySubject(context, args.id, args.input);
    context.audit.record({
      operation: 'Mutation.rectifyCustomer',
      subjectIds: [args.id],
      fields: fields.map((field) => `Customer.${field}`),
      decision: 'ALLOW',
    });
    return customer;
  },

  eraseCustomer: async (_: unknown, args: { id: string; reason: string }, context: GatewayContext): Promise<Omit<ErasureOutcome, 'erasedFields'>> => {
    const caller = context.caller;
    invariant(caller !== null, 'the gate admits eraseCustomer only with a caller');
    const { store, policy } = context.services;
    const { erasedFields, ...outcome } = await eraseSubject({ store, policy }, {
      subjectId: args.id, reason: args.reason, actor: caller.sub, actorRole: caller.role,
    });
    context.loaders.customer.clear(args.id);
    context.audit.record({
      operation: 'Mutation.eraseCustomer',
      subjectIds: [args.id],
      fields: [...erasedFields, ...(outcome.alreadyErased ? [] : ['Customer.consents'])],
      decision: 'ALLOW',
      detail: { alreadyErased: outcome.alreadyErased, consentsWithdrawn: outcome.consentsWithdrawn.length, selfRequested: caller.role === 'customer' },
    });
    return outcome;
  },
};
