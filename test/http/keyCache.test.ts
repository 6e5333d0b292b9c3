/**
 * The process-wide cache of unwrapped data keys and decrypted values, through the real gateway:
 * only fields a request reads are decrypted; cached answers equal the stored data; erasure removes
 * the subject from the cache at once, and a ciphertext of the erased subject put back into the store
 * (a restored backup) no longer reads on the next request — it is not served from memory.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EncryptedStore } from '../../src/store/encryption/encryptedStore';
import { generateDemoData } from '../../src/store/seed';
import { startTestGateway, type TestGateway } from '../helpers/gateway';

const COUNT = 60;
const demo = [...generateDemoData(COUNT).customers].sort((a, b) => (a._id < b._id ? -1 : 1));
const ERASE = `mutation($id: ID!) { eraseCustomer(id: $id, reason: "subject request") { customerId } }`;
const ONE = `query($id: ID!) { customer(id: $id) { id email phone fullName } }`;

let gw: TestGateway;
let officer: string;
let store: EncryptedStore;

beforeAll(async () => {
  gw = await startTestGateway({ customers: COUNT });
  officer = await gw.token({ role: 'privacy_officer', purposes: ['LEGAL_COMPLIANCE'], sub: 'po-cache' });
  if (!(gw.store instanceof EncryptedStore)) throw new Error('the test gateway must encrypt at rest');
  store = gw.store;
});
afterAll(async () => gw?.close());

const page = (fields: string) => gw.gql(`{ customers(first: 10) { edges { node { ${fields} } } } }`, { token: officer, purpose: 'LEGAL_COMPLIANCE' });

describe('decryption on read', () => {
  it('decrypts nothing when no encrypted field is selected, and only the selected subjects when one is', async () => {
    store.subjectCache.clear();
    const ids = await page('id country loyaltyTier');
    expect(ids.body.errors).toBeUndefined();
    expect(store.subjectCache.size).toBe(0);

    const emails = await page('id email');
    expect(store.subjectCache.size).toBe(10);
    expect(emails.body.data!.customers.edges.map((edge: { node: { email: string } }) => edge.node.email)).toEqual(demo.slice(0, 10).map((c) => c.email));
  });

  it('answers from the cache exactly what is stored, request after request', async () => {
    const first = await page('id email phone fullName birthDate postalCode');
    const second = await page('id email phone fullName birthDate postalCode');
    expect(second.body).toEqual(first.body);
    expect(first.body.data!.customers.edges[3].node).toEqual({
      id: demo[3]!._id, email: demo[3]!.email, phone: demo[3]!.phone, fullName: demo[3]!.fullName, birthDate: demo[3]!.birthDate, postalCode: demo[3]!.postalCode,
    });
  });
});

describe('erasure clears the cache at once', () => {
  it('drops the erased subject from the cache and never decrypts its old ciphertext again', async () => {
    const target = demo[5]!;
    const raw = store.inner.collection('customers');
    const sealed = await raw.findOne({ _id: target._id });
    expect(String(sealed!.email)).toMatch(/^pgenc:v1:/);

    const before = await gw.gql(ONE, { token: officer, purpose: 'LEGAL_COMPLIANCE', variables: { id: target._id } });
    expect(before.body.data!.customer.email).toBe(target.email);
    expect(store.subjectCache.holds(target._id)).toBe(true);

    const erased = await gw.gql(ERASE, { token: officer, purpose: 'LEGAL_COMPLIANCE', variables: { id: target._id } });
    expect(erased.body.errors).toBeUndefined();
    expect(store.subjectCache.holds(target._id)).toBe(false);

    // A restored backup puts the old ciphertexts back and lifts the tombstone: the key is gone
    // from disk and from memory, so the values read as null.
    await raw.updateOne({ _id: target._id }, { $set: { email: sealed!.email, phone: sealed!.phone, fullName: sealed!.fullName }, $unset: { erasedAt: '' } });
    const after = await gw.gql(ONE, { token: officer, purpose: 'LEGAL_COMPLIANCE', variables: { id: target._id } });
    expect(after.body.data).toEqual({ customer: { id: target._id, email: null, phone: null, fullName: null } });
    expect(store.subjectCache.holds(target._id)).toBe(false);

    // Everyone else still reads.
    const neighbour = await gw.gql(ONE, { token: officer, purpose: 'LEGAL_COMPLIANCE', variables: { id: demo[6]!._id } });
    expect(neighbour.body.data!.customer.email).toBe(demo[6]!.email);
  });
});

describe('DECRYPTION_CACHE_SUBJECTS=0', () => {
  it('keeps nothing in memory and still reads every value', async () => {
    const uncached = await startTestGateway({ customers: 20, env: { DECRYPTION_CACHE_SUBJECTS: '0' } });
    try {
      const token = await uncached.token({ role: 'privacy_officer', purposes: ['LEGAL_COMPLIANCE'], sub: 'po-nocache' });
      const query = '{ customers(first: 20) { edges { node { id email phone fullName } } } }';
      const first = await uncached.gql(query, { token, purpose: 'LEGAL_COMPLIANCE' });
      const second = await uncached.gql(query, { token, purpose: 'LEGAL_COMPLIANCE' });
      const expected = [...generateDemoData(20).customers].sort((a, b) => (a._id < b._id ? -1 : 1))
        .map((c) => ({ node: { id: c._id, email: c.email, phone: c.phone, fullName: c.fullName } }));
      expect(first.body.data!.customers.edges).toEqual(expected);
      expect(second.body).toEqual(first.body);
      expect((uncached.store as EncryptedStore).subjectCache.size).toBe(0);
    } finally {
      await uncached.close();
    }
  });
});
