/**
 * Partners through HTTP: the registry (privacy officer), partner tokens (registered, active,
 * unexpired agreement, scope segments:read, purpose within the agreement), revocation on the next
 * request, and a partner trying everything it must not do.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { roleTokens, startTestGateway, type GqlResponse, type TestGateway } from '../helpers/gateway';
import type { Purpose } from '../../src/policy/purposes';

const REGISTER = `mutation($input: RegisterPartnerInput!) { registerPartner(input: $input) { id name purposes agreementExpiresAt active registeredAt revokedAt } }`;
const REVOKE = `mutation($id: ID!) { revokePartner(id: $id) { id active revokedAt } }`;
const PARTNERS = `{ partners { id name purposes active } }`;
const REPORT = `{ segmentReport(segmentId: "seg_all", groupBy: [COUNTRY]) { segmentId k total groups { keys count suppressed } } }`;
const NEXT_YEAR = new Date(Date.now() + 365 * 86_400_000).toISOString();

let gw: TestGateway;
let tokens: Awaited<ReturnType<typeof roleTokens>>;
let customerId: string;

beforeAll(async () => {
  gw = await startTestGateway({ customers: 200 });
  tokens = await roleTokens(gw);
  customerId = (await gw.store.collection('customers').findOne({}))!._id;
});
afterAll(async () => { await gw?.close(); });

const codes = (response: GqlResponse) => response.body.errors?.map((error) => error.extensions?.code) ?? [];
const officer = (query: string, variables?: Record<string, unknown>) => gw.gql(query, { token: tokens.officer, purpose: 'LEGAL_COMPLIANCE', variables });

function partnerToken(partnerId: string, options: { purposes?: Purpose[]; scope?: string } = {}): Promise<string> {
  return gw.token({ role: 'partner', purposes: options.purposes ?? ['ANALYTICS'], sub: partnerId, scope: options.scope ?? 'segments:read', partnerId });
}

describe('the partner registry (privacy officer)', () => {
  it('lists the demo partner with its agreement', async () => {
    const response = await officer(PARTNERS);
    expect(response.body.data!.partners).toContainEqual({ id: 'demo-partner', name: 'Demo Partner Ltd', purposes: ['ANALYTICS'], active: true });
  });

  it('registers a partner whose token then reads aggregates, and revocation refuses its very next request', async () => {
    const registered = await officer(REGISTER, { input: { id: 'acme-insights', name: 'Acme Insights', purposes: ['ANALYTICS'], agreementExpiresAt: NEXT_YEAR } });
    expect(registered.body.errors).toBeUndefined();
    expect(registered.body.data!.registerPartner).toMatchObject({ id: 'acme-insights', name: 'Acme Insights', purposes: ['ANALYTICS'], active: true, revokedAt: null });
    expect((await officer(PARTNERS)).body.data!.partners).toContainEqual({ id: 'acme-insights', name: 'Acme Insights', purposes: ['ANALYTICS'], active: true });

    const token = await partnerToken('acme-insights');
    const before = await gw.gql(REPORT, { token });
    expect(before.body.errors).toBeUndefined();
    expect(before.body.data!.segmentReport.segmentId).toBe('seg_all');

    const revoked = await officer(REVOKE, { id: 'acme-insights' });
    expect(revoked.body.data!.revokePartner).toMatchObject({ id: 'acme-insights', active: false });
    expect(revoked.body.data!.revokePartner.revokedAt).toEqual(expect.any(String));

    const after = await gw.gql(REPORT, { token });
    expect(after.status).toBe(403);
    expect(codes(after)).toEqual(['FORBIDDEN']);
    expect(after.body.data ?? null).toBeNull();
    // A revoked id is never reused, so the old token can never come back to life.
    const again = await officer(REGISTER, { input: { id: 'acme-insights', name: 'Acme again', purposes: ['ANALYTICS'], agreementExpiresAt: NEXT_YEAR } });
    expect(codes(again)).toEqual(['BAD_USER_INPUT']);
  });

  it('generates an id when none is given', async () => {
    const response = await officer(REGISTER, { input: { name: 'No Id Co', purposes: ['ANALYTICS', 'MARKETING'], agreementExpiresAt: NEXT_YEAR } });
    expect(response.body.data!.registerPartner.id).toMatch(/^ptn_[0-9a-f]{16}$/);
  });

  it.each([
    ['an expiry in the past', { id: 'p-past', name: 'P', purposes: ['ANALYTICS'], agreementExpiresAt: '2020-01-01T00:00:00.000Z' }],
    ['an expiry beyond ten years', { id: 'p-far', name: 'P', purposes: ['ANALYTICS'], agreementExpiresAt: '2199-01-01T00:00:00.000Z' }],
    ['no purpose', { id: 'p-none', name: 'P', purposes: [], agreementExpiresAt: NEXT_YEAR }],
    ['LEGAL_COMPLIANCE', { id: 'p-legal', name: 'P', purposes: ['LEGAL_COMPLIANCE'], agreementExpiresAt: NEXT_YEAR }],
    ['SUPPORT', { id: 'p-support', name: 'P', purposes: ['SUPPORT'], agreementExpiresAt: NEXT_YEAR }],
    ['an id with operators', { id: '{"$ne":null}', name: 'P', purposes: ['ANALYTICS'], agreementExpiresAt: NEXT_YEAR }],
    ['an empty name', { id: 'p-noname', name: '   ', purposes: ['ANALYTICS'], agreementExpiresAt: NEXT_YEAR }],
    ['the id of an existing partner', { id: 'demo-partner', name: 'Impostor', purposes: ['MARKETING'], agreementExpiresAt: NEXT_YEAR }],
  ])('refuses a registration with %s (BAD_USER_INPUT)', async (_label, input) => {
    const response = await officer(REGISTER, { input });
    expect(codes(response)).toEqual(['BAD_USER_INPUT']);
    const stored = await gw.store.collection('partners').findOne({ _id: 'demo-partner' });
    expect(stored).toMatchObject({ name: 'Demo Partner Ltd', purposes: ['ANALYTICS'], active: true });
  });

  it('refuses to revoke an unknown partner (BAD_USER_INPUT)', async () => {
    expect(codes(await officer(REVOKE, { id: 'nobody' }))).toEqual(['BAD_USER_INPUT']);
  });

  it.each(['marketer', 'analyst', 'support'] as const)('is FORBIDDEN to %s', async (role) => {
    const purpose = { marketer: 'MARKETING', analyst: 'ANALYTICS', support: 'SUPPORT' }[role];
    for (const query of [PARTNERS, 'mutation { revokePartner(id: "demo-partner") { id } }']) {
      const response = await gw.gql(query, { token: tokens[role], purpose });
      expect(codes(response)).toEqual(['FORBIDDEN']);
    }
    expect(await gw.store.collection('partners').findOne({ _id: 'demo-partner' })).toMatchObject({ active: true });
  });
});

describe('a partner reads aggregates only', () => {
  it('reads segments, a segment and a report under its agreement purpose', async () => {
    const response = await gw.gql(`{ segments { id purpose } segment(id: "seg_all") { id name definition { countries } } ${REPORT.slice(1, -1)} }`, { token: tokens.partner });
    expect(response.body.errors).toBeUndefined();
    expect(response.body.data!.segments.map((segment: { id: string }) => segment.id)).toContain('seg_all');
    expect(response.body.data!.segment).toEqual({ id: 'seg_all', name: 'All customers', definition: { countries: null } });
    expect(response.body.data!.segmentReport).toMatchObject({ segmentId: 'seg_all', k: 10 });
    expect(JSON.stringify(response.body)).not.toMatch(/cus_/);
  });

  const denied: [string, string, string | undefined, string][] = [
    ['customers', '{ customers(first: 5) { edges { node { id } } } }', undefined, 'FORBIDDEN'],
    ['customer(id)', `{ customer(id: "CUSTOMER") { id } }`, undefined, 'FORBIDDEN'],
    ['me', '{ me { id } }', undefined, 'FORBIDDEN'],
    ['segment members', '{ segment(id: "seg_all") { members(first: 5) { totalCount edges { node { id } } } } }', undefined, 'FORBIDDEN'],
    ['members of its own-purpose segment', '{ segment(id: "seg_high_value") { purpose members(first: 1) { totalCount } } }', undefined, 'FORBIDDEN'],
    ['partners', '{ partners { id } }', undefined, 'FORBIDDEN'],
    ['auditEvents', '{ auditEvents(first: 1) { totalCount } }', undefined, 'FORBIDDEN'],
    ['createSegment', 'mutation { createSegment(input: { name: "x", purpose: ANALYTICS, definition: {} }) { id } }', undefined, 'FORBIDDEN'],
    ['registerPartner', 'mutation { registerPartner(input: { id: "evil", name: "x", purposes: [ANALYTICS], agreementExpiresAt: "2030-01-01T00:00:00Z" }) { id } }', undefined, 'FORBIDDEN'],
    ['revokePartner', 'mutation { revokePartner(id: "demo-partner") { id } }', undefined, 'FORBIDDEN'],
    ['setConsent', `mutation { setConsent(customerId: "CUSTOMER", purpose: ANALYTICS, status: GRANTED) { status } }`, undefined, 'FORBIDDEN'],
    ['a report for a purpose outside its token', REPORT, 'MARKETING', 'PURPOSE_NOT_ALLOWED'],
  ];
  it.each(denied)('is refused: %s', async (_label, query, purpose, code) => {
    const response = await gw.gql(query.replaceAll('CUSTOMER', customerId), { token: tokens.partner, purpose });
    expect(codes(response)).toContain(code);
    expect(JSON.stringify(response.body.data ?? null)).not.toMatch(/cus_|@/);
    expect(await gw.store.collection('partners').findOne({ _id: 'evil' })).toBeNull();
  });

  it('cannot widen its agreement with its token: MARKETING claimed, agreement says ANALYTICS', async () => {
    const token = await partnerToken('demo-partner', { purposes: ['ANALYTICS', 'MARKETING'] });
    const response = await gw.gql(REPORT, { token, purpose: 'MARKETING' });
    expect(codes(response)).toEqual(['PURPOSE_NOT_ALLOWED']);
    const ok = await gw.gql(REPORT, { token, purpose: 'ANALYTICS' });
    expect(ok.body.errors).toBeUndefined();
  });

  it.each([
    ['no scope', { scope: '' }],
    ['only customers:read', { scope: 'customers:read' }],
  ])('needs scope segments:read: %s is FORBIDDEN', async (_label, options) => {
    const token = await partnerToken('demo-partner', options);
    const response = await gw.gql(REPORT, { token });
    expect(codes(response)).toEqual(['FORBIDDEN']);
    expect(response.body.data ?? null).toBeNull();
  });

  it.each([
    ['an unknown partner', 'ghost-partner', null],
    ['an expired agreement', 'expired-partner', { _id: 'expired-partner', name: 'Expired', purposes: ['ANALYTICS'], agreementExpiresAt: '2024-01-01T00:00:00.000Z', active: true, registeredAt: '2023-01-01T00:00:00.000Z' }],
    ['an inactive partner', 'inactive-partner', { _id: 'inactive-partner', name: 'Inactive', purposes: ['ANALYTICS'], agreementExpiresAt: '2099-01-01T00:00:00.000Z', active: false, registeredAt: '2023-01-01T00:00:00.000Z' }],
  ])('refuses %s on every request (FORBIDDEN, 403)', async (_label, partnerId, document) => {
    if (document !== null) await gw.store.collection('partners').insertOne(document);
    const token = await partnerToken(partnerId);
    for (const query of [REPORT, '{ segments { id } }']) {
      const response = await gw.gql(query, { token });
      expect(response.status).toBe(403);
      expect(codes(response)).toEqual(['FORBIDDEN']);
      expect(response.body.data ?? null).toBeNull();
    }
  });
});

describe('the registry tells the truth about agreements', () => {
  it.each([
    ['an agreement that expired', { agreementExpiresAt: '2024-01-01T00:00:00.000Z', active: true }, false],
    ['a revoked agreement', { agreementExpiresAt: '2099-01-01T00:00:00.000Z', active: false }, false],
    ['a running agreement', { agreementExpiresAt: '2099-01-01T00:00:00.000Z', active: true }, true],
  ])('%s is listed with active = %s, exactly when its requests are admitted', async (label, fields, active) => {
    const id = `truth-${label.replace(/\W+/g, '-')}`;
    await gw.store.collection('partners').insertOne({ _id: id, name: label, purposes: ['ANALYTICS'], registeredAt: '2023-01-01T00:00:00.000Z', ...fields });
    const listed = (await officer(PARTNERS)).body.data!.partners.find((partner: { id: string }) => partner.id === id);
    expect(listed).toMatchObject({ id, active });
    const request = await gw.gql('{ segments { id } }', { token: await partnerToken(id) });
    expect(codes(request)).toEqual(active ? [] : ['FORBIDDEN']);
  });
});
