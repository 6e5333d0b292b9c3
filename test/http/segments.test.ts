/**
 * Segments through HTTP: creation with an allowlisted definition (hostile inputs refused), the
 * purpose rule, and consent-aware member listing with the same field enforcement as `customers`.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { roleTokens, startTestGateway, type TestGateway } from '../helpers/gateway';
import type { CustomerDocument } from '../../src/store/documents';

let gw: TestGateway;
let tokens: Awaited<ReturnType<typeof roleTokens>>;
let customers: CustomerDocument[];

const CREATE = `mutation($input: CreateSegmentInput!) { createSegment(input: $input) { id name purpose createdBy definition { countries loyaltyTiers ageBands interests minLifetimeValue maxLifetimeValue minOrderCount maxOrderCount purchasedWithinDays } } }`;
const MEMBERS = `query($id: ID!, $first: Int, $after: String) { segment(id: $id) { id purpose members(first: $first, after: $after) { totalCount pageInfo { hasNextPage endCursor } edges { cursor node { id email country loyaltyTier } } } } }`;

beforeAll(async () => {
  gw = await startTestGateway({ customers: 400 });
  tokens = await roleTokens(gw);
  customers = await gw.store.collection<CustomerDocument>('customers').find({});
});
afterAll(async () => { await gw?.close(); });

function codeOf(response: { body: { errors?: { extensions?: { code?: string } }[] } }): string | undefined {
  return response.body.errors?.[0]?.extensions?.code;
}

describe('createSegment', () => {
  it('stores a validated definition for the stated purpose and lists it in segments', async () => {
    const input = { name: 'Young travellers', purpose: 'PERSONALIZATION', definition: { ageBands: ['18-24', '25-34'], interests: ['travel', 'travel'], countries: ['FR'] } };
    const created = await gw.gql(CREATE, { token: tokens.marketer, purpose: 'PERSONALIZATION', variables: { input } });
    expect(created.body.errors).toBeUndefined();
    const segment = created.body.data!.createSegment;
    expect(segment).toMatchObject({ name: 'Young travellers', purpose: 'PERSONALIZATION', createdBy: 'mk-1' });
    expect(segment.id).toMatch(/^seg_[0-9a-f]{16}$/);
    expect(segment.definition).toEqual({
      countries: ['FR'], loyaltyTiers: null, ageBands: ['18-24', '25-34'], interests: ['travel'],
      minLifetimeValue: null, maxLifetimeValue: null, minOrderCount: null, maxOrderCount: null, purchasedWithinDays: null,
    });
    const listed = await gw.gql('{ segments { id purpose } }', { token: tokens.analyst, purpose: 'ANALYTICS' });
    expect(listed.body.data!.segments).toContainEqual({ id: segment.id, purpose: 'PERSONALIZATION' });
  });

  const hostile: [string, Record<string, unknown>][] = [
    ['an operator object as a country string', { countries: ['{"$ne":null}'] }],
    ['a $-prefixed country', { countries: ['$where'] }],
    ['a $where interest', { interests: ['$where: function() { return true }'] }],
    ['an unknown interest', { interests: ['knitting'] }],
    ['a lower-case country', { countries: ['de'] }],
    ['an unknown age band', { ageBands: ['0-17'] }],
    ['a regex-looking age band', { ageBands: ['.*'] }],
    ['a huge list', { countries: Array.from({ length: 5000 }, () => 'DE') }],
    ['an empty list', { countries: [] }],
    ['a negative lifetime value', { minLifetimeValue: -1 }],
    ['an inverted range', { minLifetimeValue: 500, maxLifetimeValue: 100 }],
    ['an inverted order range', { minOrderCount: 9, maxOrderCount: 2 }],
    ['a zero-day purchase window', { purchasedWithinDays: 0 }],
    ['a century-long purchase window', { purchasedWithinDays: 36500 }],
  ];
  it.each(hostile)('refuses %s with BAD_USER_INPUT and stores nothing', async (_label, definition) => {
    const before = await gw.store.collection('segments').countDocuments({});
    const response = await gw.gql(CREATE, { token: tokens.marketer, purpose: 'MARKETING', variables: { input: { name: 'x', purpose: 'MARKETING', definition } } });
    expect(codeOf(response)).toBe('BAD_USER_INPUT');
    expect(JSON.stringify(response.body.errors)).not.toContain('$where');
    expect(await gw.store.collection('segments').countDocuments({})).toBe(before);
  });

  it('refuses an operator object where a list is expected (GraphQL input coercion)', async () => {
    const response = await gw.gql(CREATE, { token: tokens.marketer, purpose: 'MARKETING', variables: { input: { name: 'x', purpose: 'MARKETING', definition: { countries: { $ne: null } } } } });
    expect(codeOf(response)).toBe('BAD_USER_INPUT');
  });

  it.each([
    ['an attribute not processable for the purpose (age for MARKETING)', 'MARKETING', { ageBands: ['25-34'] }],
    ['a purpose segments are not for', 'SUPPORT', { countries: ['DE'] }],
  ])('refuses %s', async (_label, purpose, definition) => {
    const officer = await gw.token({ role: 'privacy_officer', purposes: ['MARKETING', 'SUPPORT'], sub: 'po-2' });
    const response = await gw.gql(CREATE, { token: officer, purpose, variables: { input: { name: 'x', purpose, definition } } });
    expect(codeOf(response)).toBe('BAD_USER_INPUT');
  });

  it('needs the request purpose to be the segment purpose (PURPOSE_NOT_ALLOWED)', async () => {
    const response = await gw.gql(CREATE, { token: tokens.marketer, purpose: 'ANALYTICS', variables: { input: { name: 'x', purpose: 'MARKETING', definition: {} } } });
    expect(codeOf(response)).toBe('PURPOSE_NOT_ALLOWED');
  });

  it.each([
    ['support', 'SUPPORT', 'FORBIDDEN'],
    ['partner', 'ANALYTICS', 'FORBIDDEN'],
  ] as const)('is refused to %s', async (role, purpose, code) => {
    const token = role === 'support' ? tokens.support : tokens.partner;
    const before = await gw.store.collection('segments').countDocuments({});
    // Inline input: their visible schema has no CreateSegmentInput type to declare a variable with.
    const response = await gw.gql(`mutation { createSegment(input: { name: "x", purpose: ${purpose}, definition: {} }) { id } }`, { token, purpose });
    expect(codeOf(response)).toBe(code);
    expect(await gw.store.collection('segments').countDocuments({})).toBe(before);
  });
});

describe('Segment.members', () => {
  it('lists, for MARKETING, exactly the matching subjects whose MARKETING consent is GRANTED', async () => {
    const expected = customers
      .filter((c) => c.country === 'DE' && (c.loyaltyTier === 'GOLD' || c.loyaltyTier === 'PLATINUM') && c.consents.MARKETING?.status === 'GRANTED')
      .map((c) => c._id).sort();
    const excluded = customers.filter((c) => c.country === 'DE' && (c.loyaltyTier === 'GOLD' || c.loyaltyTier === 'PLATINUM') && c.consents.MARKETING?.status !== 'GRANTED');
    expect(expected.length).toBeGreaterThan(2);
    expect(excluded.length).toBeGreaterThan(0);
    const response = await gw.gql(MEMBERS, { token: tokens.marketer, purpose: 'MARKETING', variables: { id: 'seg_de_loyal', first: 500 } });
    expect(response.body.errors).toBeUndefined();
    const members = response.body.data!.segment.members;
    expect(members.totalCount).toBe(expected.length);
    expect(members.edges.map((edge: { node: { id: string } }) => edge.node.id)).toEqual(expected);
    // Same field enforcement as customers: every member granted MARKETING, so email is in clear.
    for (const edge of members.edges) {
      const stored = customers.find((c) => c._id === edge.node.id)!;
      expect(edge.node).toEqual({ id: stored._id, email: stored.email, country: 'DE', loyaltyTier: stored.loyaltyTier });
    }
  });

  it('pages with cursors like customers', async () => {
    const all = await gw.gql(MEMBERS, { token: tokens.marketer, purpose: 'MARKETING', variables: { id: 'seg_de_loyal', first: 500 } });
    const ids = all.body.data!.segment.members.edges.map((edge: { node: { id: string } }) => edge.node.id);
    const first = await gw.gql(MEMBERS, { token: tokens.marketer, purpose: 'MARKETING', variables: { id: 'seg_de_loyal', first: 2 } });
    const page1 = first.body.data!.segment.members;
    expect(page1.pageInfo.hasNextPage).toBe(true);
    const second = await gw.gql(MEMBERS, { token: tokens.marketer, purpose: 'MARKETING', variables: { id: 'seg_de_loyal', first: 2, after: page1.pageInfo.endCursor } });
    const page2 = second.body.data!.segment.members;
    expect([...page1.edges, ...page2.edges].map((edge: { node: { id: string } }) => edge.node.id)).toEqual(ids.slice(0, 4));
  });

  it('lists, for ANALYTICS (opt-out), everyone matching except DENIED/WITHDRAWN, with identifiers pseudonymized for the analyst', async () => {
    const expected = customers
      .filter((c) => (c.lifetimeValue ?? 0) >= 2000 && !['DENIED', 'WITHDRAWN'].includes(c.consents.ANALYTICS?.status ?? ''))
      .map((c) => c._id).sort();
    const response = await gw.gql(MEMBERS, { token: tokens.analyst, purpose: 'ANALYTICS', variables: { id: 'seg_high_value', first: 500 } });
    expect(response.body.errors).toBeUndefined();
    const members = response.body.data!.segment.members;
    expect(members.edges.map((edge: { node: { id: string } }) => edge.node.id)).toEqual(expected);
    const emails = members.edges.map((edge: { node: { email: string } }) => edge.node.email);
    expect(emails.some((email: string) => email.includes('@'))).toBe(false);
  });

  it('counts erased subjects out', async () => {
    const target = customers.find((c) => c.country === 'DE' && c.loyaltyTier === 'GOLD' && c.consents.MARKETING?.status === 'GRANTED')!;
    const before = await gw.gql(MEMBERS, { token: tokens.marketer, purpose: 'MARKETING', variables: { id: 'seg_de_loyal', first: 500 } });
    await gw.store.collection('customers').updateOne({ _id: target._id }, { $set: { erasedAt: new Date().toISOString() } });
    const after = await gw.gql(MEMBERS, { token: tokens.marketer, purpose: 'MARKETING', variables: { id: 'seg_de_loyal', first: 500 } });
    await gw.store.collection('customers').updateOne({ _id: target._id }, { $unset: { erasedAt: '' } });
    expect(after.body.data!.segment.members.totalCount).toBe(before.body.data!.segment.members.totalCount - 1);
    expect(JSON.stringify(after.body.data)).not.toContain(target._id);
  });

  it('needs the request purpose to be the segment purpose: PURPOSE_NOT_ALLOWED, no members', async () => {
    const response = await gw.gql(MEMBERS, { token: tokens.marketer, purpose: 'ANALYTICS', variables: { id: 'seg_de_loyal', first: 5 } });
    expect(codeOf(response)).toBe('PURPOSE_NOT_ALLOWED');
    expect(response.body.errors![0]!.path).toEqual(['segment', 'members']);
    expect(response.body.data?.segment ?? null).toBeNull();
  });

  it.each([
    ['partner', 'ANALYTICS', 'seg_all'],
    ['partner', 'ANALYTICS', 'seg_high_value'],
  ] as const)('is FORBIDDEN to a %s (records never reach partners)', async (_role, purpose, id) => {
    const response = await gw.gql(MEMBERS, { token: tokens.partner, purpose, variables: { id, first: 5 } });
    expect(codeOf(response)).toBe('FORBIDDEN');
    expect(JSON.stringify(response.body.data ?? null)).not.toContain('cus_');
  });

  it('is FORBIDDEN to support (it cannot even list segments)', async () => {
    const response = await gw.gql(MEMBERS, { token: tokens.support, purpose: 'SUPPORT', variables: { id: 'seg_all', first: 5 } });
    expect(codeOf(response)).toBe('FORBIDDEN');
  });

  it('rejects first above 500', async () => {
    const response = await gw.gql(MEMBERS, { token: tokens.marketer, purpose: 'MARKETING', variables: { id: 'seg_de_loyal', first: 501 } });
    expect(codeOf(response)).toBe('BAD_USER_INPUT');
  });
});
