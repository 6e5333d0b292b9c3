/**
 * Field privacy through the real HTTP server: for each role × purpose × subject consent ×
 * field, the value comes back in clear or redacted by the field's strategy, and extensions.privacy
 * counts the reason. One fixture subject per consent state, all holding the same known values.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPseudonymizer } from '../../src/enforcement/redaction';
import { customerDocument, insertCustomers, JANE } from '../helpers/fixtures';
import { startTestGateway, type TestGateway } from '../helpers/gateway';

const FIELDS = 'id email phone fullName birthDate postalCode country loyaltyTier lifetimeValue orderCount lastPurchaseAt interests consents { purpose status }';
const ALL = { MARKETING: 'GRANTED', PERSONALIZATION: 'GRANTED', THIRD_PARTY_SHARING: 'GRANTED', ANALYTICS: 'GRANTED' } as const;
const SUBJECTS = {
  granted: customerDocument('cus_t_granted', ALL),
  denied: customerDocument('cus_t_denied', { MARKETING: 'DENIED', PERSONALIZATION: 'DENIED', THIRD_PARTY_SHARING: 'DENIED', ANALYTICS: 'DENIED' }),
  withdrawn: customerDocument('cus_t_withdrawn', { MARKETING: 'WITHDRAWN', ANALYTICS: 'WITHDRAWN' }),
  missing: customerDocument('cus_t_missing', {}),
};
type Subject = keyof typeof SUBJECTS;

let gw: TestGateway;
const tokens: Record<string, string> = {};
const responses = new Map<string, Promise<Awaited<ReturnType<TestGateway['gql']>>>>();

beforeAll(async () => {
  gw = await startTestGateway({ customers: 20 });
  await insertCustomers(gw, Object.values(SUBJECTS));
  tokens.marketer = await gw.token({ role: 'marketer', purposes: ['MARKETING', 'PERSONALIZATION', 'THIRD_PARTY_SHARING', 'ANALYTICS'] });
  tokens.analyst = await gw.token({ role: 'analyst', purposes: ['ANALYTICS', 'PERSONALIZATION'] });
  tokens.support = await gw.token({ role: 'support', purposes: ['SUPPORT'] });
  tokens.privacy_officer = await gw.token({ role: 'privacy_officer', purposes: ['LEGAL_COMPLIANCE', 'ANALYTICS'] });
});
afterAll(async () => gw?.close());

/** One request per role, purpose and subject, shared by the rows that read it. */
function fetchSubject(role: string, purpose: string, subject: Subject) {
  const key = `${role}/${purpose}/${subject}`;
  if (!responses.has(key)) {
    responses.set(key, gw.gql(`query($id: ID!) { customer(id: $id) { ${FIELDS} } }`, {
      token: tokens[role], purpose, variables: { id: SUBJECTS[subject]._id },
    }));
  }
  return responses.get(key)!;
}

const pseudonym = createPseudonymizer(process.env.PSEUDONYM_KEY ?? 'dev-only-pseudonym-key-change-me-0123456789ab');
const CLEAR = Symbol('clear');
const email = (subject: Subject) => SUBJECTS[subject].email as string;

type Row = [role: string, purpose: string, subject: Subject, field: string, expected: unknown, reason: string | null];

const rows: Row[] = [
  // Marketer for MARKETING (opt-in): clear only with GRANTED consent, and only fields whose @purpose has MARKETING.
  ['marketer', 'MARKETING', 'granted', 'email', CLEAR, null],
  ['marketer', 'MARKETING', 'granted', 'phone', CLEAR, null],
  ['marketer', 'MARKETING', 'granted', 'fullName', CLEAR, null],
  ['marketer', 'MARKETING', 'granted', 'birthDate', '1990', 'PURPOSE'],
  ['marketer', 'MARKETING', 'granted', 'country', CLEAR, null],
  ['marketer', 'MARKETING', 'granted', 'lifetimeValue', CLEAR, null],
  ['marketer', 'MARKETING', 'granted', 'consents', null, 'PURPOSE'],
  ['marketer', 'MARKETING', 'missing', 'email', 'c***@e***.com', 'CONSENT_MISSING'],
  ['marketer', 'MARKETING', 'missing', 'phone', '+** *** *** **12', 'CONSENT_MISSING'],
  ['marketer', 'MARKETING', 'missing', 'fullName', 'J*** D***', 'CONSENT_MISSING'],
  ['marketer', 'MARKETING', 'missing', 'postalCode', '101', 'CONSENT_MISSING'],
  ['marketer', 'MARKETING', 'missing', 'country', null, 'CONSENT_MISSING'],
  ['marketer', 'MARKETING', 'missing', 'lifetimeValue', 1200, 'CONSENT_MISSING'],
  ['marketer', 'MARKETING', 'missing', 'lastPurchaseAt', '2026-03-01T00:00:00.000Z', 'CONSENT_MISSING'],
  ['marketer', 'MARKETING', 'missing', 'interests', null, 'CONSENT_MISSING'],
  ['marketer', 'MARKETING', 'denied', 'email', 'c***@e***.com', 'CONSENT_DENIED'],
  ['marketer', 'MARKETING', 'withdrawn', 'email', 'c***@e***.com', 'CONSENT_DENIED'],
  ['marketer', 'MARKETING', 'withdrawn', 'orderCount', null, 'CONSENT_DENIED'],
  // Same marketer, other purposes.
  ['marketer', 'PERSONALIZATION', 'granted', 'email', 'c***@e***.com', 'PURPOSE'],
  ['marketer', 'PERSONALIZATION', 'granted', 'birthDate', CLEAR, null],
  ['marketer', 'THIRD_PARTY_SHARING', 'granted', 'country', CLEAR, null],
  ['marketer', 'THIRD_PARTY_SHARING', 'granted', 'email', 'c***@e***.com', 'PURPOSE'],
  ['marketer', 'THIRD_PARTY_SHARING', 'missing', 'country', null, 'CONSENT_MISSING'],
  // Analyst for ANALYTICS (opt-out): a direct identifier is a keyed pseudonym where processing is allowed
  // and null where it is not (objection, or a field whose @purpose lacks the request's) — never a mask.
  ['analyst', 'ANALYTICS', 'missing', 'email', 'PSEUDONYM', 'ROLE'],
  ['analyst', 'ANALYTICS', 'granted', 'email', 'PSEUDONYM', 'ROLE'],
  ['analyst', 'ANALYTICS', 'missing', 'phone', null, 'PURPOSE'],
  ['analyst', 'ANALYTICS', 'granted', 'phone', null, 'PURPOSE'],
  ['analyst', 'ANALYTICS', 'missing', 'fullName', null, 'PURPOSE'],
  ['analyst', 'ANALYTICS', 'missing', 'birthDate', CLEAR, null],
  ['analyst', 'ANALYTICS', 'missing', 'postalCode', 'PSEUDONYM', 'ROLE'],
  ['analyst', 'ANALYTICS', 'denied', 'postalCode', null, 'CONSENT_DENIED'],
  ['analyst', 'ANALYTICS', 'missing', 'interests', CLEAR, null],
  ['analyst', 'ANALYTICS', 'denied', 'email', null, 'CONSENT_DENIED'],
  ['analyst', 'ANALYTICS', 'withdrawn', 'email', null, 'CONSENT_DENIED'],
  ['analyst', 'ANALYTICS', 'denied', 'birthDate', '1990', 'CONSENT_DENIED'],
  ['analyst', 'ANALYTICS', 'withdrawn', 'country', null, 'CONSENT_DENIED'],
  ['analyst', 'PERSONALIZATION', 'granted', 'fullName', 'PSEUDONYM', 'ROLE'],
  ['analyst', 'PERSONALIZATION', 'missing', 'fullName', null, 'CONSENT_MISSING'],
  ['analyst', 'PERSONALIZATION', 'denied', 'fullName', null, 'CONSENT_DENIED'],
  ['analyst', 'PERSONALIZATION', 'granted', 'email', null, 'PURPOSE'],
  ['analyst', 'PERSONALIZATION', 'missing', 'birthDate', '1990', 'CONSENT_MISSING'],
  // Support for SUPPORT (contract): consent is not the basis; only fields allowed for SUPPORT.
  ['support', 'SUPPORT', 'denied', 'email', CLEAR, null],
  ['support', 'SUPPORT', 'denied', 'phone', CLEAR, null],
  ['support', 'SUPPORT', 'denied', 'fullName', CLEAR, null],
  ['support', 'SUPPORT', 'denied', 'consents', CLEAR, null],
  ['support', 'SUPPORT', 'denied', 'birthDate', '1990', 'PURPOSE'],
  ['support', 'SUPPORT', 'denied', 'lifetimeValue', 1200, 'PURPOSE'],
  ['support', 'SUPPORT', 'denied', 'interests', null, 'PURPOSE'],
  // Privacy officer under LEGAL_COMPLIANCE sees everything; under another purpose it is bound like anyone.
  ['privacy_officer', 'LEGAL_COMPLIANCE', 'denied', 'email', CLEAR, null],
  ['privacy_officer', 'LEGAL_COMPLIANCE', 'denied', 'birthDate', CLEAR, null],
  ['privacy_officer', 'LEGAL_COMPLIANCE', 'missing', 'consents', CLEAR, null],
  ['privacy_officer', 'LEGAL_COMPLIANCE', 'withdrawn', 'interests', CLEAR, null],
  ['privacy_officer', 'ANALYTICS', 'denied', 'email', 'c***@e***.com', 'CONSENT_DENIED'],
  ['privacy_officer', 'ANALYTICS', 'missing', 'email', CLEAR, null],
];

/** `[{ purpose, status }]` as the API returns consents, sorted, to compare with what is stored. */
function consentStatuses(consents: unknown): [string, string][] {
  return (consents as { purpose: string; status: string }[]).map((c): [string, string] => [c.purpose, c.status]).sort();
}
function storedConsentStatuses(consents: unknown): [string, string][] {
  return Object.entries(consents as Record<string, { status: string }>).map(([purpose, c]): [string, string] => [purpose, c.status]).sort();
}

describe('field-level privacy through HTTP', () => {
  it.each(rows)('%s for %s, subject %s: %s → %o (%s)', async (role, purpose, subject, field, expected, reason) => {
    const response = await fetchSubject(role, purpose, subject);
    expect(response.status).toBe(200);
    expect(response.body.errors).toBeUndefined();
    const customer = (response.body.data as { customer: Record<string, unknown> }).customer;
    const document = SUBJECTS[subject] as unknown as Record<string, unknown>;
    if (expected === CLEAR) {
      if (field === 'consents') expect(consentStatuses(customer.consents)).toEqual(storedConsentStatuses(document.consents));
      else expect(customer[field]).toEqual(document[field]);
    } else if (expected === 'PSEUDONYM') {
      expect(customer[field]).toBe(pseudonym(document[field] as string));
    } else {
      expect(customer[field]).toEqual(expected);
      expect(customer[field]).not.toEqual(document[field]);
    }
    const counts = response.body.extensions?.privacy?.redactions[`Customer.${field}`];
    expect(response.body.extensions?.privacy?.purpose).toBe(purpose);
    expect(counts).toBeDefined();
    const expectedCounts = { ROLE: 0, PURPOSE: 0, CONSENT_MISSING: 0, CONSENT_DENIED: 0, POLICY_ERROR: 0, ...(reason ? { [reason]: 1 } : {}) };
    expect(counts).toEqual(expectedCounts);
  });

  it('redacts each subject of a list separately and counts every redaction', async () => {
    const response = await gw.gql('{ customers(first: 500) { totalCount edges { node { id email } } } }', { token: tokens.marketer, purpose: 'MARKETING' });
    const edges = (response.body.data as any).customers.edges as { node: { id: string; email: string } }[];
    const byId = new Map(edges.map((edge) => [edge.node.id, edge.node.email]));
    expect(byId.get('cus_t_granted')).toBe(email('granted'));
    expect(byId.get('cus_t_missing')).toBe('c***@e***.com');
    const counts = response.body.extensions!.privacy!.redactions['Customer.email']!;
    const clear = edges.filter((edge) => edge.node.email.includes('***') === false).length;
    expect(counts.CONSENT_MISSING! + counts.CONSENT_DENIED!).toBe(edges.length - clear);
    expect(clear).toBeGreaterThan(0);
    expect(counts.CONSENT_MISSING).toBeGreaterThan(0);
    expect(counts.CONSENT_DENIED).toBeGreaterThan(0);
  });

  it('a customer sees its own record in clear, whatever its consents', async () => {
    const token = await gw.token({ role: 'customer', purposes: [], sub: 'cus_t_denied' });
    const response = await gw.gql(`{ me { ${FIELDS} } }`, { token });
    expect(response.body.errors).toBeUndefined();
    const me = (response.body.data as any).me;
    expect(me).toMatchObject({ ...JANE, email: email('denied'), interests: [...JANE.interests] });
    expect(me.consents).toEqual(expect.arrayContaining([{ purpose: 'MARKETING', status: 'DENIED' }]));
  });

  it('filtering is reading: a marketer filtering by country only matches subjects whose country it may see', async () => {
    const response = await gw.gql('{ customers(first: 500, filter: { country: "DE" }) { totalCount edges { node { id country } } } }', { token: tokens.marketer, purpose: 'MARKETING' });
    const nodes = (response.body.data as any).customers.edges.map((edge: any) => edge.node);
    const ids = nodes.map((node: any) => node.id);
    expect(ids).toContain('cus_t_granted');
    expect(ids).not.toContain('cus_t_missing');
    expect(ids).not.toContain('cus_t_denied');
    expect(nodes.every((node: any) => node.country === 'DE')).toBe(true);
    expect((response.body.data as any).customers.totalCount).toBe(nodes.length);
  });

  it('filtering on an attribute the purpose may not use is FORBIDDEN', async () => {
    const response = await gw.gql('{ customers(first: 5, filter: { interest: "books" }) { totalCount } }', { token: tokens.marketer, purpose: 'THIRD_PARTY_SHARING' });
    expect(response.body.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    expect(response.body.data).toBeNull();
  });

  it('a response that touched no personal data carries no privacy extension', async () => {
    const response = await gw.gql('{ customers(first: 2) { totalCount edges { node { id } } } }', { token: tokens.marketer, purpose: 'MARKETING' });
    expect(response.body.extensions?.privacy).toBeUndefined();
  });
});

/**
 * What a subject who refused shows never reveals more than what a subject who agreed shows, for
 * every role, every purpose it may act under and every field. Outcomes are ordered NULL < (one
 * redaction) < CLEAR; two different redactions (a mask and a pseudonym) are not comparable, so a
 * refusal may only yield null, the same redaction as agreement, or anything when agreement is clear.
 */
describe('refusing never reveals more than agreeing', () => {
  type Outcome = 'NULL' | 'CLEAR' | 'PSEUDONYM' | 'PARTIAL';
  const ROLE_PURPOSES: [role: string, purposes: string[]][] = [
    ['privacy_officer', ['LEGAL_COMPLIANCE', 'SUPPORT', 'ANALYTICS', 'MARKETING', 'PERSONALIZATION', 'THIRD_PARTY_SHARING']],
    ['marketer', ['MARKETING', 'PERSONALIZATION', 'THIRD_PARTY_SHARING', 'ANALYTICS']],
    ['analyst', ['ANALYTICS', 'PERSONALIZATION', 'MARKETING']],
    ['support', ['SUPPORT']],
  ];
  const FIELD_NAMES = FIELDS.replace(/\{[^}]*\}/g, '').split(/\s+/).filter((name) => name !== '' && name !== 'id');
  const REFUSALS: Subject[] = ['denied', 'withdrawn', 'missing'];
  const cases = ROLE_PURPOSES.flatMap(([role, purposes]) => purposes.map((purpose) => [role, purposes, purpose] as const));

  function outcome(value: unknown, stored: unknown): Outcome {
    if (value === null || value === undefined) return 'NULL';
    if (Array.isArray(value) && !Array.isArray(stored)) return 'CLEAR'; // consents: the list itself
    if (JSON.stringify(value) === JSON.stringify(stored)) return 'CLEAR';
    if (typeof stored === 'string' && value === pseudonym(stored)) return 'PSEUDONYM';
    return 'PARTIAL';
  }
  const revealsNoMore = (refused: Outcome, agreed: Outcome) => refused === 'NULL' || refused === agreed || agreed === 'CLEAR';

  it.each(cases)('%s for %s (token %j): every field, every refusal', async (role, purposes, purpose) => {
    const token = await gw.token({ role: role as 'marketer', purposes: purposes as ['MARKETING'] });
    const read = async (subject: Subject) => {
      const response = await gw.gql(`query($id: ID!) { customer(id: $id) { ${FIELDS} } }`, { token, purpose, variables: { id: SUBJECTS[subject]._id } });
      expect(response.body.errors).toBeUndefined();
      return response.body.data!.customer as Record<string, unknown>;
    };
    const agreed = await read('granted');
    const violations: string[] = [];
    for (const subject of REFUSALS) {
      const refused = await read(subject);
      for (const field of FIELD_NAMES) {
        const stored = (SUBJECTS as Record<Subject, Record<string, unknown>>);
        const a = outcome(agreed[field], stored.granted[field]);
        const r = outcome(refused[field], stored[subject][field]);
        if (!revealsNoMore(r, a)) violations.push(`${field}: ${subject} → ${r}, granted → ${a}`);
      }
    }
    expect(violations).toEqual([]);
  });
});
