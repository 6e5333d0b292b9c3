/**
 * Batched data access, proven by counting store calls through the real HTTP server: a page of
 * customers with every field (consents included) costs the same number of store round trips for 10
 * customers as for 100 or 500, and lookups by id in one request are batched into `$in` queries of at
 * most 500 ids (MAX_BATCH_SIZE) by the per-request DataLoaders.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_BATCH_SIZE } from '../../src/store/loaders';
import { roleTokens, startTestGateway, type TestGateway } from '../helpers/gateway';
import { countingStore, type CountingStore, type StoreCall } from '../store/countingStore';

/** Every Customer field the schema has, consents included: nested data must not cost a trip per row. */
const PAGE_QUERY = `query Page($first: Int!) {
  customers(first: $first) {
    totalCount
    pageInfo { hasNextPage endCursor }
    edges { cursor node {
      id email phone fullName birthDate postalCode country loyaltyTier lifetimeValue orderCount lastPurchaseAt interests
      consents { purpose status source updatedAt }
    } }
  }
}`;

/** Store calls per collection and method, e.g. { "customers.find": 1, "customers.countDocuments": 1 }. */
function tally(calls: readonly StoreCall[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const call of calls) counts[`${call.collection}.${call.method}`] = (counts[`${call.collection}.${call.method}`] ?? 0) + 1;
  return counts;
}

describe('batched data access (store round trips counted through the real server)', () => {
  let gw: TestGateway;
  let store: CountingStore;
  let tokens: Awaited<ReturnType<typeof roleTokens>>;

  beforeAll(async () => {
    gw = await startTestGateway({
      customers: 1_200,
      // Room for one request that looks up many customers by id under aliases.
      env: { MAX_QUERY_ALIASES: '2000', MAX_QUERY_TOKENS: '100000', MAX_QUERY_COST: '10000000', RATE_LIMIT_PER_MINUTE: '100000' },
      wrapStore: (inner) => (store = countingStore(inner)),
    });
    tokens = await roleTokens(gw);
    // Warm-up: the audit log reads its chain head once per process, on its first write.
    await gw.gql('{ customers(first: 1) { edges { node { email } } } }', { token: tokens.officer, purpose: 'LEGAL_COMPLIANCE' });
  });

  afterAll(async () => {
    await gw?.close();
  });

  async function callsFor(query: string, token: string, purpose: string, variables?: Record<string, unknown>) {
    const mark = store.calls.length;
    const response = await gw.gql(query, { token, purpose, variables });
    expect(response.body.errors).toBeUndefined();
    return { response, calls: store.since(mark) };
  }

  it.each([
    ['privacy officer', 'officer', 'LEGAL_COMPLIANCE'],
    ['marketer', 'marketer', 'MARKETING'],
    ['analyst', 'analyst', 'ANALYTICS'],
  ] as const)('a page with every field as %s costs the same store round trips for 10, 100 and 500 customers', async (_name, role, purpose) => {
    const small = await callsFor(PAGE_QUERY, tokens[role], purpose, { first: 10 });
    const hundred = await callsFor(PAGE_QUERY, tokens[role], purpose, { first: 100 });
    const full = await callsFor(PAGE_QUERY, tokens[role], purpose, { first: 500 });
    expect(small.response.body.data?.customers.edges).toHaveLength(10);
    expect(hundred.response.body.data?.customers.edges).toHaveLength(100);
    expect(full.response.body.data?.customers.edges).toHaveLength(500);
    expect(tally(hundred.calls)).toEqual(tally(small.calls));
    expect(tally(full.calls)).toEqual(tally(small.calls));
    // The page itself: one find and one count on customers, whatever its size.
    const customerCalls = hundred.calls.filter((call) => call.collection === 'customers');
    expect(customerCalls.map((call) => call.method).sort()).toEqual(['countDocuments', 'find']);
    // A handful in all (page, count, audit batch, keys if encrypted), never one per customer.
    expect(hundred.calls.length).toBeLessThanOrEqual(8);
  });

  it('customer(id) lookups in one request share one $in query per 500 ids', async () => {
    const { response: page } = await callsFor('{ customers(first: 500) { edges { cursor node { id } } } }', tokens.officer, 'LEGAL_COMPLIANCE');
    const more = await callsFor('query($after: String) { customers(first: 500, after: $after) { edges { node { id } } } }', tokens.officer, 'LEGAL_COMPLIANCE', {
      after: page.body.data?.customers.edges.at(-1).cursor,
    });
    const ids: string[] = [...page.body.data?.customers.edges, ...more.response.body.data?.customers.edges].map((edge: { node: { id: string } }) => edge.node.id);
    expect(new Set(ids).size).toBe(1000);
    const lookups = ids.slice(0, 1000).map((id, i) => `c${i}: customer(id: "${id}") { id country consents { purpose status } }`).join('\n');
    const { response, calls } = await callsFor(`{ ${lookups} }`, tokens.officer, 'LEGAL_COMPLIANCE');
    expect(response.body.data?.c0).toEqual(expect.objectContaining({ id: ids[0] }));
    expect(response.body.data?.c999).toEqual(expect.objectContaining({ id: ids[999] }));
    const byId = calls.filter((call) => call.collection === 'customers' && call.method === 'find');
    expect(byId).toHaveLength(Math.ceil(1000 / MAX_BATCH_SIZE));
    const batchSizes = byId.map((call) => ((call.argument as { _id: { $in: string[] } })._id.$in).length);
    expect(batchSizes).toEqual([500, 500]);
    expect(new Set(byId.flatMap((call) => (call.argument as { _id: { $in: string[] } })._id.$in))).toEqual(new Set(ids));
  });

  it('loaders are per request: a second request does not reuse the first one\'s documents', async () => {
    const query = '{ customers(first: 1) { edges { node { id } } } }';
    const first = await callsFor(query, tokens.officer, 'LEGAL_COMPLIANCE');
    const id: string = first.response.body.data?.customers.edges[0].node.id;
    const lookup = `{ customer(id: "${id}") { id } }`;
    const a = await callsFor(lookup, tokens.officer, 'LEGAL_COMPLIANCE');
    const b = await callsFor(lookup, tokens.officer, 'LEGAL_COMPLIANCE');
    expect(a.calls.filter((call) => call.collection === 'customers')).toHaveLength(1);
    expect(b.calls.filter((call) => call.collection === 'customers')).toHaveLength(1);
  });
});
