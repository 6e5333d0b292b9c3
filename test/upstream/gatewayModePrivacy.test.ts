/**
 * Gateway mode through the real HTTP server in front of a real upstream process: for each role ×
 * purpose × subject consent × field (on the customer and on its orders, whose subject is the order's
 * `customerId`), the value comes back in clear or redacted by the field's strategy, and
 * extensions.privacy counts the reason. Consent lives in the gateway's own store and is set through
 * the gateway's `setConsent`.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPseudonymizer } from '../../src/enforcement/redaction';
import { fixtureCustomers } from '../fixtures/upstream/data';
import { countingStore, type CountingStore } from '../store/countingStore';
import { startUpstreamGateway, type UpstreamTestGateway } from '../helpers/upstreamGateway';

const RAW = new Map(fixtureCustomers(3).map((customer) => [customer.id, customer]));
const QUERY = 'query($id: ID!) { customer(id: $id) { id email phone fullName birthDate postalCode orders { id customerId total shippingAddress } } }';
const SET_CONSENT = 'mutation($id: ID!, $purpose: Purpose!, $status: ConsentStatus!) { setConsent(customerId: $id, purpose: $purpose, status: $status) { status } }';
/** c0001 agreed to marketing; c0002 refused marketing and objected to analytics; c0003 never answered. */
const CONSENTS: [string, string, string][] = [
  ['c0001', 'MARKETING', 'GRANTED'], ['c0002', 'MARKETING', 'DENIED'], ['c0002', 'ANALYTICS', 'DENIED'],
];

let gw: UpstreamTestGateway;
let counted: CountingStore;
const tokens: Record<string, string> = {};
const pseudonym = createPseudonymizer('dev-only-pseudonym-key-change-me-0123456789ab');

beforeAll(async () => {
  gw = await startUpstreamGateway({ wrapStore: (store) => (counted = countingStore(store)) });
  tokens.marketer = await gw.token({ role: 'marketer', purposes: ['MARKETING', 'ANALYTICS'], sub: 'mk-1' });
  tokens.analyst = await gw.token({ role: 'analyst', purposes: ['ANALYTICS'], sub: 'an-1' });
  tokens.support = await gw.token({ role: 'support', purposes: ['SUPPORT'], sub: 'sp-1' });
  tokens.privacy_officer = await gw.token({ role: 'privacy_officer', purposes: ['LEGAL_COMPLIANCE'], sub: 'po-1' });
  tokens.customer = await gw.token({ role: 'customer', purposes: [], sub: 'c0001' });
  for (const [id, purpose, status] of CONSENTS) {
    const set = await gw.gql(SET_CONSENT, { token: tokens.support, purpose: 'SUPPORT', variables: { id, purpose, status } });
    expect(set.body).toEqual({ data: { setConsent: { status } } });
  }
}, 60_000);
afterAll(async () => gw?.close());

type Expected = 'clear' | 'null' | 'masked' | 'pseudonym' | 'year' | 'prefix';
type Row = [role: string, purpose: string, subject: string, coordinate: string, expected: Expected, reason: string | null];

function valueAt(customer: Record<string, any>, coordinate: string): unknown {
  const [type, field] = coordinate.split('.') as [string, string];
  return type === 'Order' ? customer.orders[0][field] : customer[field];
}

function rawAt(subject: string, coordinate: string): string | number {
  const customer = RAW.get(subject)!;
  const [type, field] = coordinate.split('.') as [string, string];
  if (type === 'Customer') return customer[field as keyof typeof customer];
  const index = Number(subject.slice(1)) - 1;
  return field === 'total' ? 10 + ((index * 13) % 90) : `${index + 1} Example Street, ${customer.postalCode}`;
}

const rows: Row[] = [
  // Marketer for MARKETING (opt-in): clear only with GRANTED consent and a field whose purposes hold MARKETING.
  ['marketer', 'MARKETING', 'c0001', 'Customer.email', 'clear', null],
  ['marketer', 'MARKETING', 'c0002', 'Customer.email', 'masked', 'CONSENT_DENIED'],
  ['marketer', 'MARKETING', 'c0003', 'Customer.email', 'masked', 'CONSENT_MISSING'],
  ['marketer', 'MARKETING', 'c0001', 'Customer.fullName', 'clear', null],
  ['marketer', 'MARKETING', 'c0003', 'Customer.fullName', 'pseudonym', 'CONSENT_MISSING'],
  ['marketer', 'MARKETING', 'c0001', 'Customer.postalCode', 'clear', null],
  ['marketer', 'MARKETING', 'c0002', 'Customer.postalCode', 'prefix', 'CONSENT_DENIED'],
  ['marketer', 'MARKETING', 'c0001', 'Customer.phone', 'null', 'PURPOSE'],
  ['marketer', 'MARKETING', 'c0001', 'Customer.birthDate', 'year', 'PURPOSE'],
  ['marketer', 'MARKETING', 'c0001', 'Order.shippingAddress', 'null', 'PURPOSE'],
  ['marketer', 'MARKETING', 'c0001', 'Order.total', 'null', 'PURPOSE'],
  // The same marketer for ANALYTICS (opt-out): clear unless the subject objected.
  ['marketer', 'ANALYTICS', 'c0001', 'Customer.birthDate', 'clear', null],
  ['marketer', 'ANALYTICS', 'c0002', 'Customer.birthDate', 'year', 'CONSENT_DENIED'],
  ['marketer', 'ANALYTICS', 'c0003', 'Order.total', 'clear', null],
  ['marketer', 'ANALYTICS', 'c0002', 'Order.total', 'null', 'CONSENT_DENIED'],
  // Analyst: a direct identifier is a pseudonym where processing is allowed, null where it is not; the rest per purpose and consent.
  ['analyst', 'ANALYTICS', 'c0001', 'Customer.fullName', 'null', 'PURPOSE'],
  ['analyst', 'ANALYTICS', 'c0001', 'Customer.postalCode', 'pseudonym', 'ROLE'],
  ['analyst', 'ANALYTICS', 'c0002', 'Customer.postalCode', 'null', 'CONSENT_DENIED'],
  ['analyst', 'ANALYTICS', 'c0003', 'Customer.birthDate', 'clear', null],
  ['analyst', 'ANALYTICS', 'c0002', 'Customer.birthDate', 'year', 'CONSENT_DENIED'],
  ['analyst', 'ANALYTICS', 'c0001', 'Order.total', 'clear', null],
  ['analyst', 'ANALYTICS', 'c0002', 'Order.total', 'null', 'CONSENT_DENIED'],
  ['analyst', 'ANALYTICS', 'c0001', 'Order.shippingAddress', 'null', 'PURPOSE'],
  // Support (contract: no consent needed) sees what SUPPORT covers, whatever the consent.
  ['support', 'SUPPORT', 'c0002', 'Customer.email', 'clear', null],
  ['support', 'SUPPORT', 'c0002', 'Customer.phone', 'clear', null],
  ['support', 'SUPPORT', 'c0002', 'Order.shippingAddress', 'clear', null],
  ['support', 'SUPPORT', 'c0003', 'Customer.birthDate', 'year', 'PURPOSE'],
  // The privacy officer under LEGAL_COMPLIANCE reads every field in clear.
  ['privacy_officer', 'LEGAL_COMPLIANCE', 'c0002', 'Customer.email', 'clear', null],
  ['privacy_officer', 'LEGAL_COMPLIANCE', 'c0002', 'Customer.birthDate', 'clear', null],
  ['privacy_officer', 'LEGAL_COMPLIANCE', 'c0003', 'Order.shippingAddress', 'clear', null],
  // A data subject reads its own record, orders included, in clear.
  ['customer', '', 'c0001', 'Customer.phone', 'clear', null],
  ['customer', '', 'c0001', 'Order.shippingAddress', 'clear', null],
];

function expectedValue(expected: Expected, raw: string | number): unknown {
  switch (expected) {
    case 'clear': return raw;
    case 'null': return null;
    case 'masked': return String(raw).replace(/^(.)[^@]*@(.)[^.]*(\..*)$/, '$1***@$2***$3');
    case 'pseudonym': return pseudonym(String(raw));
    case 'year': return String(raw).slice(0, 4);
    case 'prefix': return String(raw).slice(0, 3);
  }
}

describe('gateway mode: role × purpose × consent × field', () => {
  it.each(rows)('%s for %s reading %s: %s is %s (%s)', async (role, purpose, subject, coordinate, expected, reason) => {
    const response = await gw.gql(QUERY, { token: tokens[role], purpose: purpose || undefined, variables: { id: subject } });
    expect(response.body.errors).toBeUndefined();
    const customer = response.body.data!.customer as Record<string, any>;
    expect(valueAt(customer, coordinate)).toEqual(expectedValue(expected, rawAt(subject, coordinate)));
    const counts = response.body.extensions!.privacy!.redactions[coordinate]!;
    if (reason === null) expect(Object.values(counts).every((count) => count === 0)).toBe(true);
    else expect(counts[reason]).toBe(coordinate.startsWith('Order.') ? 2 : 1);
    // The subject key selected for the decision is the order's owner, and it is what the client asked for.
    expect(customer.orders.map((order: { customerId: string }) => order.customerId)).toEqual([subject, subject]);
  });
});

describe('gateway mode: lists decide per subject', () => {
  it('a page of customers and their nested orders is redacted subject by subject', async () => {
    const response = await gw.gql('{ customers(first: 3) { email orders { total } } }', { token: tokens.marketer, purpose: 'ANALYTICS' });
    expect(response.body).toMatchObject({
      data: { customers: [
        { email: 'c***@e***.com', orders: [{ total: 10 }, { total: 17 }] },
        { email: 'c***@e***.com', orders: [{ total: null }, { total: null }] },
        { email: 'c***@e***.com', orders: [{ total: 36 }, { total: 43 }] },
      ] },
      extensions: { privacy: { purpose: 'ANALYTICS', redactions: {
        'Customer.email': { PURPOSE: 3, CONSENT_DENIED: 0 },
        'Order.total': { CONSENT_DENIED: 2, PURPOSE: 0 },
      } } },
    });
  });

  it('the consent of every subject on a page, nested orders included, is read in one store query', async () => {
    const mark = counted.calls.length;
    const response = await gw.gql('{ customers(first: 3) { email orders { total customer { fullName } } } }', { token: tokens.marketer, purpose: 'MARKETING' });
    expect(response.body.errors).toBeUndefined();
    const reads = counted.since(mark).filter((call) => call.collection === 'consentEvents');
    expect(reads).toEqual([{ collection: 'consentEvents', method: 'find', argument: { subjectId: { $in: ['c0001', 'c0002', 'c0003'] } } }]);
  });

  it('records behind an interface are decided by their own subject key', async () => {
    const query = '{ a: node(id: "c0001") { ... on Customer { email } } b: node(id: "c0003") { ...C } o: node(id: "o00003") { id ... on Order { total } } p: node(id: "o00001") { ... on Order { total } } } fragment C on Customer { email }';
    const response = await gw.gql(query, { token: tokens.marketer, purpose: 'ANALYTICS' });
    // ANALYTICS: c0002 objected (its order's total is null), c0001 did not (10).
    expect(response.body.data).toEqual({ a: { email: 'c***@e***.com' }, b: { email: 'c***@e***.com' }, o: { id: 'o00003', total: null }, p: { total: 10 } });
    const granted = await gw.gql(query, { token: tokens.marketer, purpose: 'MARKETING' });
    // MARKETING: c0001 granted, c0003 never answered; totals are not declared for marketing.
    expect(granted.body.data).toEqual({ a: { email: 'customer1@example.com' }, b: { email: 'c***@e***.com' }, o: { id: 'o00003', total: null }, p: { total: null } });
    expect(granted.body.extensions!.privacy!.redactions['Customer.email']).toMatchObject({ CONSENT_MISSING: 1 });
  });

  it('orders reached from the root are decided by their own customerId, in one page', async () => {
    const response = await gw.gql('{ orders(first: 6) { id total } }', { token: tokens.analyst, purpose: 'ANALYTICS' });
    expect(response.body.data).toEqual({ orders: [
      { id: 'o00001', total: 10 }, { id: 'o00002', total: 17 },
      { id: 'o00003', total: null }, { id: 'o00004', total: null },
      { id: 'o00005', total: 36 }, { id: 'o00006', total: 43 },
    ] });
  });
});

describe('gateway mode: explain', () => {
  it('X-Privacy-Explain explains the decisions on upstream coordinates, counted per subject', async () => {
    const response = await gw.gql('{ customers(first: 3) { email phone } }', { token: tokens.marketer, purpose: 'MARKETING', headers: { 'x-privacy-explain': '1' } });
    const explain = (response.body.extensions!.privacy as Record<string, any>).explain;
    expect(explain.coordinates['Customer.email']).toMatchObject({
      category: 'CONTACT_EMAIL', redaction: 'MASK',
      decision: { kind: 'PER_SUBJECT', basis: 'CONSENT', purpose: 'MARKETING' },
      outcomes: { CLEAR: 1, CONSENT_DENIED: 1, CONSENT_MISSING: 1 },
    });
    expect(explain.coordinates['Customer.phone']).toMatchObject({ decision: { kind: 'REDACT', reason: 'PURPOSE' }, outcomes: { PURPOSE: 3 } });
  });

  it('the privacy officer previews an upstream query as a marketer and gets exactly the marketer\'s answer', async () => {
    const query = '{ customers(first: 3) { email phone orders { total } } }';
    const officer = await gw.token({ role: 'privacy_officer', purposes: ['LEGAL_COMPLIANCE'], sub: 'po-1' });
    const preview = await gw.gql(query, { token: officer, purpose: 'MARKETING', headers: { 'x-preview-as': 'role=marketer; purposes=MARKETING' } });
    const marketer = await gw.gql(query, { token: tokens.marketer, purpose: 'MARKETING' });
    expect(preview.body.data).toEqual(marketer.body.data);
    expect(preview.body.data!.customers[0]).toEqual({ email: 'customer1@example.com', phone: null, orders: [{ total: null }, { total: null }] });
  });
});

describe('gateway mode: consent is the gateway\'s own and applies to the next request', () => {
  const read = () => gw.gql('query { customer(id: "c0003") { email } }', { token: tokens.marketer, purpose: 'MARKETING' });

  it('setConsent by the subject flips the next read, and the history keeps every choice', async () => {
    const subject = await gw.token({ role: 'customer', purposes: [], sub: 'c0003' });
    expect((await read()).body.data).toEqual({ customer: { email: 'c***@e***.com' } });
    const granted = await gw.gql('mutation { setConsent(customerId: "c0003", purpose: MARKETING, status: GRANTED) { purpose status source } }', { token: subject });
    expect(granted.body).toEqual({ data: { setConsent: { purpose: 'MARKETING', status: 'GRANTED', source: 'SELF_SERVICE' } } });
    expect((await read()).body.data).toEqual({ customer: { email: 'customer3@example.com' } });
    await gw.gql('mutation { setConsent(customerId: "c0003", purpose: MARKETING, status: WITHDRAWN) { status } }', { token: subject });
    expect((await read()).body.data).toEqual({ customer: { email: 'c***@e***.com' } });
    const history = await gw.gql('{ consentHistory(subjectId: "c0003") { purpose status source actor } }', { token: subject });
    expect(history.body.data).toEqual({ consentHistory: [
      { purpose: 'MARKETING', status: 'GRANTED', source: 'SELF_SERVICE', actor: 'c0003' },
      { purpose: 'MARKETING', status: 'WITHDRAWN', source: 'SELF_SERVICE', actor: 'c0003' },
    ] });
  });

  it('a subject may not set or read another subject\'s consent', async () => {
    const subject = await gw.token({ role: 'customer', purposes: [], sub: 'c0003' });
    const set = await gw.gql('mutation { setConsent(customerId: "c0001", purpose: MARKETING, status: DENIED) { status } }', { token: subject });
    const history = await gw.gql('{ consentHistory(subjectId: "c0001") { status } }', { token: subject });
    expect([set.body.errors?.[0]?.extensions?.code, history.body.errors?.[0]?.extensions?.code]).toEqual(['FORBIDDEN', 'FORBIDDEN']);
  });

  it('Sec-GPC: 1 from a subject records the opt-out of sharing once, as source GPC', async () => {
    const subject = await gw.token({ role: 'customer', purposes: [], sub: 'c0002' });
    for (let i = 0; i < 2; i += 1) {
      const own = await gw.gql('{ customer(id: "c0002") { id } }', { token: subject, headers: { 'sec-gpc': '1' } });
      expect(own.body.data).toEqual({ customer: { id: 'c0002' } });
    }
    const history = await gw.gql('{ consentHistory(subjectId: "c0002") { purpose status source } }', { token: subject });
    expect(history.body.data!.consentHistory.filter((event: { source: string }) => event.source === 'GPC')).toEqual([
      { purpose: 'THIRD_PARTY_SHARING', status: 'DENIED', source: 'GPC' },
    ]);
  });
});
