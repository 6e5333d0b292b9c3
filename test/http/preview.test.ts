/**
 * Preview as another caller through the real HTTP server: the privacy officer sends X-Preview-As and
 * gets exactly what a real token of that caller gets (same schema, gate, limits, redactions, errors,
 * HTTP status), marked as a preview in the response and in the audit with the officer as actor.
 * Every other caller is refused; a malformed header is BAD_USER_INPUT.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MintOptions } from '../../src/auth/tokens';
import { customerDocument, insertCustomers } from '../helpers/fixtures';
import { startTestGateway, type GqlResponse, type TestGateway } from '../helpers/gateway';

const FIELDS = 'id email phone fullName birthDate postalCode country loyaltyTier lifetimeValue orderCount lastPurchaseAt interests consents { purpose status }';
const SUBJECT = customerDocument('cus_p_one', { MARKETING: 'GRANTED', ANALYTICS: 'DENIED' });

let gw: TestGateway;
let officer: string;

beforeAll(async () => {
  gw = await startTestGateway({ customers: 60 });
  await insertCustomers(gw, [SUBJECT]);
  officer = await gw.token({ role: 'privacy_officer', purposes: ['LEGAL_COMPLIANCE'], sub: 'po-preview' });
});
afterAll(async () => gw?.close());

interface Case {
  name: string;
  as: string;
  token: MintOptions;
  purpose?: string;
  queries: string[];
}

const DEEP = `{ segments { members(first: 1) { edges { node { id } } } segments: __typename } ${'a: __typename '.repeat(20)} }`;
const INTROSPECTION = '{ __schema { queryType { fields { name } } mutationType { fields { name } } } __type(name: "Customer") { fields { name } } }';

const CASES: Case[] = [
  {
    name: 'marketer', as: 'role=marketer; purposes=MARKETING,PERSONALIZATION',
    token: { role: 'marketer', purposes: ['MARKETING', 'PERSONALIZATION'], sub: 'preview:marketer' }, purpose: 'MARKETING',
    queries: [`{ customers(first: 40) { totalCount edges { node { ${FIELDS} } } } }`, `{ customer(id: "cus_p_one") { ${FIELDS} } }`,
      '{ auditEvents(first: 1) { edges { node { id } } } }', INTROSPECTION, DEEP, '{ customers(first: 501) { totalCount } }'],
  },
  {
    name: 'marketer stating a purpose it may not', as: 'role=marketer; purposes=MARKETING',
    token: { role: 'marketer', purposes: ['MARKETING'], sub: 'preview:marketer' }, purpose: 'SUPPORT',
    queries: [`{ customers(first: 3) { edges { node { email } } } }`],
  },
  {
    name: 'analyst', as: 'role=analyst;purposes=ANALYTICS',
    token: { role: 'analyst', purposes: ['ANALYTICS'], sub: 'preview:analyst' },
    queries: [`{ customers(first: 40) { edges { node { ${FIELDS} } } } }`, '{ segments { id name purpose } }', INTROSPECTION],
  },
  {
    name: 'support', as: 'role=support;purposes=SUPPORT',
    token: { role: 'support', purposes: ['SUPPORT'], sub: 'preview:support' },
    queries: [`{ customer(id: "cus_p_one") { ${FIELDS} } }`, '{ customers(first: 2) { totalCount } }', '{ segments { id } }', INTROSPECTION],
  },
  {
    name: 'partner', as: 'role=partner;purposes=ANALYTICS,MARKETING;partner=demo-partner;scopes=segments:read',
    token: { role: 'partner', purposes: ['ANALYTICS', 'MARKETING'], sub: 'preview:partner', partnerId: 'demo-partner', scope: 'segments:read' }, purpose: 'ANALYTICS',
    queries: ['{ segments { id name purpose } }', '{ segmentReport(segmentId: "seg_all", groupBy: [COUNTRY]) { total groups { keys count suppressed } } }',
      '{ customers(first: 2) { totalCount } }', '{ segment(id: "seg_all") { members { totalCount } } }', INTROSPECTION],
  },
  {
    name: 'partner without an agreement', as: 'role=partner;purposes=ANALYTICS;partner=no-such-partner',
    token: { role: 'partner', purposes: ['ANALYTICS'], sub: 'preview:partner', partnerId: 'no-such-partner' },
    queries: ['{ segments { id } }'],
  },
  {
    name: 'customer', as: 'role=customer;sub=cus_p_one',
    token: { role: 'customer', purposes: [], sub: 'cus_p_one' },
    queries: [`{ me { ${FIELDS} } }`, '{ customers(first: 1) { totalCount } }', INTROSPECTION],
  },
];

const ROWS = CASES.flatMap((c) => c.queries.map((query, index) => [c.name, index, c, query] as const));

function withoutPreview(body: GqlResponse['body']): GqlResponse['body'] {
  const { preview: _preview, ...extensions } = body.extensions ?? {};
  void _preview;
  return { ...body, ...(Object.keys(extensions).length > 0 ? { extensions } : { extensions: undefined }) };
}

describe('a preview gets exactly what the previewed caller gets', () => {
  it.each(ROWS)('%s, query %i', async (_name, _index, c, query) => {
    const real = await gw.gql(query, { token: await gw.token(c.token), purpose: c.purpose, headers: { 'x-privacy-explain': '1' } });
    const preview = await gw.gql(query, { token: officer, purpose: c.purpose, headers: { 'x-preview-as': c.as, 'x-privacy-explain': '1' } });
    expect(preview.status).toBe(real.status);
    expect(JSON.parse(JSON.stringify(withoutPreview(preview.body)))).toEqual(JSON.parse(JSON.stringify(real.body)));
    // Marked as a preview (even when the previewed caller gets an error).
    expect(preview.body.extensions?.preview).toMatchObject({ role: c.token.role });
    expect(real.body.extensions?.preview).toBeUndefined();
  });

  it('the comparison is not vacuous: previews of different roles differ', async () => {
    const query = `{ customer(id: "cus_p_one") { email fullName birthDate } }`;
    const asMarketer = await gw.gql(query, { token: officer, purpose: 'MARKETING', headers: { 'x-preview-as': 'role=marketer;purposes=MARKETING' } });
    const asAnalyst = await gw.gql(query, { token: officer, purpose: 'ANALYTICS', headers: { 'x-preview-as': 'role=analyst;purposes=ANALYTICS' } });
    const own = await gw.gql(query, { token: officer, purpose: 'LEGAL_COMPLIANCE' });
    expect((asMarketer.body.data as any).customer.email).toBe(SUBJECT.email);
    expect((asMarketer.body.data as any).customer.birthDate).toBe('1990');
    // The subject objected to analytics: an analyst gets no identifier at all (never a mask).
    expect((asAnalyst.body.data as any).customer.email).toBeNull();
    expect((own.body.data as any).customer.birthDate).toBe('1990-04-17');
    expect(asMarketer.body.extensions?.preview).toEqual({ role: 'marketer', purposes: ['MARKETING'], partner: null, scopes: [] });
  });
});

describe('who may preview', () => {
  const others: [string, MintOptions][] = [
    ['marketer', { role: 'marketer', purposes: ['MARKETING'], sub: 'mk-p' }],
    ['analyst', { role: 'analyst', purposes: ['ANALYTICS'], sub: 'an-p' }],
    ['support', { role: 'support', purposes: ['SUPPORT'], sub: 'sp-p' }],
    ['partner', { role: 'partner', purposes: ['ANALYTICS'], sub: 'pa-p', partnerId: 'demo-partner', scope: 'segments:read' }],
    ['customer', { role: 'customer', purposes: [], sub: 'cus_p_one' }],
  ];
  it.each(others)('%s: FORBIDDEN (403), audited as a denial', async (_role, mint) => {
    const response = await gw.gql('{ segments { id } }', { token: await gw.token(mint), headers: { 'x-preview-as': 'role=privacy_officer;purposes=LEGAL_COMPLIANCE' } });
    expect(response.status).toBe(403);
    expect(response.body.errors?.map((error) => error.extensions?.code)).toEqual(['FORBIDDEN']);
    expect(response.body.data).toBeUndefined();
    const events = await auditOf(response.headers.get('x-request-id')!);
    expect(events).toEqual([expect.objectContaining({ kind: 'DENIAL', operation: 'Privacy.preview', actor: mint.sub, role: mint.role, decision: 'DENY' })]);
  });

  it('no token: UNAUTHENTICATED (401)', async () => {
    const response = await gw.gql('{ segments { id } }', { headers: { 'x-preview-as': 'role=marketer;purposes=MARKETING' } });
    expect(response.status).toBe(401);
    expect(response.body.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
  });
});

describe('the header is validated strictly', () => {
  const bad: [string, string][] = [
    ['empty', ''],
    ['no role', 'purposes=MARKETING'],
    ['empty role', 'role='],
    ['unknown role', 'role=superuser'],
    ['repeated key', 'role=marketer;role=analyst'],
    ['unknown key', 'role=marketer;colour=crimson'],
    ['unknown purpose', 'role=marketer;purposes=MARKETING,SPYING'],
    ['empty purpose item', 'role=marketer;purposes=MARKETING,,ANALYTICS'],
    ['repeated purpose', 'role=marketer;purposes=MARKETING,MARKETING'],
    ['comma instead of semicolon', 'role=marketer,purposes=MARKETING'],
    ['partner for a non-partner', 'role=marketer;partner=demo-partner'],
    ['partner role without partner', 'role=partner;purposes=ANALYTICS'],
    ['scopes for a non-partner', 'role=analyst;scopes=segments:read'],
    ['unknown scope', 'role=partner;partner=demo-partner;scopes=admin:all'],
    ['customer without sub', 'role=customer'],
    ['sub for a non-customer', 'role=marketer;sub=cus_p_one'],
    ['operator-looking value', 'role=customer;sub={"$ne":null}'],
    ['too long', `role=marketer;purposes=${'MARKETING,'.repeat(60)}ANALYTICS`],
  ];
  it.each(bad)('%s → BAD_USER_INPUT (400), value not echoed', async (_name, header) => {
    const response = await gw.gql('{ segments { id } }', { token: officer, headers: { 'x-preview-as': header } });
    expect(response.status).toBe(400);
    expect(response.body.errors?.map((error) => error.extensions?.code)).toEqual(['BAD_USER_INPUT']);
    const message = response.body.errors![0]!.message;
    expect(message).toMatch(/^X-Preview-As: /);
    for (const echoed of ['superuser', 'SPYING', 'crimson', 'admin:all', '$ne']) expect(message).not.toContain(echoed);
  });
});

async function auditOf(requestId: string) {
  const result = await gw.gql('query($f: AuditEventFilter) { auditEvents(filter: $f, first: 50) { edges { node { kind actor role partnerId purpose operation subjectIds fields decision detail } } } }', {
    token: officer, purpose: 'LEGAL_COMPLIANCE', variables: { f: { requestId } },
  });
  expect(result.body.errors).toBeUndefined();
  return (result.body.data as any).auditEvents.edges.map((edge: any) => edge.node);
}

describe('a preview in the audit and its limits', () => {
  it('every event names the officer as actor and carries the previewed caller', async () => {
    const response = await gw.gql('{ customers(first: 5) { edges { node { id email } } } }', {
      token: officer, purpose: 'MARKETING', headers: { 'x-preview-as': 'role=marketer;purposes=MARKETING' },
    });
    expect(response.body.errors).toBeUndefined();
    const events = await auditOf(response.headers.get('x-request-id')!);
    const preview = { role: 'marketer', purposes: ['MARKETING'], partner: null, scopes: [] };
    expect(events.map((event: any) => event.operation).sort()).toEqual(['Privacy.preview', 'Query.customers']);
    for (const event of events) {
      expect(event).toMatchObject({ actor: 'po-preview', role: 'privacy_officer', partnerId: null, purpose: 'MARKETING' });
      expect(event.detail.preview).toEqual(preview);
    }
    const read = events.find((event: any) => event.operation === 'Query.customers');
    expect(read.subjectIds).toHaveLength(5);
    expect(read.fields).toEqual(['Customer.email']);
  });

  it('a preview runs queries only: a mutation is BAD_USER_INPUT and writes nothing', async () => {
    const response = await gw.gql('mutation { setConsent(customerId: "cus_p_one", purpose: MARKETING, status: DENIED, source: "PREVIEW") { status } }', {
      token: officer, headers: { 'x-preview-as': 'role=customer;sub=cus_p_one' },
    });
    expect(response.status).toBe(400);
    expect(response.body.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    const doc = await gw.store.collection('customers').findOne({ _id: 'cus_p_one' });
    expect((doc as any).consents.MARKETING.status).toBe('GRANTED');
  });

  it('a preview ignores Sec-GPC: no opt-out is recorded on the subject\'s behalf', async () => {
    const response = await gw.gql('{ me { id } }', { token: officer, headers: { 'x-preview-as': 'role=customer;sub=cus_p_one', 'sec-gpc': '1' } });
    expect(response.body.errors).toBeUndefined();
    const doc = await gw.store.collection('customers').findOne({ _id: 'cus_p_one' });
    expect((doc as any).consents.THIRD_PARTY_SHARING).toBeUndefined();
  });
});
