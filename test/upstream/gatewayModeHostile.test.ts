/**
 * Hostile callers against gateway mode: aliases, fragments, nested paths, introspection, reserved
 * names, refused operations. For each, the fixture upstream's record of what it received proves that
 * nothing the policy forbids was sent to it, and the response proves nothing forbidden came back.
 */
import { parse, visit } from 'graphql';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { fixtureCustomers } from '../fixtures/upstream/data';
import { startUpstreamGateway, type UpstreamTestGateway } from '../helpers/upstreamGateway';

let gw: UpstreamTestGateway;
const tokens: Record<string, string | null> = { none: null };
const [first] = fixtureCustomers(1);

beforeAll(async () => {
  gw = await startUpstreamGateway();
  tokens.marketer = await gw.token({ role: 'marketer', purposes: ['MARKETING'], sub: 'mk-1' });
  tokens.analyst = await gw.token({ role: 'analyst', purposes: ['ANALYTICS'], sub: 'an-1' });
  tokens.support = await gw.token({ role: 'support', purposes: ['SUPPORT'], sub: 'sp-1' });
  tokens.partner = await gw.token({ role: 'partner', purposes: ['ANALYTICS'], sub: 'demo-partner', scope: 'segments:read customers:read', partnerId: 'demo-partner' });
  tokens.customer = await gw.token({ role: 'customer', purposes: [], sub: 'c0002' });
}, 60_000);
afterAll(async () => gw?.close());
beforeEach(async () => gw.upstream.reset());

/** Field names that must never appear in what the upstream received, and raw values never in the response. */
interface Row {
  name: string;
  token: string;
  purpose?: string;
  query: string;
  /** Expected error code, or null for a successful response. */
  code: string | null;
  /** Upstream field names that must not be requested (any alias). `*` = no request at all. */
  neverSent: string[] | '*';
  /** Raw values that must not be in the response body. */
  neverReturned: string[];
}

const PHONE = first!.phone;
const ADDRESS = `1 Example Street, ${first!.postalCode}`;

const rows: Row[] = [
  { name: 'aliases of a field the purpose does not cover', token: 'marketer', purpose: 'MARKETING',
    query: '{ customers(first: 2) { id p: phone tel: phone } }', code: null, neverSent: ['phone'], neverReturned: [PHONE] },
  { name: 'a named fragment', token: 'marketer', purpose: 'MARKETING',
    query: '{ customers(first: 2) { ...F } } fragment F on Customer { phone orders { shippingAddress } }', code: null, neverSent: ['phone', 'shippingAddress'], neverReturned: [PHONE, ADDRESS] },
  { name: 'an inline fragment', token: 'marketer', purpose: 'MARKETING',
    query: '{ customers(first: 2) { ... on Customer { phone } } }', code: null, neverSent: ['phone'], neverReturned: [PHONE] },
  { name: 'a nested path back to the customer', token: 'marketer', purpose: 'MARKETING',
    query: '{ orders(first: 2) { id shippingAddress customer { phone orders { shippingAddress } } } }', code: null, neverSent: ['phone', 'shippingAddress'], neverReturned: [PHONE, ADDRESS] },
  { name: 'the reserved response key as an alias', token: 'marketer', purpose: 'MARKETING',
    query: '{ customers(first: 1) { _pg_subject: phone } }', code: 'BAD_USER_INPUT', neverSent: '*', neverReturned: [PHONE] },
  { name: 'a partner asking for records', token: 'partner', purpose: 'ANALYTICS',
    query: '{ customers(first: 1) { id email } }', code: 'FORBIDDEN', neverSent: '*', neverReturned: [first!.email] },
  { name: 'no token', token: 'none',
    query: '{ customer(id: "c0001") { email } }', code: 'UNAUTHENTICATED', neverSent: '*', neverReturned: [first!.email] },
  { name: 'support listing customers (one at a time only)', token: 'support', purpose: 'SUPPORT',
    query: '{ customers(first: 5) { email } }', code: 'FORBIDDEN', neverSent: '*', neverReturned: [first!.email] },
  { name: 'a customer reading another subject', token: 'customer',
    query: '{ customer(id: "c0001") { email phone } }', code: 'FORBIDDEN', neverSent: '*', neverReturned: [first!.email, PHONE] },
  { name: 'a marketer running a mutation of support', token: 'marketer', purpose: 'MARKETING',
    query: 'mutation { updateEmail(id: "c0001", email: "x@example.com") { id } }', code: 'FORBIDDEN', neverSent: '*', neverReturned: [] },
  { name: 'an upstream operation the configuration does not list', token: 'marketer', purpose: 'MARKETING',
    query: '{ internalStats }', code: 'BAD_USER_INPUT', neverSent: '*', neverReturned: [] },
  { name: 'a page larger than the limit', token: 'marketer', purpose: 'MARKETING',
    query: '{ customers(first: 5000) { id } }', code: 'BAD_USER_INPUT', neverSent: '*', neverReturned: [] },
  { name: 'a purpose the token does not hold', token: 'marketer', purpose: 'SUPPORT',
    query: '{ customers(first: 1) { phone } }', code: 'PURPOSE_NOT_ALLOWED', neverSent: '*', neverReturned: [PHONE] },
  { name: 'introspection of the whole schema', token: 'partner', purpose: 'ANALYTICS',
    query: '{ __schema { types { name fields { name } } } }', code: null, neverSent: '*', neverReturned: ['Customer', 'phone', 'Order'] },
];

/** Names of the fields a document selects, whatever their aliases (`a: phone` → phone). */
function fieldNames(query: string): string[] {
  const names: string[] = [];
  visit(parse(query), { Field: (node) => { names.push(node.name.value); } });
  return names;
}

describe('gateway mode: hostile callers', () => {
  it.each(rows)('$name', async (row) => {
    const response = await gw.gql(row.query, { token: tokens[row.token] ?? null, purpose: row.purpose });
    expect(response.body.errors?.[0]?.extensions?.code ?? null).toBe(row.code);
    const received = await gw.upstream.received();
    if (row.neverSent === '*') expect(received).toEqual([]);
    else {
      expect(received.length).toBeGreaterThan(0);
      for (const operation of received) {
        const names = fieldNames(operation.query);
        for (const field of row.neverSent) expect(names).not.toContain(field);
      }
    }
    const body = JSON.stringify(response.body);
    for (const value of row.neverReturned) expect(body).not.toContain(value);
  });
});

describe('gateway mode: what the upstream receives and returns', () => {
  it('subject keys are fetched under the reserved key and never returned when not selected', async () => {
    const response = await gw.gql('{ orders(first: 2) { total } customers(first: 1) { email } }', { token: tokens.analyst, purpose: 'ANALYTICS' });
    expect(response.body.data).toEqual({ orders: [{ total: 10 }, { total: 17 }], customers: [{ email: null }] });
    const queries = (await gw.upstream.received()).map((operation) => operation.query.replace(/\s+/g, ''));
    expect(queries.some((query) => query.includes('_pg_subject:customerId'))).toBe(true);
    expect(queries.some((query) => query.includes('_pg_subject:id'))).toBe(true);
    expect(JSON.stringify(response.body)).not.toContain('_pg_subject');
  });

  it('an upstream error is masked (no upstream message, value, code or stack) and audited as an ERROR', async () => {
    const response = await gw.gql('{ crash }', { token: tokens.marketer, purpose: 'MARKETING' });
    expect(response.body).toEqual({
      data: { crash: null },
      errors: [{ message: 'Internal server error', path: ['crash'], extensions: { code: 'INTERNAL_SERVER_ERROR' } }],
    });
    expect((await gw.upstream.received()).map((operation) => operation.query)).toHaveLength(1);
    const events = await gw.store.collection('audit').find({ requestId: response.headers.get('x-request-id') });
    expect(events).toMatchObject([{ operation: 'Query.crash', decision: 'ERROR' }]);
    expect(JSON.stringify(events)).not.toContain('customer1@example.com');
  });

  it.each([
    { query: '{ customers(first: 2) { id orders { id trackingCode } } }', path: ['customers', 1, 'orders'], key: 'trackingCode' },
    { query: '{ customers(first: 2) { id o: orders { id t: trackingCode } } }', path: ['customers', 1, 'o'], key: 't' },
  ])('an upstream error inside a record is masked at its own path ($key), the rest of the answer intact', async ({ query, path, key }) => {
    const response = await gw.gql(query, { token: tokens.marketer, purpose: 'MARKETING' });
    const body = response.body as { data: { customers: Record<string, Record<string, unknown>[]>[] }; errors: unknown[] };
    const [c1, c2] = body.data.customers;
    expect(c1![path[2] as string]!.map((order) => order[key])).toEqual(['TRK-o00001', 'TRK-o00002']);
    expect(c2![path[2] as string]!.map((order) => order[key])).toEqual([null, null]);
    expect(c2![path[2] as string]!.map((order) => order.id)).toEqual(['o00003', 'o00004']);
    expect(body.errors).toEqual([0, 1].map((index) => ({
      message: 'Internal server error', path: [...path, index, key], extensions: { code: 'INTERNAL_SERVER_ERROR' },
    })));
    expect(JSON.stringify(body)).not.toContain('Example Street');
  });

  it('an upstream error with no place in the answer fails its root field instead of disappearing', async () => {
    const response = await gw.gql('{ customers(first: 2, country: "__pathless__") { id email } }', { token: tokens.marketer, purpose: 'MARKETING' });
    expect(response.body).toEqual({
      data: null,
      errors: [{ message: 'Internal server error', path: ['customers'], extensions: { code: 'INTERNAL_SERVER_ERROR' } }],
    });
    expect(JSON.stringify(response.body)).not.toContain(first!.email);
  });

  it('configured headers are added, allowed ones forwarded, the caller\'s token never', async () => {
    await gw.gql('{ customers(first: 1) { id } }', { token: tokens.marketer, purpose: 'MARKETING', headers: { 'accept-language': 'de-DE', 'x-other': 'nope' } });
    const [operation] = await gw.upstream.received();
    expect(operation!.headers).toMatchObject({ 'x-shop-key': 'shop-key-for-tests', 'accept-language': 'de-DE' });
    expect(operation!.headers).not.toHaveProperty('authorization');
    expect(operation!.headers).not.toHaveProperty('x-other');
    expect(operation!.headers).not.toHaveProperty('x-purpose');
  });
});
