/**
 * One page of customers in id order, as a cursor connection (`edges { cursor node }`, `pageInfo`,
 * `totalCount`). Used only by the records reader (customerRecords.ts), after it has restricted the
 * condition to what the caller may select.
 */
import { BadUserInputError } from '../errors/errors';
import type { Collection, Filter } from '../store/port';
import type { CustomerDocument } from '../store/documents';

const CURSOR_PREFIX = 'c1:';

export function encodeCursor(id: string): string {
  return Buffer.from(CURSOR_PREFIX + id, 'utf8').toString('base64url');
}

export function decodeCursor(cursor: string): string {
  const decoded = cursor.length <= 300 ? Buffer.from(cursor, 'base64url').toString('utf8') : '';
  if (!decoded.startsWith(CURSOR_PREFIX) || decoded.length === CURSOR_PREFIX.length) throw new BadUserInputError('after is not a valid cursor');
  return decoded.slice(CURSOR_PREFIX.length);
}

export interface PageArgs {
  first?: number | null;
  after?: string | null;
}

export interface CustomerConnection {
  edges: { cursor: string; node: CustomerDocument }[];
  pageInfo: { hasNextPage: boolean; endCursor: string | null };
  /** Counted only when the query selects `totalCount` (the default resolver calls a function field). */
  totalCount: () => Promise<number>;
}

/** `first` validated against the page cap (default 50); the count is over `base`, the page after the cursor. */
export async function customerPage(customers: Collection<CustomerDocument>, base: Filter, args: PageArgs, maxPageSize: number): Promise<CustomerConnection> {
  const first = args.first ?? 50;
  if (!Number.isInteger(first) || first < 0 || first > maxPageSize) throw new BadUserInputError(`first must be between 0 and ${maxPageSize}`);
  const pageFilter: Filter = args.after ? { $and: [base, { _id: { $gt: decodeCursor(args.after) } }] } : base;
  const page = first === 0 ? [] : await customers.find(pageFilter, { sort: { _id: 1 }, limit: first + 1 });
  const nodes = page.slice(0, first);
  const edges = nodes.map((node) => ({ cursor: encodeCursor(node._id), node }));
  const totalCount = () => customers.countDocuments(base);
  return { edges, pageInfo: { hasNextPage: page.length > first, endCursor: edges.at(-1)?.cursor ?? null }, totalCount };
}
