/**
 * Root queries. Customer records come only from the request's records reader (context.records), which
 * applies erasure, identification, filter visibility and the audit of keys; no role checks here.
 */
import { BadUserInputError } from '../src/errors/errors';
import type { GatewayContext } from '../src/admission/context';
import type { Filter } from '../src/store/port';
import { auditQueries } from './audit';
import { partnerQueries } from './partners';
import { segmentQueries } from './segments';

interface CustomerFilterInput {
  country?: string | null;
  loyaltyTier?: string | null;
  interest?: string | null;
}

const MAX_FILTER_LENGTH = 100;

/** Maps the filter input to a store filter plus the coordinates it reads. */
function customerFilter(input: CustomerFilterInput | null | undefined): { filter: Filter; reads: string[] } {
  const filter: Filter = {};
  const reads: string[] = [];
  const text = (name: string, value: string | null | undefined): string | undefined => {
    if (value === null || value === undefined) return undefined;
    if (value.length === 0 || value.length > MAX_FILTER_LENGTH) throw new BadUserInputError(`filter.${name} must be 1 to ${MAX_FILTER_LENGTH} characters`);
    return value;
  };
  const country = text('country', input?.country);
  if (country !== undefined) { filter.country = country; reads.push('Customer.country'); }
  if (input?.loyaltyTier) { filter.loyaltyTier = input.loyaltyTier; reads.push('Customer.loyaltyTier'); }
  const interest = text('interest', input?.interest);
  if (interest !== undefined) { filter.interests = interest; reads.push('Customer.interests'); }
  return { filter, reads };
}

export const Query = {
  privacyManifest: (_: unknown, __: unknown, context: GatewayContext) => context.services.manifest,

  customer: async (_: unknown, args: { id?: string | null; email?: string | null }, context: GatewayContext) => {
    const byId = args.id !== undefined && args.id !== null;
    const byEmail = args.email !== undefined && args.email !== null;
    if (byId === byEmail) throw new BadUserInputError('Give exactly one of id or email');
    if (byId) {
      if (args.id!.length > 200) throw new BadUserInputError('id is too long');
      return context.records.byId(args.id!);
    }
    return context.records.byKey('Customer.email', args.email!, 'Query.customer');
  },

  customers: async (_: unknown, args: { filter?: CustomerFilterInput | null; first?: number | null; after?: string | null }, context: GatewayContext) => {
    const { filter, reads } = customerFilter(args.filter);
    return context.records.page({ where: filter, reads, operation: 'Query.customers' }, args);
  },

  me: (_: unknown, __: unknown, context: GatewayContext) => context.records.own(),

  segments: async (_: unknown, __: unknown, context: GatewayContext) =>
    context.services.store.collection('segments').find({}, { sort: { _id: 1 } }),

  segment: (_: unknown, args: { id: string }, context: GatewayContext) => context.loaders.segment.load(args.id),

  ...segmentQueries,
  ...partnerQueries,
  ...auditQueries,
};
