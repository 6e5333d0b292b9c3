/**
 * Data-subject rights through the real HTTP server (the AuditEvent type, docs/api.md#audit): right of access
 * (exportCustomerData), rectification (rectifyCustomer) and erasure (eraseCustomer). Who may call
 * each, what each returns and stores, that bad input writes nothing, and that an erased subject
 * answers "erased" and is gone from every list, count and segment.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { roleTokens, startTestGateway, type GqlResponse, type TestGateway } from '../helpers/gateway';
import { consentEvents, customers, customerToken, errorCode, storedState, subjectPicker } from './subjectRightsFixtures';

const EXPORT = `mutation($id: ID!) { exportCustomerData(id: $id) }`;
const RECTIFY = `mutation($id: ID!, $input: RectifyCustomerInput!) {
  rectifyCustomer(id: $id, input: $input) { id email phone fullName birthDate postalCode country }
}`;
const ERASE = `mutation($id: ID!, $reason: String!) { eraseCustomer(id: $id, reason: $reason) { customerId erasedAt alreadyErased consentsWithdrawn } }`;
const PERSONAL_FIELDS = ['email', 'phone', 'fullName', 'birthDate', 'postalCode', 'country', 'loyaltyTier', 'lifetimeValue', 'orderCount', 'lastPurchaseAt', 'interests'];

let gw: TestGateway;
let tokens: Awaited<ReturnType<typeof roleTokens>>;
let pick: ReturnType<typeof subjectPicker>;

beforeAll(async () => {
  gw = await startTestGateway({ customers: 300 });
  tokens = await roleTokens(gw);
  // Staff act on a subject's rights under a stated purpose: the officer here acts under LEGAL_COMPLIANCE.
  tokens.officer = await gw.token({ role: 'privacy_officer', purposes: ['LEGAL_COMPLIANCE'], sub: 'po-1' });
  pick = subjectPicker(gw);
});
afterAll(async () => {
  await gw?.close();
});

type Caller = 'own customer' | 'other customer' | 'officer' | 'support' | 'marketer' | 'analyst' | 'partner' | 'no token';

async function tokenFor(caller: Caller, subjectId: string): Promise<string | null> {
  switch (caller) {
    case 'own customer': return customerToken(gw, subjectId);
    case 'other customer': return customerToken(gw, (await pick())._id);
    case 'no token': return null;
    default: return tokens[caller === 'officer' ? 'officer' : caller];
  }
}

/** What an allowed answer names: the subject it acted on, read from each operation's own result shape. */
const SUBJECT_OF: Record<string, (result: Record<string, unknown>) => unknown> = {
  exportCustomerData: (result) => result.subjectId,
  rectifyCustomer: (result) => result.id,
  eraseCustomer: (result) => result.customerId,
};

/**
 * Allowed: no error, the answer names the subject, and a write changed what is stored (an export writes
 * nothing). Refused: the code, no data, and the stored subject unchanged.
 */
async function expectOutcome(response: GqlResponse<Record<string, unknown>>, operation: string, expected: string, subjectId: string, before: unknown) {
  if (expected === 'allowed') {
    expect(response.body.errors).toBeUndefined();
    const result = response.body.data?.[operation] as Record<string, unknown>;
    expect(SUBJECT_OF[operation]!(result)).toBe(subjectId);
    const after = await storedState(gw, subjectId);
    if (operation === 'exportCustomerData') expect(after).toEqual(before);
    else expect(after).not.toEqual(before);
  } else {
    expect(errorCode(response.body)).toBe(expected);
    expect(response.body.data?.[operation] ?? null).toBeNull();
    expect(await storedState(gw, subjectId)).toEqual(before);
  }
}

describe('who may exercise which right (everyone else: FORBIDDEN, nothing written)', () => {
  const operations = {
    exportCustomerData: { query: EXPORT, variables: {} },
    rectifyCustomer: { query: RECTIFY, variables: { input: { fullName: 'Rectified Name' } } },
    eraseCustomer: { query: ERASE, variables: { reason: 'subject request' } },
  };
  const allowed: Record<keyof typeof operations, Caller[]> = {
    exportCustomerData: ['own customer', 'officer'],
    rectifyCustomer: ['officer', 'support'],
    eraseCustomer: ['own customer', 'officer'],
  };
  const callers: Caller[] = ['own customer', 'other customer', 'officer', 'support', 'marketer', 'analyst', 'partner', 'no token'];
  const table = (Object.keys(operations) as (keyof typeof operations)[]).flatMap((operation) =>
    callers.map((caller) => [operation, caller, allowed[operation].includes(caller) ? 'allowed' : caller === 'no token' ? 'UNAUTHENTICATED' : 'FORBIDDEN'] as const));

  it.each(table)('%s by %s → %s', async (operation, caller, expected) => {
    const subject = await pick();
    const token = await tokenFor(caller, subject._id);
    const before = await storedState(gw, subject._id);
    const { query, variables } = operations[operation];
    const response = await gw.gql(query, { token, variables: { id: subject._id, ...variables } });
    await expectOutcome(response, operation, expected, subject._id, before);
  });
});

describe('staff act on a subject\'s rights only for the purpose that justifies it', () => {
  const cases = [
    ['exportCustomerData', EXPORT, {}, 'privacy_officer', ['LEGAL_COMPLIANCE', 'ANALYTICS'], undefined, 'PURPOSE_REQUIRED'],
    ['exportCustomerData', EXPORT, {}, 'privacy_officer', ['LEGAL_COMPLIANCE', 'ANALYTICS'], 'ANALYTICS', 'PURPOSE_NOT_ALLOWED'],
    ['eraseCustomer', ERASE, { reason: 'request' }, 'privacy_officer', ['MARKETING'], undefined, 'PURPOSE_NOT_ALLOWED'],
    ['rectifyCustomer', RECTIFY, { input: { fullName: 'Never Written' } }, 'privacy_officer', ['ANALYTICS'], undefined, 'PURPOSE_NOT_ALLOWED'],
    ['rectifyCustomer', RECTIFY, { input: { fullName: 'Written By Support' } }, 'support', ['SUPPORT'], undefined, 'allowed'],
    ['rectifyCustomer', RECTIFY, { input: { fullName: 'Written By Officer' } }, 'privacy_officer', ['SUPPORT', 'LEGAL_COMPLIANCE'], 'SUPPORT', 'allowed'],
  ] as const;

  it.each(cases)('%s by %s with token purposes %j and X-Purpose %s → %s', async (operation, query, variables, role, purposes, header, expected) => {
    const subject = await pick();
    const token = await gw.token({ role, purposes: [...purposes], sub: `${role}-purpose-test` });
    const before = await storedState(gw, subject._id);
    const response = await gw.gql(query, { token, ...(header ? { purpose: header } : {}), variables: { id: subject._id, ...variables } });
    await expectOutcome(response, operation, expected, subject._id, before);
  });
});

describe('exportCustomerData (right of access)', () => {
  it('gives the subject everything held: the record in clear, consents and what they allow, the consent history, the audit events', async () => {
    const subject = await pick({ 'consents.MARKETING.status': 'GRANTED' });
    // A marketer reads a page that includes the subject: the audit trail names it (with others).
    const page = await gw.gql(`{ customers(first: 500) { edges { node { id email } } } }`, { token: tokens.marketer, purpose: 'MARKETING' });
    expect(page.body.data?.customers?.edges.map((edge: { node: { id: string } }) => edge.node.id)).toContain(subject._id);

    const response = await gw.gql(EXPORT, { token: await customerToken(gw, subject._id), variables: { id: subject._id } });
    expect(response.body.errors).toBeUndefined();
    const exported = response.body.data?.exportCustomerData;
    const stored = await customers(gw).findOne({ _id: subject._id });
    const { _id, ...held } = stored!;
    expect(exported).toMatchObject({ subjectId: subject._id, status: 'ACTIVE', erasure: null, record: { id: _id, ...held } });
    expect(exported.record.email).toBe(subject.email);
    expect(Date.parse(exported.exportedAt)).not.toBeNaN();

    expect(exported.processing).toContainEqual({ purpose: 'MARKETING', legalBasis: 'consent', consentModel: 'OPT_IN', consent: 'GRANTED', processingAllowed: true });
    expect(exported.processing).toContainEqual({ purpose: 'SUPPORT', legalBasis: 'contract', consentModel: 'NONE', consent: null, processingAllowed: true });

    const history = await consentEvents(gw).find({ subjectId: subject._id }, { sort: { at: 1, _id: 1 } });
    expect(exported.consentHistory).toEqual(history.map(({ _id: _, subjectId: __, ...event }) => event));

    const read = exported.auditEvents.find((event: { operation: string }) => event.operation === 'Query.customers');
    expect(read).toMatchObject({ actor: 'mk-1', role: 'marketer', purpose: 'MARKETING', fields: ['Customer.email'] });
    // The page named 300 subjects; the export discloses only this one.
    expect(read.subjectIds).toEqual([subject._id]);
  });

  it('reveals nothing about the other subjects a request touched: no decision or counts that cover them', async () => {
    const subject = await pick({ 'consents.MARKETING.status': 'GRANTED' });
    const others = await customers(gw).find({ 'consents.MARKETING.status': { $ne: 'GRANTED' }, erasedAt: { $exists: false } }, { sort: { _id: 1 }, limit: 3 });
    const page = await gw.gql('{ customers(first: 500) { edges { node { id email phone } } } }', { token: tokens.marketer, purpose: 'MARKETING' });
    expect(page.body.extensions?.privacy?.redactions['Customer.email']?.CONSENT_DENIED).toBeGreaterThan(0);
    // A read of this subject alone keeps its own decision and counts.
    await gw.gql('query($id: ID!) { customer(id: $id) { id email } }', { token: tokens.marketer, purpose: 'MARKETING', variables: { id: subject._id } });

    const response = await gw.gql(EXPORT, { token: await customerToken(gw, subject._id), variables: { id: subject._id } });
    expect(response.body.errors).toBeUndefined();
    const events = response.body.data!.exportCustomerData.auditEvents as Record<string, unknown>[];
    const shared = events.filter((event) => event.operation === 'Query.customers' && event.requestId === page.headers.get('x-request-id'));
    expect(shared).toHaveLength(1);
    // The page mixed this subject (clear) with refusing subjects (masked): nothing of that may show.
    expect(shared[0]).not.toHaveProperty('decision');
    expect(shared[0]).not.toHaveProperty('detail');
    expect(shared[0]).toMatchObject({ subjectIds: [subject._id], fields: ['Customer.email', 'Customer.phone'] });
    const text = JSON.stringify(events);
    for (const other of others) expect(text).not.toContain(other._id);
    expect(text).not.toMatch(/CONSENT_DENIED|CONSENT_MISSING/);
    const own = events.find((event) => event.operation === 'Query.customer');
    expect(own).toMatchObject({ subjectIds: [subject._id], decision: 'ALLOW', detail: { clearReads: [{ coordinate: 'Customer.email', count: 1 }], redactions: [] } });
  });

  it('is itself audited: a second export lists the first', async () => {
    const subject = await pick();
    await gw.gql(EXPORT, { token: tokens.officer, purpose: 'LEGAL_COMPLIANCE', variables: { id: subject._id } });
    const second = await gw.gql(EXPORT, { token: tokens.officer, purpose: 'LEGAL_COMPLIANCE', variables: { id: subject._id } });
    const exports = second.body.data?.exportCustomerData.auditEvents.filter((event: { operation: string; kind: string }) => event.operation === 'Mutation.exportCustomerData' && event.kind === 'operation');
    expect(exports).toHaveLength(1);
    expect(exports[0]).toMatchObject({ actor: 'po-1', role: 'privacy_officer', decision: 'ALLOW', subjectIds: [subject._id] });
    expect(JSON.stringify(exports[0])).not.toContain(subject.email!);
  });

  it.each([
    ['an unknown id', 'cus_doesnotexist'],
    ['an oversized id', 'x'.repeat(3000)],
  ])('%s → BAD_USER_INPUT', async (_name, id) => {
    const response = await gw.gql(EXPORT, { token: tokens.officer, purpose: 'LEGAL_COMPLIANCE', variables: { id } });
    expect(errorCode(response.body)).toBe('BAD_USER_INPUT');
    expect(response.body.errors?.[0]?.message).toBe('No customer with this id');
  });
});

describe('rectifyCustomer', () => {
  it('corrects, normalises and keeps derived attributes consistent; the next lookup finds the new email', async () => {
    const subject = await pick({ country: 'DE' });
    const response = await gw.gql(RECTIFY, {
      token: tokens.officer, purpose: 'LEGAL_COMPLIANCE',
      variables: { id: subject._id, input: { email: '  New.Address@Example.COM ', birthDate: '1984-02-29', postalCode: 'sw1a 1aa', country: 'gb', phone: '+44 20 7946 0958', fullName: ' Ada  Lovelace ' } },
    });
    expect(response.body).toMatchObject({
      data: { rectifyCustomer: { id: subject._id, email: 'new.address@example.com', phone: '+44 20 7946 0958', fullName: 'Ada Lovelace', birthDate: '1984-02-29', postalCode: 'SW1A 1AA', country: 'GB' } },
    });
    const stored = await customers(gw).findOne({ _id: subject._id });
    expect(stored).toMatchObject({ email: 'new.address@example.com', birthYear: 1984, postalPrefix: 'SW1', country: 'GB', lifetimeValue: subject.lifetimeValue, consents: subject.consents });

    const lookup = await gw.gql(`query($email: String!) { customer(email: $email) { id } }`, { token: tokens.support, variables: { email: 'new.address@example.com' } });
    expect(lookup.body.data?.customer).toEqual({ id: subject._id });
    expect((await gw.gql(`query($email: String!) { customer(email: $email) { id } }`, { token: tokens.support, variables: { email: subject.email } })).body.data?.customer).toBeNull();
  });

  it('support may correct a field; the answer shows it as SUPPORT may see it, and the rectification is audited without values', async () => {
    const subject = await pick();
    const response = await gw.gql(RECTIFY, { token: tokens.support, variables: { id: subject._id, input: { phone: '+1 (555) 010-9999' } } });
    expect(response.body.data?.rectifyCustomer).toMatchObject({ id: subject._id, phone: '+1 (555) 010-9999', email: subject.email, birthDate: '' + subject.birthDate!.slice(0, 4) });
    const exported = await gw.gql(EXPORT, { token: tokens.officer, purpose: 'LEGAL_COMPLIANCE', variables: { id: subject._id } });
    const event = exported.body.data?.exportCustomerData.auditEvents.find((e: { operation: string; kind: string }) => e.operation === 'Mutation.rectifyCustomer' && e.kind === 'operation');
    expect(event).toMatchObject({ actor: 'sp-1', role: 'support', fields: ['Customer.phone'], decision: 'ALLOW' });
    expect(JSON.stringify(event)).not.toContain('010-9999');
  });

  const invalid: [string, Record<string, unknown>][] = [
    ['a malformed email', { email: 'not-an-email' }],
    ['an email over 254 characters', { email: `${'a'.repeat(250)}@example.com` }],
    ['a phone without +', { phone: '030 1234567' }],
    ['a phone with too few digits', { phone: '+49 12' }],
    ['a phone with letters', { phone: '+49 CALL ME NOW' }],
    ['a non-existent date', { birthDate: '1990-02-30' }],
    ['a date in the future', { birthDate: '2999-01-01' }],
    ['a date before 1900', { birthDate: '1850-06-01' }],
    ['a date in another format', { birthDate: '01/02/1990' }],
    ['a bad postal code', { postalCode: '#!?' }],
    ['a postal code over 12 characters', { postalCode: '1234567890123' }],
    ['an unknown country', { country: 'XX' }],
    ['a country name', { country: 'Germany' }],
    ['an empty name', { fullName: '   ' }],
    ['a name over 200 characters', { fullName: 'A'.repeat(201) }],
    ['a name with control characters', { fullName: 'Ada\u0000Lovelace' }],
    ['null (erasure is not rectification)', { phone: null }],
    ['no field at all', {}],
    ['one valid and one invalid value', { fullName: 'Valid Name', country: 'ZZ' }],
  ];
  it.each(invalid)('%s → BAD_USER_INPUT, nothing written', async (_name, input) => {
    const subject = await pick();
    const before = await storedState(gw, subject._id);
    const response = await gw.gql(RECTIFY, { token: tokens.support, variables: { id: subject._id, input } });
    expect(errorCode(response.body)).toBe('BAD_USER_INPUT');
    for (const value of Object.values(input)) if (typeof value === 'string' && value.length > 3) expect(response.body.errors?.[0]?.message).not.toContain(value);
    expect(await storedState(gw, subject._id)).toEqual(before);
  });

  it('an email already used by another customer → BAD_USER_INPUT, nothing written', async () => {
    const subject = await pick();
    const other = await pick();
    const before = await storedState(gw, subject._id);
    const response = await gw.gql(RECTIFY, { token: tokens.support, variables: { id: subject._id, input: { email: other.email!.toUpperCase() } } });
    expect(errorCode(response.body)).toBe('BAD_USER_INPUT');
    expect(response.body.errors?.[0]?.message).toBe('input.email is already used by another customer');
    expect(await storedState(gw, subject._id)).toEqual(before);
  });

  it('an unknown or erased customer → BAD_USER_INPUT', async () => {
    const unknown = await gw.gql(RECTIFY, { token: tokens.support, variables: { id: 'cus_doesnotexist', input: { fullName: 'X Y' } } });
    expect(errorCode(unknown.body)).toBe('BAD_USER_INPUT');
    const subject = await pick();
    await gw.gql(ERASE, { token: tokens.officer, variables: { id: subject._id, reason: 'test' } });
    const before = await storedState(gw, subject._id);
    const erased = await gw.gql(RECTIFY, { token: tokens.support, variables: { id: subject._id, input: { fullName: 'Back From The Dead' } } });
    expect(errorCode(erased.body)).toBe('BAD_USER_INPUT');
    expect(erased.body.errors?.[0]?.message).toBe('This customer has been erased');
    expect(await storedState(gw, subject._id)).toEqual(before);
  });
});

describe('eraseCustomer', () => {
  it('removes every personal field and derived attribute, keeps a tombstone, withdraws every consent, keeps history and audit trail', async () => {
    const subject = await pick({ 'consents.MARKETING.status': 'GRANTED' });
    await gw.gql(`query($id: ID!) { customer(id: $id) { email } }`, { token: tokens.marketer, purpose: 'MARKETING', variables: { id: subject._id } });
    const auditBefore = await gw.store.collection('audit').countDocuments({ subjectIds: subject._id });
    const historyBefore = await consentEvents(gw).find({ subjectId: subject._id });
    expect(auditBefore).toBeGreaterThan(0);

    const response = await gw.gql(ERASE, { token: tokens.officer, variables: { id: subject._id, reason: 'Art. 17 request, ticket 4711' } });
    expect(response.body.errors).toBeUndefined();
    const result = response.body.data?.eraseCustomer;
    expect(result).toEqual({ customerId: subject._id, erasedAt: expect.any(String), alreadyErased: false, consentsWithdrawn: ['MARKETING', 'PERSONALIZATION', 'THIRD_PARTY_SHARING', 'ANALYTICS'] });

    const tombstone = await customers(gw).findOne({ _id: subject._id });
    for (const field of [...PERSONAL_FIELDS, 'birthYear', 'postalPrefix']) expect(tombstone, field).not.toHaveProperty(field);
    expect(tombstone).toMatchObject({ _id: subject._id, erasedAt: result.erasedAt, erasureReason: 'Art. 17 request, ticket 4711', createdAt: subject.createdAt });
    expect(Object.values(tombstone!.consents).map((consent) => [consent?.status, consent?.source])).toEqual(Array(4).fill(['WITHDRAWN', 'ERASURE']));
    expect(JSON.stringify(tombstone)).not.toContain(subject.email!);
    expect(JSON.stringify(tombstone)).not.toContain(subject.fullName!);

    const historyAfter = await consentEvents(gw).find({ subjectId: subject._id });
    expect(historyAfter).toHaveLength(historyBefore.length + 4);
    expect(historyAfter).toEqual(expect.arrayContaining(historyBefore));
    const audit = await gw.store.collection('audit').find({ subjectIds: subject._id });
    expect(audit.length).toBeGreaterThan(auditBefore);
    expect(audit.find((event) => event.operation === 'Mutation.eraseCustomer' && event.kind === 'operation')).toMatchObject({
      actor: 'po-1', decision: 'ALLOW', fields: expect.arrayContaining(['Customer.email', 'Customer.birthDate', 'Customer.consents']),
    });
    expect(JSON.stringify(audit)).not.toContain(subject.email!);
  });

  it('the id answers "erased": customer(id) is null, export says ERASED, a repeated erasure says alreadyErased', async () => {
    const subject = await pick();
    const first = await gw.gql(ERASE, { token: tokens.officer, variables: { id: subject._id, reason: 'duplicate account' } });
    const erasedAt = first.body.data?.eraseCustomer.erasedAt;

    const lookup = await gw.gql(`query($id: ID!) { customer(id: $id) { id email } }`, { token: tokens.officer, purpose: 'LEGAL_COMPLIANCE', variables: { id: subject._id } });
    expect(lookup.body).toMatchObject({ data: { customer: null } });

    const exported = await gw.gql(EXPORT, { token: tokens.officer, purpose: 'LEGAL_COMPLIANCE', variables: { id: subject._id } });
    expect(exported.body.data?.exportCustomerData).toMatchObject({
      subjectId: subject._id, status: 'ERASED', erasure: { erasedAt, reason: 'duplicate account' }, record: null,
    });
    expect(JSON.stringify(exported.body)).not.toContain(subject.email!);

    const eventsBefore = await consentEvents(gw).countDocuments({ subjectId: subject._id });
    const again = await gw.gql(ERASE, { token: tokens.officer, variables: { id: subject._id, reason: 'again' } });
    expect(again.body.data?.eraseCustomer).toEqual({ customerId: subject._id, erasedAt, alreadyErased: true, consentsWithdrawn: [] });
    expect(await consentEvents(gw).countDocuments({ subjectId: subject._id })).toBe(eventsBefore);
    expect((await customers(gw).findOne({ _id: subject._id }))?.erasureReason).toBe('duplicate account');
  });

  it('a subject may erase itself: afterwards `me` is null and its own export says ERASED', async () => {
    const subject = await pick();
    const own = await customerToken(gw, subject._id);
    expect((await gw.gql(`{ me { id } }`, { token: own })).body.data?.me).toEqual({ id: subject._id });
    const response = await gw.gql(ERASE, { token: own, variables: { id: subject._id, reason: 'delete my account' } });
    expect(response.body.data?.eraseCustomer).toMatchObject({ customerId: subject._id, alreadyErased: false });
    expect((await gw.gql(`{ me { id } }`, { token: own })).body).toMatchObject({ data: { me: null } });
    expect((await gw.gql(EXPORT, { token: own, variables: { id: subject._id } })).body.data?.exportCustomerData).toMatchObject({ status: 'ERASED', record: null });
  });

  it('the erased subject disappears from customers, counts, segment members and segment reports', async () => {
    const subject = await pick({ 'consents.ANALYTICS': { $exists: false }, country: 'US' });
    const list = () => gw.gql(`{ customers(first: 500, filter: { country: "US" }) { totalCount edges { node { id } } } }`, { token: tokens.officer, purpose: 'LEGAL_COMPLIANCE' });
    const members = () => gw.gql(`{ segment(id: "seg_all") { members(first: 500) { totalCount edges { node { id } } } } }`, { token: tokens.analyst, purpose: 'ANALYTICS' });
    const report = () => gw.gql(`{ segmentReport(segmentId: "seg_all", groupBy: [LOYALTY_TIER]) { total } }`, { token: tokens.analyst, purpose: 'ANALYTICS' });
    const ids = (connection: { edges: { node: { id: string } }[] }) => connection.edges.map((edge) => edge.node.id);

    const [listBefore, membersBefore, reportBefore] = await Promise.all([list(), members(), report()]);
    expect(ids(listBefore.body.data?.customers)).toContain(subject._id);
    expect(ids(membersBefore.body.data?.segment?.members)).toContain(subject._id);

    await gw.gql(ERASE, { token: tokens.officer, variables: { id: subject._id, reason: 'test' } });

    const [listAfter, membersAfter, reportAfter] = await Promise.all([list(), members(), report()]);
    expect(ids(listAfter.body.data?.customers)).not.toContain(subject._id);
    expect(listAfter.body.data?.customers.totalCount).toBe(listBefore.body.data?.customers.totalCount - 1);
    expect(ids(membersAfter.body.data?.segment?.members)).not.toContain(subject._id);
    expect(membersAfter.body.data?.segment?.members.totalCount).toBe(membersBefore.body.data?.segment?.members.totalCount - 1);
    expect(reportAfter.body.data?.segmentReport.total).toBe(reportBefore.body.data?.segmentReport.total - 1);
  });

  it.each([
    ['an empty reason', '  '],
    ['a reason over 500 characters', 'r'.repeat(501)],
    ['a reason with control characters', 'because\u0007'],
  ])('%s → BAD_USER_INPUT, nothing written', async (_name, reason) => {
    const subject = await pick();
    const before = await storedState(gw, subject._id);
    const response = await gw.gql(ERASE, { token: tokens.officer, variables: { id: subject._id, reason } });
    expect(errorCode(response.body)).toBe('BAD_USER_INPUT');
    expect(await storedState(gw, subject._id)).toEqual(before);
  });

  it('an unknown id → BAD_USER_INPUT', async () => {
    const response = await gw.gql(ERASE, { token: tokens.officer, variables: { id: 'cus_doesnotexist', reason: 'test' } });
    expect(errorCode(response.body)).toBe('BAD_USER_INPUT');
    expect(await customers(gw).findOne({ _id: 'cus_doesnotexist' })).toBeNull();
  });
});
