/** The gateway runs: routes, the customers connection, the demo data set, the manifest. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateDemoData } from '../../src/store/seed';
import { customerDocument, insertCustomers } from '../helpers/fixtures';
import { startTestGateway, type TestGateway } from '../helpers/gateway';

let gw: TestGateway;
let officer: string;
beforeAll(async () => {
  gw = await startTestGateway({ customers: 120 });
  officer = await gw.token({ role: 'privacy_officer', purposes: ['LEGAL_COMPLIANCE'] });
});
afterAll(async () => gw?.close());

describe('operational routes', () => {
  it('GET /healthz → 200 {"status":"ok"}', async () => {
    const response = await fetch(`${gw.url}/healthz`);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ status: 'ok' });
  });

  it('GET /readyz → 200 while the store answers, 503 once it does not', async () => {
    const ready = await fetch(`${gw.url}/readyz`);
    expect(ready.status).toBe(200);
    const other = await startTestGateway({ customers: 1 });
    await other.store.close();
    const down = await fetch(`${other.url}/readyz`);
    expect(down.status).toBe(503);
    await other.gateway.close();
  });

  it('every response carries a request id', async () => {
    const response = await fetch(`${gw.url}/healthz`);
    expect(response.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
  });
});

describe('customers connection', () => {
  it('pages through every customer exactly once, in id order, with totalCount', async () => {
    const seen: string[] = [];
    let after: string | null = null;
    let pages = 0;
    do {
      const response: Awaited<ReturnType<TestGateway['gql']>> = await gw.gql('query($after: String) { customers(first: 50, after: $after) { totalCount pageInfo { hasNextPage endCursor } edges { cursor node { id } } } }', { token: officer, variables: { after } });
      const connection = (response.body.data as any).customers;
      expect(connection.totalCount).toBe(120);
      seen.push(...connection.edges.map((edge: any) => edge.node.id));
      expect(connection.pageInfo.endCursor).toBe(connection.edges.at(-1)?.cursor ?? null);
      after = connection.pageInfo.hasNextPage ? connection.pageInfo.endCursor : null;
      pages += 1;
    } while (after !== null);
    expect(pages).toBe(3);
    expect(seen).toHaveLength(120);
    expect(new Set(seen).size).toBe(120);
    expect([...seen].sort()).toEqual(seen);
  });

  it.each([
    ['first above 500', '{ customers(first: 501) { totalCount } }'],
    ['negative first', '{ customers(first: -1) { totalCount } }'],
    ['a forged cursor', '{ customers(first: 1, after: "bm90LWEtY3Vyc29y") { totalCount } }'],
    ['customer with neither id nor email', '{ customer { id } }'],
    ['customer with both id and email', '{ customer(id: "a", email: "b@c.d") { id } }'],
  ])('%s → BAD_USER_INPUT', async (_what, query) => {
    const response = await gw.gql(query, { token: officer });
    expect(response.body.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
  });

  it('support finds one customer by exact email (case-insensitive), not by a prefix', async () => {
    await insertCustomers(gw, [customerDocument('cus_lookup', {}, { email: 'lookup.me@example.com' })]);
    const support = await gw.token({ role: 'support', purposes: ['SUPPORT'] });
    const found = await gw.gql('{ customer(email: "Lookup.Me@example.com") { id email } }', { token: support });
    expect(found.body.data).toEqual({ customer: { id: 'cus_lookup', email: 'lookup.me@example.com' } });
    const prefix = await gw.gql('{ customer(email: "lookup") { id } }', { token: support });
    expect(prefix.body.data).toEqual({ customer: null });
  });
});

describe('demo data', () => {
  it('is deterministic: the same generator output on every start', () => {
    expect(generateDemoData(200)).toEqual(generateDemoData(200));
  });

  it('has a realistic mix of consent states per purpose (none all-granted or all-denied)', () => {
    const { customers } = generateDemoData(2000);
    for (const purpose of ['MARKETING', 'PERSONALIZATION', 'THIRD_PARTY_SHARING', 'ANALYTICS'] as const) {
      const states = new Set(customers.map((customer) => customer.consents[purpose]?.status ?? 'NONE'));
      expect([...states].sort()).toEqual(['DENIED', 'GRANTED', 'NONE', 'WITHDRAWN']);
    }
    expect(new Set(customers.map((c) => c.country)).size).toBeGreaterThanOrEqual(8);
    expect(new Set(customers.map((c) => c.loyaltyTier)).size).toBe(4);
    expect(new Set(customers.map((c) => c.email)).size).toBe(2000);
  });

  it('seeds segments and the demo partner', async () => {
    expect(await gw.store.collection('partners').findOne({ _id: 'demo-partner' })).toMatchObject({ purposes: ['ANALYTICS'], active: true });
    expect(await gw.store.collection('segments').countDocuments({})).toBeGreaterThanOrEqual(3);
  });
});

describe('the manifest is generated from the policy', () => {
  it('GET /privacy/manifest lists purposes and one entry per @pii field, with Fides keys and the roles seeing it in clear', async () => {
    const response = await fetch(`${gw.url}/privacy/manifest`);
    expect(response.status).toBe(200);
    const manifest = await response.json() as any;
    expect(manifest.purposes).toContainEqual(expect.objectContaining({ name: 'MARKETING', legalBasis: 'consent', consent: 'OPT_IN', dataUse: 'marketing.communications.email' }));
    expect(manifest.purposes).toContainEqual(expect.objectContaining({ name: 'ANALYTICS', legalBasis: 'legitimate_interest', consent: 'OPT_OUT' }));
    expect(manifest.purposes).toContainEqual(expect.objectContaining({ name: 'SUPPORT', consent: 'NONE' }));
    const email = manifest.fields.find((f: any) => f.type === 'Customer' && f.field === 'email');
    expect(email).toMatchObject({ category: 'CONTACT_EMAIL', fidesCategory: 'user.contact.email', redact: 'MASK', purposes: ['MARKETING', 'ANALYTICS', 'SUPPORT', 'LEGAL_COMPLIANCE'] });
    expect(email.roles).toEqual(expect.arrayContaining(['privacy_officer', 'marketer', 'support', 'customer']));
    expect(email.roles).not.toContain('analyst');
    expect(email.roles).not.toContain('partner');
    const birth = manifest.fields.find((f: any) => f.field === 'birthDate');
    expect(birth.roles).toContain('analyst');
    expect(manifest.fields.every((f: any) => f.purposes.length > 0)).toBe(true);
  });

  it('the privacyManifest query returns the same document', async () => {
    const http = await (await fetch(`${gw.url}/privacy/manifest`)).json() as any;
    const response = await gw.gql('{ privacyManifest { purposes { name legalBasis consent } fields { type field category purposes redact roles } } }');
    const fromQuery = (response.body.data as any).privacyManifest;
    expect(fromQuery.fields).toEqual(http.fields.map(({ type, field, category, purposes, redact, roles }: any) => ({ type, field, category, purposes, redact, roles })));
  });

  it('?format=md renders a record-of-processing table', async () => {
    const response = await fetch(`${gw.url}/privacy/manifest?format=md`);
    expect(response.headers.get('content-type')).toMatch(/text\/markdown/);
    const text = await response.text();
    expect(text).toMatch(/^# Record of processing/);
    expect(text).toContain('| Customer.email | CONTACT_EMAIL | user.contact.email |');
  });
});
