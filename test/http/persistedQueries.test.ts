/**
 * No information crosses callers through persisted queries. Automatic persisted queries are off: a
 * document registered by one caller (with its hash) can be neither replayed nor probed by another
 * caller of the same role, of another role, or by the same caller. Every hash-only request gets the
 * same answer, so whether a hash was ever seen is not observable.
 */
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { customerDocument, insertCustomers } from '../helpers/fixtures';
import { startTestGateway, type TestGateway } from '../helpers/gateway';

const SUBJECT = customerDocument('cus_apq_subject', {});
const QUERY = `{ customer(email: "${SUBJECT.email as string}") { id fullName } }`;
const HASH = createHash('sha256').update(QUERY).digest('hex');
const UNKNOWN_HASH = createHash('sha256').update('{ __typename }#never-sent').digest('hex');

let gw: TestGateway;
let support: string;
let otherSupport: string;
let officer: string;

async function post(token: string, purpose: string, body: Record<string, unknown>) {
  const response = await fetch(`${gw.url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}`, 'x-purpose': purpose },
    body: JSON.stringify(body),
  });
  return { status: response.status, text: await response.text() };
}

async function get(token: string, purpose: string, hash: string) {
  const url = new URL(`${gw.url}/graphql`);
  url.searchParams.set('extensions', JSON.stringify({ persistedQuery: { version: 1, sha256Hash: hash } }));
  const response = await fetch(url, { headers: { authorization: `Bearer ${token}`, 'x-purpose': purpose, 'apollo-require-preflight': 'true' } });
  return { status: response.status, text: await response.text() };
}

const persisted = (hash: string) => ({ extensions: { persistedQuery: { version: 1, sha256Hash: hash } } });

beforeAll(async () => {
  gw = await startTestGateway({ customers: 10 });
  await insertCustomers(gw, [SUBJECT]);
  support = await gw.token({ role: 'support', purposes: ['SUPPORT'], sub: 'sp-1' });
  otherSupport = await gw.token({ role: 'support', purposes: ['SUPPORT'], sub: 'sp-2' });
  officer = await gw.token({ role: 'privacy_officer', purposes: ['LEGAL_COMPLIANCE'], sub: 'po-1' });
  // Support tries to register the document under its hash (what an APQ client does).
  await post(support, 'SUPPORT', { query: QUERY, ...persisted(HASH) });
});
afterAll(async () => gw?.close());

describe('automatic persisted queries are off', () => {
  it('a plain query still works', async () => {
    const plain = await post(support, 'SUPPORT', { query: QUERY });
    expect(JSON.parse(plain.text)).toMatchObject({ data: { customer: { id: SUBJECT._id } } });
  });

  it.each([
    ['the same support caller', () => support, 'SUPPORT'],
    ['another support caller', () => otherSupport, 'SUPPORT'],
    ['the privacy officer', () => officer, 'LEGAL_COMPLIANCE'],
  ])('%s cannot replay or probe the hash another request sent', async (_name, token, purpose) => {
    const replay = await post(token(), purpose, persisted(HASH));
    const probe = await post(token(), purpose, persisted(UNKNOWN_HASH));
    const replayByGet = await get(token(), purpose, HASH);
    for (const attempt of [replay, replayByGet]) {
      expect(attempt.text).not.toContain(SUBJECT._id);
      expect(attempt.text).not.toContain(SUBJECT.fullName as string);
      const body = JSON.parse(attempt.text) as { data?: unknown; errors?: { extensions?: { code?: string } }[] };
      expect(body.data ?? null).toBeNull();
      expect(body.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    }
    // A seen hash and a never-seen hash are answered identically: nothing to probe.
    expect(replay).toEqual(probe);
  });

  it('sending a document with a hash does not register anything either', async () => {
    const registered = await post(otherSupport, 'SUPPORT', { query: QUERY, ...persisted(HASH) });
    const body = JSON.parse(registered.text) as { data?: unknown; errors?: { extensions?: { code?: string } }[] };
    expect(body.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect(registered.text).not.toContain(SUBJECT._id);
  });
});
