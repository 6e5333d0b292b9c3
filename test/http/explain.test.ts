/**
 * Explain through the real HTTP server: a caller that asks (X-Privacy-Explain: 1, or the request
 * extension privacy.explain) gets, per coordinate read, the rule chain that decided it, decide's own
 * request-level decision and the outcome counts, with the policy version; never a subject id or a
 * value; and the audit records that an explanation was given.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ruleChain, explainedDecision } from '../../src/explain/ruleChain';
import { buildGatewaySchema } from '../../src/server/buildSchema';
import { PURPOSES } from '../../src/policy/purposes';
import { ROLES } from '../../src/policy/roles';
import { customerDocument, insertCustomers } from '../helpers/fixtures';
import { startTestGateway, type GqlResponse, type TestGateway } from '../helpers/gateway';

const FIELDS = 'id email phone fullName birthDate postalCode country loyaltyTier lifetimeValue orderCount lastPurchaseAt interests';
const SUBJECTS = {
  granted: customerDocument('cus_x_granted', { MARKETING: 'GRANTED', PERSONALIZATION: 'GRANTED', ANALYTICS: 'GRANTED' }),
  denied: customerDocument('cus_x_denied', { MARKETING: 'DENIED', ANALYTICS: 'DENIED' }),
  missing: customerDocument('cus_x_missing', {}),
};
const EXPLAIN = { 'x-privacy-explain': '1' };

let gw: TestGateway;
const tokens: Record<string, string> = {};

type Explain = {
  policyVersion: string;
  caller: Record<string, unknown>;
  coordinates: Record<string, { steps: { rule: string; outcome: string; reason?: string; redaction?: string; facts: Record<string, unknown> }[]; decision: Record<string, unknown>; outcomes: Record<string, number>; fieldPurposes: string[]; category: string }>;
  denials: { coordinate: string; kind: string }[];
};
const explainOf = (response: GqlResponse): Explain => (response.body.extensions?.privacy as unknown as { explain: Explain }).explain;

beforeAll(async () => {
  gw = await startTestGateway({ customers: 40 });
  await insertCustomers(gw, Object.values(SUBJECTS));
  tokens.marketer = await gw.token({ role: 'marketer', purposes: ['MARKETING', 'PERSONALIZATION', 'ANALYTICS'], sub: 'mk-x' });
  tokens.analyst = await gw.token({ role: 'analyst', purposes: ['ANALYTICS'], sub: 'an-x' });
  tokens.support = await gw.token({ role: 'support', purposes: ['SUPPORT'], sub: 'sp-x' });
  tokens.privacy_officer = await gw.token({ role: 'privacy_officer', purposes: ['LEGAL_COMPLIANCE', 'ANALYTICS'], sub: 'po-x' });
  tokens.customer = await gw.token({ role: 'customer', purposes: [], sub: 'cus_x_denied' });
});
afterAll(async () => gw?.close());

const one = (role: string, purpose: string | undefined, subject: keyof typeof SUBJECTS) =>
  gw.gql(`query($id: ID!) { customer(id: $id) { ${FIELDS} } }`, { token: tokens[role], purpose, variables: { id: SUBJECTS[subject]._id }, headers: EXPLAIN });

type Row = [role: string, purpose: string, subject: keyof typeof SUBJECTS, coordinate: string, chain: string, outcomes: Record<string, number>];
const rows: Row[] = [
  ['marketer', 'MARKETING', 'granted', 'Customer.email', 'ROLE:NEXT PURPOSE:NEXT CONSENT:PER_SUBJECT', { CLEAR: 1 }],
  ['marketer', 'MARKETING', 'missing', 'Customer.email', 'ROLE:NEXT PURPOSE:NEXT CONSENT:PER_SUBJECT', { CLEAR: 0, CONSENT_MISSING: 1 }],
  ['marketer', 'MARKETING', 'denied', 'Customer.phone', 'ROLE:NEXT PURPOSE:NEXT CONSENT:PER_SUBJECT', { CLEAR: 0, CONSENT_DENIED: 1 }],
  ['marketer', 'MARKETING', 'granted', 'Customer.birthDate', 'ROLE:NEXT PURPOSE:REDACT(PURPOSE)', { CLEAR: 0, PURPOSE: 1 }],
  ['analyst', 'ANALYTICS', 'granted', 'Customer.email', 'ROLE:NEXT PURPOSE:NEXT CONSENT:PER_SUBJECT DIRECT_IDENTIFIER:REDACT(ROLE)', { CLEAR: 0, ROLE: 1 }],
  ['analyst', 'ANALYTICS', 'missing', 'Customer.birthDate', 'ROLE:NEXT PURPOSE:NEXT CONSENT:PER_SUBJECT DIRECT_IDENTIFIER:CLEAR', { CLEAR: 1 }],
  ['analyst', 'ANALYTICS', 'denied', 'Customer.country', 'ROLE:NEXT PURPOSE:NEXT CONSENT:PER_SUBJECT DIRECT_IDENTIFIER:CLEAR', { CLEAR: 0, CONSENT_DENIED: 1 }],
  ['support', 'SUPPORT', 'denied', 'Customer.phone', 'ROLE:NEXT PURPOSE:NEXT CONSENT:CLEAR', { CLEAR: 1 }],
  ['support', 'SUPPORT', 'denied', 'Customer.interests', 'ROLE:NEXT PURPOSE:REDACT(PURPOSE)', { CLEAR: 0, PURPOSE: 1 }],
  ['privacy_officer', 'LEGAL_COMPLIANCE', 'denied', 'Customer.email', 'ROLE:CLEAR', { CLEAR: 1 }],
  ['privacy_officer', 'ANALYTICS', 'denied', 'Customer.email', 'ROLE:NEXT PURPOSE:NEXT CONSENT:PER_SUBJECT', { CLEAR: 0, CONSENT_DENIED: 1 }],
];

const chainText = (steps: Explain['coordinates'][string]['steps']) =>
  steps.map((step) => `${step.rule}:${step.outcome}${step.reason ? `(${step.reason})` : ''}`).join(' ');

describe('explain: the rule chain per coordinate', () => {
  it.each(rows)('%s for %s, subject %s: %s decided by %s', async (role, purpose, subject, coordinate, chain, outcomes) => {
    const response = await one(role, purpose, subject);
    expect(response.body.errors).toBeUndefined();
    const explain = explainOf(response);
    const entry = explain.coordinates[coordinate]!;
    expect(chainText(entry.steps)).toBe(chain);
    expect(entry.outcomes).toEqual(outcomes);
    // The counts agree with extensions.privacy.redactions (zeros left out).
    const counts = response.body.extensions!.privacy!.redactions[coordinate]!;
    expect(Object.fromEntries(Object.entries(counts).filter(([, n]) => n > 0))).toEqual(Object.fromEntries(Object.entries(outcomes).filter(([k, n]) => k !== 'CLEAR' && n > 0)));
    expect(explain.caller).toMatchObject({ role, purpose });
    expect(explain.policyVersion).toMatch(/^sha256:[0-9a-f]{16}$/);
    // Every coordinate read is explained, and nothing else.
    expect(Object.keys(explain.coordinates).sort()).toEqual(Object.keys(response.body.extensions!.privacy!.redactions).sort());
  });

  it('names the purpose\'s legal basis and consent model, and the field\'s purposes', async () => {
    const explain = explainOf(await one('marketer', 'MARKETING', 'granted'));
    const consent = explain.coordinates['Customer.email']!.steps.find((step) => step.rule === 'CONSENT')!;
    expect(consent.facts).toEqual({ purpose: 'MARKETING', legalBasis: 'consent', consentModel: 'OPT_IN', consentNeeded: true });
    expect(explain.coordinates['Customer.email']!.fieldPurposes).toEqual(['MARKETING', 'ANALYTICS', 'SUPPORT', 'LEGAL_COMPLIANCE']);
    expect(explain.coordinates['Customer.email']!.decision).toEqual({ kind: 'PER_SUBJECT', basis: 'CONSENT', purpose: 'MARKETING', redaction: 'MASK', thenRedact: null });
    const role = explain.coordinates['Customer.email']!.steps[0]!;
    expect(role.facts).toMatchObject({ role: 'marketer', clearData: 'per-purpose' });
  });

  it('counts a whole page by reason, matching extensions.privacy', async () => {
    const response = await gw.gql(`{ customers(first: 100) { edges { node { ${FIELDS} } } } }`, { token: tokens.marketer, purpose: 'MARKETING', headers: EXPLAIN });
    const edges = (response.body.data as any).customers.edges.length;
    const explain = explainOf(response);
    for (const [coordinate, entry] of Object.entries(explain.coordinates)) {
      const counts = response.body.extensions!.privacy!.redactions[coordinate]!;
      const redacted = Object.values(counts).reduce((a, b) => a + b, 0);
      expect(entry.outcomes.CLEAR! + redacted, coordinate).toBe(edges);
      for (const [reason, count] of Object.entries(counts)) expect(entry.outcomes[reason] ?? 0, `${coordinate} ${reason}`).toBe(count);
    }
    expect(explain.coordinates['Customer.email']!.outcomes.CLEAR).toBeGreaterThan(0);
    expect(explain.coordinates['Customer.email']!.outcomes.CONSENT_MISSING).toBeGreaterThan(0);
  });

  it('the last step agrees with decide for every role × purpose × @pii field', () => {
    const { policy } = buildGatewaySchema();
    for (const role of ROLES) {
      for (const purpose of [...PURPOSES, null]) {
        const caller = { sub: 'x', role, purposes: [...PURPOSES], scopes: [], partnerId: null };
        for (const field of policy.fields.values()) {
          const steps = ruleChain(field, caller, purpose);
          const decision = explainedDecision(field, caller, purpose);
          const last = steps.at(-1)!;
          const label = `${role}/${purpose}/${field.coordinate}`;
          if (decision.kind === 'CLEAR') expect(last.outcome, label).toBe('CLEAR');
          else if (decision.kind === 'REDACT') expect([last.outcome, last.reason, last.redaction], label).toEqual(['REDACT', decision.reason, decision.redaction]);
          else if (decision.basis === 'OWN_RECORD') expect(steps.map((step) => step.outcome), label).toEqual(['PER_SUBJECT']);
          // Consent decides per subject; a later step (the analyst's identifier rule) may only pass it on.
          else if (decision.thenRedact === null) expect([steps.some((step) => step.outcome === 'PER_SUBJECT'), ['PER_SUBJECT', 'CLEAR'].includes(last.outcome)], label).toEqual([true, true]);
          else expect([steps.at(-2)!.outcome, last.redaction], label).toEqual(['PER_SUBJECT', decision.thenRedact]);
        }
      }
    }
  });
});

/** Every string and number in the data of a response (ids, emails, phones, names …). */
function valuesIn(value: unknown, found: Set<string> = new Set()): Set<string> {
  if (Array.isArray(value)) for (const item of value) valuesIn(item, found);
  else if (value !== null && typeof value === 'object') for (const child of Object.values(value)) valuesIn(child, found);
  else if (typeof value === 'string' && value.length >= 3) found.add(value);
  else if (typeof value === 'number' && !Number.isInteger(value)) found.add(String(value));
  return found;
}

describe('explain never names a subject or a value', () => {
  it.each([
    ['privacy_officer', 'LEGAL_COMPLIANCE'],
    ['marketer', 'MARKETING'],
    ['analyst', 'ANALYTICS'],
  ])('%s under %s: no id, email, phone, name or other value of the page appears in the explanation', async (role, purpose) => {
    const response = await gw.gql(`{ customers(first: 60) { edges { node { ${FIELDS} } } } }`, { token: tokens[role], purpose, headers: EXPLAIN });
    expect(response.body.errors).toBeUndefined();
    const nodes = (response.body.data as any).customers.edges.map((edge: any) => edge.node);
    const values = valuesIn(nodes);
    // The page really holds identifiers (clear or masked emails; an analyst's pseudonyms): none may be repeated.
    expect(nodes.filter((node: any) => typeof node.email === 'string' && node.email.length >= 8).length).toBeGreaterThan(0);
    for (const node of nodes) for (const key of ['id', 'email', 'phone', 'fullName']) if (typeof node[key] === 'string') values.add(node[key]);
    const text = JSON.stringify(explainOf(response));
    const leaked = [...values].filter((value) => text.includes(value) && !/^[A-Z_]+$/.test(value));
    expect(leaked).toEqual([]);
  });

  it('a customer asking about its own record: explained, without its own id or values', async () => {
    const response = await gw.gql(`{ me { ${FIELDS} } }`, { token: tokens.customer, headers: EXPLAIN });
    expect(response.body.errors).toBeUndefined();
    const explain = explainOf(response);
    expect(explain.coordinates['Customer.email']!.steps).toEqual([expect.objectContaining({ rule: 'ROLE', outcome: 'PER_SUBJECT' })]);
    expect(explain.coordinates['Customer.email']!.outcomes).toEqual({ CLEAR: 1 });
    const text = JSON.stringify(explain);
    const me = (response.body.data as any).me;
    for (const value of ['cus_x_denied', me.email, me.phone, me.fullName, me.birthDate, me.postalCode]) expect(text).not.toContain(value);
  });
});

describe('asking for an explanation', () => {
  it('is off unless asked for', async () => {
    const response = await gw.gql('{ customers(first: 3) { edges { node { id email } } } }', { token: tokens.marketer, purpose: 'MARKETING' });
    expect(response.body.extensions?.privacy).toBeDefined();
    expect((response.body.extensions?.privacy as Record<string, unknown>).explain).toBeUndefined();
  });

  it('can be asked for with the request extension privacy.explain', async () => {
    const response = await fetch(`${gw.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${tokens.support}`, 'x-purpose': 'SUPPORT' },
      body: JSON.stringify({ query: `{ customer(id: "cus_x_granted") { email } }`, extensions: { privacy: { explain: true } } }),
    });
    const body = await response.json() as any;
    expect(body.extensions.privacy.explain.coordinates['Customer.email'].outcomes).toEqual({ CLEAR: 1 });
  });

  it('explains the gate\'s refusals too, with no personal data touched', async () => {
    const response = await gw.gql('{ customers(first: 3) { edges { node { id } } } }', { token: tokens.support, headers: EXPLAIN });
    expect(response.body.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    const explain = explainOf(response);
    expect(explain.denials).toEqual([{ coordinate: 'Query.customers', kind: 'role' }]);
    expect(explain.coordinates).toEqual({});
    expect(explain.caller).toEqual({ role: 'support', purpose: 'SUPPORT', purposes: ['SUPPORT'], partner: null, scopes: [] });
  });

  it('is recorded in the audit with the request, the coordinates and the policy version', async () => {
    const asked = await one('marketer', 'MARKETING', 'granted');
    const plain = await gw.gql(`query($id: ID!) { customer(id: $id) { email } }`, { token: tokens.marketer, purpose: 'MARKETING', variables: { id: 'cus_x_granted' } });
    const eventsOf = async (requestId: string) => {
      const result = await gw.gql('query($f: AuditEventFilter) { auditEvents(filter: $f, first: 50) { edges { node { actor role operation fields decision detail kind subjectIds } } } }', {
        token: tokens.privacy_officer, purpose: 'LEGAL_COMPLIANCE', variables: { f: { requestId } },
      });
      return (result.body.data as any).auditEvents.edges.map((edge: any) => edge.node);
    };
    const events = await eventsOf(asked.headers.get('x-request-id')!);
    const explained = events.find((event: any) => event.operation === 'Privacy.explain');
    expect(explained).toMatchObject({ actor: 'mk-x', role: 'marketer', kind: 'OPERATION', decision: 'ALLOW', subjectIds: [] });
    expect(explained.fields).toEqual(Object.keys(explainOf(asked).coordinates));
    expect(explained.detail).toEqual({ policyVersion: explainOf(asked).policyVersion, coordinates: 11 });
    const plainEvents = await eventsOf(plain.headers.get('x-request-id')!);
    expect(plainEvents.map((event: any) => event.operation)).toEqual(['Query.customer']);
  });
});
