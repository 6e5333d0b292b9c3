/**
 * Reads of the audit trail for the privacy officer: a filtered cursor connection over the chain.
 * Order is chain order (the _id is the zero-padded sequence): newest first by default.
 */
import { BadUserInputError } from '../errors/errors';
import type { Collection, Filter } from '../store/port';
import type { AuditDecision } from './requestAudit';
import type { AuditEventDocument } from './auditEvent';

export interface AuditEventFilterInput {
  actor?: string | null;
  role?: string | null;
  subjectId?: string | null;
  operation?: string | null;
  decision?: AuditDecision | null;
  requestId?: string | null;
  since?: Date | null;
  until?: Date | null;
}

export type AuditOrder = 'NEWEST_FIRST' | 'OLDEST_FIRST';

const MAX_TEXT = 200;
const CURSOR_PREFIX = 'a1:';

export function encodeAuditCursor(id: string): string {
  return Buffer.from(CURSOR_PREFIX + id, 'utf8').toString('base64url');
}

export function decodeAuditCursor(cursor: string): string {
  const decoded = cursor.length <= 100 ? Buffer.from(cursor, 'base64url').toString('utf8') : '';
  if (!/^a1:\d{12}$/.test(decoded)) throw new BadUserInputError('after is not a valid cursor');
  return decoded.slice(CURSOR_PREFIX.length);
}

function escapeRegex(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** `at` window as ISO strings (stored events use toISOString, so string order is time order). */
export function windowFilter(since: Date | null | undefined, until: Date | null | undefined): Filter {
  if (since && until && since.getTime() > until.getTime()) throw new BadUserInputError('since must not be after until');
  const at: Record<string, string> = {};
  if (since) at.$gte = since.toISOString();
  if (until) at.$lt = until.toISOString();
  return Object.keys(at).length > 0 ? { at } : {};
}

export function auditStoreFilter(input: AuditEventFilterInput | null | undefined): Filter {
  const filter: Filter = { ...windowFilter(input?.since, input?.until) };
  const text = (name: string, value: string | null | undefined): string | undefined => {
    if (value === null || value === undefined) return undefined;
    if (value.length === 0 || value.length > MAX_TEXT) throw new BadUserInputError(`filter.${name} must be 1 to ${MAX_TEXT} characters`);
    return value;
  };
  const actor = text('actor', input?.actor);
  if (actor !== undefined) filter.actor = actor;
  const role = text('role', input?.role);
  if (role !== undefined) filter.role = role;
  const subjectId = text('subjectId', input?.subjectId);
  if (subjectId !== undefined) filter.subjectIds = subjectId;
  const requestId = text('requestId', input?.requestId);
  if (requestId !== undefined) filter.requestId = requestId;
  if (input?.decision) filter.decision = input.decision;
  const operation = text('operation', input?.operation);
  // A request with several root fields is one event whose operation lists them ("Query.a, Query.b").
  if (operation !== undefined) filter.operation = { $regex: `(^|, )${escapeRegex(operation)}(,|$)` };
  return filter;
}

export interface AuditPageArgs {
  filter?: AuditEventFilterInput | null;
  first?: number | null;
  after?: string | null;
  order?: AuditOrder | null;
}

export async function auditEventPage(collection: Collection<AuditEventDocument>, args: AuditPageArgs, maxPageSize: number) {
  const first = args.first ?? 50;
  if (!Number.isInteger(first) || first < 0 || first > maxPageSize) throw new BadUserInputError(`first must be between 0 and ${maxPageSize}`);
  const newestFirst = (args.order ?? 'NEWEST_FIRST') === 'NEWEST_FIRST';
  const base = auditStoreFilter(args.filter);
  const page: Filter = args.after ? { ...base, _id: { [newestFirst ? '$lt' : '$gt']: decodeAuditCursor(args.after) } } : base;
  const [events, totalCount] = await Promise.all([
    first === 0 ? Promise.resolve([]) : collection.find(page, { sort: { _id: newestFirst ? -1 : 1 }, limit: first + 1 }),
    collection.countDocuments(base),
  ]);
  const edges = events.slice(0, first).map((event) => ({ cursor: encodeAuditCursor(event._id), node: event }));
  return { edges, pageInfo: { hasNextPage: events.length > first, endCursor: edges.at(-1)?.cursor ?? null }, totalCount };
}
