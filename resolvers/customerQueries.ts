/** Customer lookups shared by resolvers: cursors, the exact-email lookup, the not-erased condition. */
import { BadUserInputError } from '../src/errors';
import type { GatewayContext } from '../src/context';
import type { Filter } from '../src/store/port';
import type { CustomerDocument } from '../src/store/seed';

/** Erased subjects keep a tombstone; they are never listed or looked up as customers. */
export const NOT_ERASED: Filter = { erasedAt: { $exists: false } };

const CURSOR_PREFIX = 'c1:';

export function encodeCursor(id: string): string {
  return Buffer.from(CURSOR_PREFIX + id, 'utf8').toString('base64url');
}

export function decodeCursor(cursor: string): string {
  const decoded = cursor.length <= 300 ? Buffer.from(cursor, 'base64url').toString('utf8') : '';
  if (!decoded.startsWith(CURSOR_PREFIX) || decoded.length === CURSOR_PREFIX.length) throw new BadUserInputError('after is not a valid cursor');
  return decoded.slice(CURSOR_PREFIX.length);
}

/** Exact, case-insensitive email lookup (support's "one customer at a time"). */
export async function customerByEmail(context: GatewayContext, email: string): Promise<CustomerDocument | null> {
  const customer = await context.services.store
    .collection<CustomerDocument>('customers')
    .findOne({ email: email.trim().toLowerCase(), ...NOT_ERASED });
  if (customer !== null) context.loaders.customer.prime(customer._id, customer);
  return customer;
}

export interface PageArgs {
  first?: number | null;
  after?: string | null;
}

/**
 * One page of a customers connection over `base` (already restricted by the caller's visibility):
 * id order, `first` validated against the page cap, nodes primed into the per-request loader.
 */
export async function customerConnection(context: GatewayContext, base: Filter, args: PageArgs) {
  const first = args.first ?? 50;
  const max = context.services.config.maxPageSize;
  if (!Number.isInteger(first) || first < 0 || first > max) throw new BadUserInputError(`first must be between 0 and ${max}`);
  const pageFilter: Filter = args.after ? { $and: [base, { _id: { $gt: decodeCursor(args.after) } }] } : base;
  const customers = context.services.store.collection<CustomerDocument>('customers');
  const page = first === 0 ? [] : await customers.find(pageFilter, { sort: { _id: 1 }, limit: first + 1 });
  const nodes = page.slice(0, first);
  for (const node of nodes) context.loaders.customer.prime(node._id, node);
  const edges = nodes.map((node) => ({ cursor: encodeCursor(node._id), node }));
  // Counted only when the query selects totalCount (the default resolver calls a function field).
  const totalCount = () => customers.countDocuments(base);
  return { edges, pageInfo: { hasNextPage: page.length > first, endCursor: edges.at(-1)?.cursor ?? null }, totalCount };
}
