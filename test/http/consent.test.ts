/**
 * Consent through the real HTTP server (docs/consent-and-rights.md): who may record a choice, that it
 * takes effect on the very next request, that history is kept, that bad input writes nothing, and
 * that Sec-GPC from a subject records an opt-out of THIRD_PARTY_SHARING exactly once.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { roleTokens, startTestGateway, type TestGateway } from '../helpers/gateway';
import { consentEvents, customers, customerToken, errorCode, storedState, subjectPicker } from './subjectRightsFixtures';

const SET_CONSENT = `mutation Set($id: ID!, $purpose: Purpose!, $status: ConsentStatus!, $source: String) {
  setConsent(customerId: $id, purpose: $purpose, status: $status, source: $source) { purpose status source updatedAt }
}`;
const MARKETER_VIEW = `query One($id: ID!) { customer(id: $id) { id email } }`;

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

describe('setConsent: who may record a choice', () => {
  type Caller = 'own customer' | 'other customer' | 'support' | 'officer' | 'marketer' | 'analyst' | 'partner' | 'no token';
  const table: [Caller, string | null][] = [
    ['own customer', null],
    ['support', null],
    ['officer', null],
    ['other customer', 'FORBIDDEN'],
    ['marketer', 'FORBIDDEN'],
    ['analyst', 'FORBIDDEN'],
    ['partner', 'FORBIDDEN'],
    ['no token', 'UNAUTHENTICATED'],
  ];

  it.each(table)('%s → %s', async (caller, expected) => {
    const subject = await pick({ 'consents.PERSONALIZATION.status': 'GRANTED' });
    const other = await pick();
    const token = {
      'own customer': await customerToken(gw, subject._id),
      'other customer': await customerToken(gw, other._id),
      support: tokens.support, officer: tokens.officer, marketer: tokens.marketer, analyst: tokens.analyst, partner: tokens.partner,
      'no token': null,
    }[caller];
    const before = await storedState(gw, subject._id);
    const response = await gw.gql(SET_CONSENT, { token, variables: { id: subject._id, purpose: 'PERSONALIZATION', status: 'WITHDRAWN' } });
    if (expected === null) {
      expect(response.body.errors).toBeUndefined();
      expect(response.body.data?.setConsent).toMatchObject({ purpose: 'PERSONALIZATION', status: 'WITHDRAWN' });
      const after = await storedState(gw, subject._id);
      expect(after.customer?.consents.PERSONALIZATION?.status).toBe('WITHDRAWN');
      expect(after.events).toHaveLength(before.events.length + 1);
    } else {
      expect(errorCode(response.body)).toBe(expected);
      expect(response.body.data?.setConsent ?? null).toBeNull();
      expect(await storedState(gw, subject._id)).toEqual(before);
    }
  });
});

describe('setConsent: the effect is immediate', () => {
  it('a marketer sees the email in clear, the subject withdraws, the very next query is redacted with CONSENT_DENIED', async () => {
    const subject = await pick({ 'consents.MARKETING.status': 'GRANTED' });
    const read = () => gw.gql(MARKETER_VIEW, { token: tokens.marketer, purpose: 'MARKETING', variables: { id: subject._id } });

    const before = await read();
    expect(before.body.data?.customer).toEqual({ id: subject._id, email: subject.email });
    expect(before.body.extensions?.privacy?.redactions['Customer.email']?.CONSENT_DENIED).toBe(0);

    const withdrawal = await gw.gql(SET_CONSENT, {
      token: await customerToken(gw, subject._id), variables: { id: subject._id, purpose: 'MARKETING', status: 'WITHDRAWN', source: 'PREFERENCE_CENTER' },
    });
    expect(withdrawal.body).toEqual({
      data: { setConsent: { purpose: 'MARKETING', status: 'WITHDRAWN', source: 'PREFERENCE_CENTER', updatedAt: expect.any(String) } },
    });

    const after = await read();
    expect(after.body.data?.customer?.email).not.toBe(subject.email);
    expect(after.body.data?.customer?.email).toMatch(/^\w\*\*\*@/);
    expect(after.body.extensions?.privacy).toEqual({
      purpose: 'MARKETING',
      redactions: { 'Customer.email': { ROLE: 0, PURPOSE: 0, CONSENT_MISSING: 0, CONSENT_DENIED: 1, POLICY_ERROR: 0 } },
    });

    // And back: granting again is just as immediate.
    await gw.gql(SET_CONSENT, { token: await customerToken(gw, subject._id), variables: { id: subject._id, purpose: 'MARKETING', status: 'GRANTED' } });
    expect((await read()).body.data?.customer?.email).toBe(subject.email);
  });

  it('an objection to ANALYTICS (opt-out purpose) takes an allowed subject out of the analyst\'s clear data at once', async () => {
    const subject = await pick({ 'consents.ANALYTICS': { $exists: false } });
    const read = () => gw.gql(`query($id: ID!) { customer(id: $id) { birthDate } }`, { token: tokens.analyst, purpose: 'ANALYTICS', variables: { id: subject._id } });
    expect((await read()).body.data?.customer?.birthDate).toBe(subject.birthDate);
    await gw.gql(SET_CONSENT, { token: tokens.support, variables: { id: subject._id, purpose: 'ANALYTICS', status: 'DENIED', source: 'PHONE' } });
    const after = await read();
    expect(after.body.data?.customer?.birthDate).toBe(subject.birthDate!.slice(0, 4));
    expect(after.body.extensions?.privacy?.redactions['Customer.birthDate']?.CONSENT_DENIED).toBe(1);
  });
});

describe('setConsent: history and attribution', () => {
  it('the rest of the same request already reads the new history (no stale per-request copy)', async () => {
    const subject = await pick();
    const response = await gw.gql(`mutation Twice($id: ID!) {
      before: rectifyCustomer(id: $id, input: { fullName: "Before Choice" }) { consentHistory { purpose status } }
      setConsent(customerId: $id, purpose: PERSONALIZATION, status: WITHDRAWN) { status }
      after: rectifyCustomer(id: $id, input: { fullName: "After Choice" }) { consentHistory { purpose status } }
    }`, { token: tokens.support, variables: { id: subject._id } });
    expect(response.body.errors).toBeUndefined();
    const { before, after } = response.body.data as { before: { consentHistory: unknown[] }; after: { consentHistory: { purpose: string; status: string }[] } };
    expect(after.consentHistory).toHaveLength(before.consentHistory.length + 1);
    expect(after.consentHistory.at(-1)).toEqual({ purpose: 'PERSONALIZATION', status: 'WITHDRAWN' });
  });

  it('records who acted, in which role and through which source; the history keeps every choice, oldest first', async () => {
    const subject = await pick();
    const own = await customerToken(gw, subject._id);
    await gw.gql(SET_CONSENT, { token: own, variables: { id: subject._id, purpose: 'THIRD_PARTY_SHARING', status: 'GRANTED' } });
    await gw.gql(SET_CONSENT, { token: tokens.support, variables: { id: subject._id, purpose: 'THIRD_PARTY_SHARING', status: 'WITHDRAWN' } });
    await gw.gql(SET_CONSENT, { token: tokens.officer, variables: { id: subject._id, purpose: 'THIRD_PARTY_SHARING', status: 'DENIED', source: 'WRITTEN_REQUEST' } });

    const history = await gw.gql(`{ me { consents { purpose status source } consentHistory { purpose status source actor actorRole policyVersion at } } }`, { token: own });
    expect(history.body.errors).toBeUndefined();
    const me = history.body.data?.me;
    expect(me.consents).toContainEqual({ purpose: 'THIRD_PARTY_SHARING', status: 'DENIED', source: 'WRITTEN_REQUEST' });
    const sharing = me.consentHistory.filter((event: { purpose: string }) => event.purpose === 'THIRD_PARTY_SHARING');
    expect(sharing.slice(-3).map(({ at, policyVersion, ...rest }: { at: string; policyVersion: string; [key: string]: string }) => {
      expect(Date.parse(at)).not.toBeNaN();
      expect(policyVersion).toMatch(/\S/);
      return rest;
    })).toEqual([
      { purpose: 'THIRD_PARTY_SHARING', status: 'GRANTED', source: 'SELF_SERVICE', actor: subject._id, actorRole: 'customer' },
      { purpose: 'THIRD_PARTY_SHARING', status: 'WITHDRAWN', source: 'SUPPORT_AGENT', actor: 'sp-1', actorRole: 'support' },
      { purpose: 'THIRD_PARTY_SHARING', status: 'DENIED', source: 'WRITTEN_REQUEST', actor: 'po-1', actorRole: 'privacy_officer' },
    ]);
    // The seeded history of the subject is still there, before ours.
    const seeded = (await consentEvents(gw).find({ subjectId: subject._id }, { sort: { at: 1, _id: 1 } })).slice(0, -3);
    expect(seeded.every((event) => event.at < sharing.at(-3).at)).toBe(true);
    expect(me.consentHistory).toHaveLength(seeded.length + 3);
    // Each choice is audited: who, in which role, which purpose; never the status chosen.
    const audited = await gw.store.collection('audit').find({ subjectIds: subject._id, operation: 'Mutation.setConsent' }, { sort: { _id: 1 } });
    expect(audited.map((event) => [event.actor, event.role, (event.detail as { purpose?: string }).purpose])).toEqual([
      [subject._id, 'customer', 'THIRD_PARTY_SHARING'], ['sp-1', 'support', 'THIRD_PARTY_SHARING'], ['po-1', 'privacy_officer', 'THIRD_PARTY_SHARING'],
    ]);
  });

  it('consentHistory is personal data: support (SUPPORT) reads it, a marketer gets it redacted to null', async () => {
    const subject = await pick({ 'consents.MARKETING.status': 'GRANTED' });
    const query = `query($id: ID!) { customer(id: $id) { consentHistory { purpose status } } }`;
    const bySupport = await gw.gql(query, { token: tokens.support, variables: { id: subject._id } });
    expect(bySupport.body.data?.customer?.consentHistory).toContainEqual({ purpose: 'MARKETING', status: 'GRANTED' });
    const byMarketer = await gw.gql(query, { token: tokens.marketer, purpose: 'MARKETING', variables: { id: subject._id } });
    expect(byMarketer.body.data?.customer?.consentHistory).toBeNull();
    expect(byMarketer.body.extensions?.privacy?.redactions['Customer.consentHistory']?.PURPOSE).toBe(1);
  });
});

describe('setConsent: bad input is refused and writes nothing', () => {
  const long = 'X'.repeat(65);
  const table: [string, Record<string, unknown>, string][] = [
    ['a purpose whose basis is not consent (SUPPORT)', { purpose: 'SUPPORT', status: 'DENIED' }, 'BAD_USER_INPUT'],
    ['a purpose whose basis is not consent (LEGAL_COMPLIANCE)', { purpose: 'LEGAL_COMPLIANCE', status: 'WITHDRAWN' }, 'BAD_USER_INPUT'],
    ['an unknown purpose', { purpose: 'SPAM', status: 'GRANTED' }, 'BAD_USER_INPUT'],
    ['an unknown status', { purpose: 'MARKETING', status: 'MAYBE' }, 'BAD_USER_INPUT'],
    ['a source over 64 characters', { purpose: 'MARKETING', status: 'GRANTED', source: long }, 'BAD_USER_INPUT'],
    ['an empty source', { purpose: 'MARKETING', status: 'GRANTED', source: '  ' }, 'BAD_USER_INPUT'],
    ['a free-text source', { purpose: 'MARKETING', status: 'GRANTED', source: 'told me on the phone' }, 'BAD_USER_INPUT'],
    ['the reserved source GPC', { purpose: 'THIRD_PARTY_SHARING', status: 'GRANTED', source: 'gpc' }, 'BAD_USER_INPUT'],
    ['the reserved source ERASURE', { purpose: 'MARKETING', status: 'WITHDRAWN', source: 'ERASURE' }, 'BAD_USER_INPUT'],
  ];

  it.each(table)('%s → %s', async (_name, variables, code) => {
    const subject = await pick();
    const before = await storedState(gw, subject._id);
    const response = await gw.gql(SET_CONSENT, { token: tokens.officer, variables: { id: subject._id, ...variables } });
    expect(errorCode(response.body)).toBe(code);
    expect(response.body.errors?.[0]?.message).not.toContain(long);
    expect(await storedState(gw, subject._id)).toEqual(before);
  });

  it.each([
    ['an unknown customer', 'cus_doesnotexist'],
    ['an oversized id', 'c'.repeat(5000)],
  ])('%s → BAD_USER_INPUT, no event written', async (_name, id) => {
    const events = await consentEvents(gw).countDocuments({});
    const response = await gw.gql(SET_CONSENT, { token: tokens.support, variables: { id, purpose: 'MARKETING', status: 'GRANTED' } });
    expect(errorCode(response.body)).toBe('BAD_USER_INPUT');
    expect(response.body.errors?.[0]?.message).toBe('No customer with this id');
    expect(await consentEvents(gw).countDocuments({})).toBe(events);
  });

  it('an erased customer → BAD_USER_INPUT, the tombstone unchanged', async () => {
    const subject = await pick();
    const erase = await gw.gql(`mutation($id: ID!) { eraseCustomer(id: $id, reason: "test") { alreadyErased } }`, { token: tokens.officer, variables: { id: subject._id } });
    expect(erase.body.data?.eraseCustomer).toEqual({ alreadyErased: false });
    const before = await storedState(gw, subject._id);
    const response = await gw.gql(SET_CONSENT, { token: tokens.support, variables: { id: subject._id, purpose: 'MARKETING', status: 'GRANTED' } });
    expect(errorCode(response.body)).toBe('BAD_USER_INPUT');
    expect(response.body.errors?.[0]?.message).toBe('This customer has been erased');
    expect(await storedState(gw, subject._id)).toEqual(before);
  });
});

describe('Global Privacy Control (Sec-GPC: 1)', () => {
  const ME = `{ me { id consents { purpose status source } } }`;

  it('a subject\'s request records THIRD_PARTY_SHARING DENIED (source GPC) before it runs, once, and sharing stops at once', async () => {
    const subject = await pick({ 'consents.THIRD_PARTY_SHARING.status': 'GRANTED' });
    const own = await customerToken(gw, subject._id);
    const sharingView = () => gw.gql(`query($id: ID!) { customer(id: $id) { country } }`, { token: tokens.marketer, purpose: 'THIRD_PARTY_SHARING', variables: { id: subject._id } });
    expect((await sharingView()).body.data?.customer?.country).toBe(subject.country);
    const eventsBefore = await consentEvents(gw).countDocuments({ subjectId: subject._id });

    const first = await gw.gql(ME, { token: own, headers: { 'sec-gpc': '1' } });
    expect(first.body.data?.me?.consents).toContainEqual({ purpose: 'THIRD_PARTY_SHARING', status: 'DENIED', source: 'GPC' });
    expect(await consentEvents(gw).countDocuments({ subjectId: subject._id })).toBe(eventsBefore + 1);
    const stored = await customers(gw).findOne({ _id: subject._id });
    expect(stored?.consents.THIRD_PARTY_SHARING).toMatchObject({ status: 'DENIED', source: 'GPC', actor: subject._id });

    const shared = await sharingView();
    expect(shared.body.data?.customer?.country).toBeNull();
    expect(shared.body.extensions?.privacy?.redactions['Customer.country']?.CONSENT_DENIED).toBe(1);

    // Idempotent: the signal on every later request adds nothing.
    for (let i = 0; i < 3; i += 1) await gw.gql(ME, { token: own, headers: { 'sec-gpc': '1' } });
    expect(await consentEvents(gw).countDocuments({ subjectId: subject._id })).toBe(eventsBefore + 1);
    expect((await customers(gw).findOne({ _id: subject._id }))?.consents.THIRD_PARTY_SHARING).toEqual(stored?.consents.THIRD_PARTY_SHARING);
    // Audited once, as the subject's own act.
    const audited = await gw.store.collection('audit').find({ subjectIds: subject._id, operation: 'Signal.GlobalPrivacyControl' });
    expect(audited).toHaveLength(1);
    expect(audited[0]).toMatchObject({ actor: subject._id, role: 'customer', fields: ['Customer.consents'], decision: 'ALLOW' });
  });

  it('a later explicit choice supersedes the signal; the next GPC request records the opt-out again', async () => {
    const subject = await pick();
    const own = await customerToken(gw, subject._id);
    await gw.gql(ME, { token: own, headers: { 'sec-gpc': '1' } });
    await gw.gql(SET_CONSENT, { token: own, variables: { id: subject._id, purpose: 'THIRD_PARTY_SHARING', status: 'GRANTED' } });
    expect((await customers(gw).findOne({ _id: subject._id }))?.consents.THIRD_PARTY_SHARING?.status).toBe('GRANTED');
    await gw.gql(ME, { token: own, headers: { 'sec-gpc': '1' } });
    const history = await consentEvents(gw).find({ subjectId: subject._id, purpose: 'THIRD_PARTY_SHARING', actor: subject._id }, { sort: { at: 1, _id: 1 } });
    expect(history.slice(-3).map((event) => [event.status, event.source])).toEqual([['DENIED', 'GPC'], ['GRANTED', 'SELF_SERVICE'], ['DENIED', 'GPC']]);
  });

  it.each([
    ['a marketer', 'marketer'],
    ['support', 'support'],
  ] as const)('the header from %s (not a data subject) records nothing', async (_name, role) => {
    const subject = await pick({ 'consents.THIRD_PARTY_SHARING.status': 'GRANTED' });
    const before = await storedState(gw, subject._id);
    const purpose = role === 'marketer' ? 'MARKETING' : 'SUPPORT';
    const response = await gw.gql(MARKETER_VIEW, { token: tokens[role], purpose, variables: { id: subject._id }, headers: { 'sec-gpc': '1' } });
    expect(response.body.errors).toBeUndefined();
    expect(await storedState(gw, subject._id)).toEqual(before);
  });

  it('Sec-GPC: 0 records nothing', async () => {
    const subject = await pick({ 'consents.THIRD_PARTY_SHARING.status': 'GRANTED' });
    const before = await storedState(gw, subject._id);
    await gw.gql(ME, { token: await customerToken(gw, subject._id), headers: { 'sec-gpc': '0' } });
    expect(await storedState(gw, subject._id)).toEqual(before);
  });
});
