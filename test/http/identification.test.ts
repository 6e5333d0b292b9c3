/**
 * Identification and filtering through the real HTTP server. Looking a person up by a direct
 * identifier (`customer(email:)`) is an act only support (SUPPORT) and the privacy officer
 * (LEGAL_COMPLIANCE) may perform; everyone else gets FORBIDDEN whether or not the address exists, so
 * the lookup is no oracle. Every lookup is audited as a read of the key coordinate with the subject
 * found, whatever the selection; every filter is audited as a read of the filtered coordinates.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AuditEventDocument } from '../../src/audit/auditEvent';
import type { Purpose } from '../../src/policy/purposes';
import { customerDocument, insertCustomers } from '../helpers/fixtures';
import { startTestGateway, type GqlResponse, type TestGateway } from '../helpers/gateway';

const SUBJECT = customerDocument('cus_id_subject', { MARKETING: 'DENIED', ANALYTICS: 'DENIED' });
const LOOKUP = 'query($e: String) { customer(email: $e) { id } }';

let gw: TestGateway;

async function auditOf(response: GqlResponse): Promise<AuditEventDocument[]> {
  const requestId = response.headers.get('x-request-id');
  expect(requestId).toBeTruthy();
  return gw.store.collection<AuditEventDocument>('audit').find({ requestId: requestId! }, { sort: { _id: 1 } });
}

async function tokenFor(role: string, purposes: string[]): Promise<string> {
  if (role === 'partner') return gw.token({ role: 'partner', purposes: purposes as Purpose[], sub: 'demo-partner', scope: 'segments:read customers:read', partnerId: 'demo-partner' });
  if (role === 'customer') return gw.token({ role: 'customer', purposes: [], sub: SUBJECT._id });
  return gw.token({ role: role as 'marketer', purposes: purposes as ['MARKETING'], sub: `${role}-1` });
}

beforeAll(async () => {
  gw = await startTestGateway({ customers: 40 });
  await insertCustomers(gw, [SUBJECT]);
});
afterAll(async () => gw?.close());

type LookupRow = [role: string, purposes: string[], purpose: string | undefined, allowed: boolean];

const LOOKUP_ROWS: LookupRow[] = [
  ['support', ['SUPPORT'], 'SUPPORT', true],
  ['privacy_officer', ['LEGAL_COMPLIANCE', 'SUPPORT', 'ANALYTICS'], 'LEGAL_COMPLIANCE', true],
  ['privacy_officer', ['LEGAL_COMPLIANCE', 'SUPPORT', 'ANALYTICS'], 'SUPPORT', false],
  ['privacy_officer', ['LEGAL_COMPLIANCE', 'SUPPORT', 'ANALYTICS'], 'ANALYTICS', false],
  ['marketer', ['MARKETING', 'ANALYTICS'], 'MARKETING', false],
  ['marketer', ['MARKETING', 'ANALYTICS'], 'ANALYTICS', false],
  ['analyst', ['ANALYTICS', 'PERSONALIZATION'], 'ANALYTICS', false],
  ['analyst', ['ANALYTICS', 'PERSONALIZATION'], 'PERSONALIZATION', false],
  ['partner', ['ANALYTICS'], 'ANALYTICS', false],
  ['customer', [], undefined, false],
];

describe('customer(email:) is identification: support and the privacy officer only', () => {
  it.each(LOOKUP_ROWS)('%s (purposes %j) stating %s → allowed: %s', async (role, purposes, purpose, allowed) => {
    const token = await tokenFor(role, purposes);
    const known = await gw.gql(LOOKUP, { token, purpose, variables: { e: SUBJECT.email } });
    const unknown = await gw.gql(LOOKUP, { token, purpose, variables: { e: 'nobody-here@example.com' } });
    if (allowed) {
      expect(known.body).toEqual({ data: { customer: { id: SUBJECT._id } } });
      expect(unknown.body).toEqual({ data: { customer: null } });
      return;
    }
    // Refused alike for a known and an unknown address: the answer tells nothing about either.
    for (const response of [known, unknown]) {
      expect(response.body.data?.customer ?? null).toBeNull();
      expect(response.body.errors?.map((error) => error.extensions?.code)).toEqual(['FORBIDDEN']);
      expect(JSON.stringify(response.body)).not.toContain(SUBJECT._id);
    }
    expect(known.body.errors?.[0]?.message).toBe(unknown.body.errors?.[0]?.message);
    // The refusal is audited as a denial of the lookup; no read of the subject is recorded.
    const events = await auditOf(known);
    expect(events.some((event) => event.decision === 'DENY')).toBe(true);
    expect(events.flatMap((event) => event.subjectIds)).not.toContain(SUBJECT._id);
  });

  it('the same rule holds under aliases: one refused alias among allowed fields is still refused', async () => {
    const marketer = await tokenFor('marketer', ['MARKETING']);
    const response = await gw.gql(`query($e: String) { a: customer(email: $e) { id } b: customer(email: "x@example.com") { id } }`, {
      token: marketer, purpose: 'MARKETING', variables: { e: SUBJECT.email },
    });
    expect(response.body.errors?.map((error) => error.extensions?.code)).toEqual(['FORBIDDEN', 'FORBIDDEN']);
    expect(response.body.data).toEqual({ a: null, b: null });
  });

  it.each([
    ['support', ['SUPPORT'], 'SUPPORT'],
    ['privacy_officer', ['LEGAL_COMPLIANCE'], 'LEGAL_COMPLIANCE'],
  ])('a lookup by %s selecting only id is audited as a read of Customer.email with the subject found', async (role, purposes, purpose) => {
    const token = await tokenFor(role, purposes);
    const response = await gw.gql(LOOKUP, { token, purpose, variables: { e: SUBJECT.email } });
    expect(response.body.data).toEqual({ customer: { id: SUBJECT._id } });
    const events = await auditOf(response);
    const lookup = events.find((event) => event.fields.includes('Customer.email'));
    expect(lookup).toMatchObject({ operation: 'Query.customer', subjectIds: [SUBJECT._id], role, purpose, decision: 'ALLOW' });
    expect(JSON.stringify(events)).not.toContain(SUBJECT.email as string);
  });

  it('a lookup that finds nobody is audited too (the key coordinate, no subject)', async () => {
    const support = await tokenFor('support', ['SUPPORT']);
    const response = await gw.gql(LOOKUP, { token: support, purpose: 'SUPPORT', variables: { e: 'nobody-here@example.com' } });
    expect(response.body.data).toEqual({ customer: null });
    const events = await auditOf(response);
    expect(events).toEqual([expect.objectContaining({ operation: 'Query.customer', fields: ['Customer.email'], subjectIds: [] })]);
    expect(JSON.stringify(events)).not.toContain('nobody-here');
  });
});

describe('filtering is reading, whatever the selection', () => {
  it('customers(filter:) selecting only ids is audited with the filtered coordinates and the subjects matched', async () => {
    const marketer = await tokenFor('marketer', ['MARKETING']);
    const response = await gw.gql('{ customers(first: 500, filter: { country: "DE", loyaltyTier: GOLD }) { totalCount edges { node { id } } } }', { token: marketer, purpose: 'MARKETING' });
    expect(response.body.errors).toBeUndefined();
    const ids = response.body.data!.customers.edges.map((edge: { node: { id: string } }) => edge.node.id).sort();
    const events = await auditOf(response);
    const filter = events.find((event) => event.fields.includes('Customer.country'));
    expect(filter).toMatchObject({ operation: 'Query.customers', fields: ['Customer.country', 'Customer.loyaltyTier'], decision: 'ALLOW' });
    expect(filter!.subjectIds).toEqual(ids);
  });

  it('segment members selecting only ids are audited with the definition\'s coordinates', async () => {
    const marketer = await tokenFor('marketer', ['MARKETING']);
    await gw.store.collection('segments').insertOne({
      _id: 'seg_id_gold', name: 'gold', purpose: 'MARKETING', definition: { loyaltyTiers: ['GOLD'] }, createdAt: '2026-01-01T00:00:00.000Z', createdBy: 'test',
    });
    const response = await gw.gql('{ segment(id: "seg_id_gold") { members(first: 500) { edges { node { id } } } } }', { token: marketer, purpose: 'MARKETING' });
    expect(response.body.errors).toBeUndefined();
    const ids = response.body.data!.segment.members.edges.map((edge: { node: { id: string } }) => edge.node.id).sort();
    expect(ids.length).toBeGreaterThan(0);
    const events = await auditOf(response);
    const filter = events.find((event) => event.fields.includes('Customer.loyaltyTier'));
    expect(filter).toMatchObject({ operation: 'Segment.members', fields: ['Customer.loyaltyTier'], decision: 'ALLOW' });
    expect(filter!.subjectIds).toEqual(ids);
  });
});

describe('the manifest publishes who may identify by which key', () => {
  it('lists Customer.email with exactly support (SUPPORT) and the privacy officer (LEGAL_COMPLIANCE)', async () => {
    const manifest = await (await fetch(`${gw.url}/privacy/manifest`)).json() as { identification: unknown };
    expect(manifest.identification).toEqual([{
      key: 'Customer.email', argument: 'Query.customer(email:)',
      allowed: [{ role: 'support', purpose: 'SUPPORT' }, { role: 'privacy_officer', purpose: 'LEGAL_COMPLIANCE' }],
    }]);
    const markdown = await (await fetch(`${gw.url}/privacy/manifest?format=md`)).text();
    expect(markdown).toContain('| Customer.email | Query.customer(email:) | support (SUPPORT), privacy_officer (LEGAL_COMPLIANCE) |');
  });
});

describe('a refused lookup is refused whatever the value', () => {
  it('an oversized address is FORBIDDEN for a marketer (refusal first), BAD_USER_INPUT for support', async () => {
    const long = `${'x'.repeat(400)}@example.com`;
    const marketer = await gw.gql(LOOKUP, { token: await tokenFor('marketer', ['MARKETING']), purpose: 'MARKETING', variables: { e: long } });
    expect(marketer.body.errors?.map((error) => error.extensions?.code)).toEqual(['FORBIDDEN']);
    const support = await gw.gql(LOOKUP, { token: await tokenFor('support', ['SUPPORT']), purpose: 'SUPPORT', variables: { e: long } });
    expect(support.body.errors?.map((error) => error.extensions?.code)).toEqual(['BAD_USER_INPUT']);
    expect(JSON.stringify([marketer.body, support.body])).not.toContain('xxxx');
  });
});
