/**
 * Durability of data-subject writes on the embedded store: an acknowledged consent change,
 * rectification or erasure survives `kill -9` of the real server process and a restart on the same
 * data directory. The server runs as its own process (`node --import tsx src/index.ts`, one process,
 * so SIGKILL hits the server itself), killed the moment the last response arrives.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { mintToken, secretKey } from '../../src/auth/tokens';
import { gql, JWT_SECRET, killAll, killHard, startGateway } from './gatewayProcess';

const dataDir = mkdtempSync(join(tmpdir(), 'pg-durability-'));
const startServer = () => startGateway({ DATA_DIR: dataDir });

afterAll(() => {
  killAll();
  rmSync(dataDir, { recursive: true, force: true });
});

describe('acknowledged subject writes survive kill -9', () => {
  it('consent changes (history included), a rectification and an erasure are all there after a restart', async () => {
    const key = secretKey(JWT_SECRET);
    const officer = await mintToken({ role: 'privacy_officer', purposes: ['LEGAL_COMPLIANCE'], sub: 'po-durable' }, key);
    const support = await mintToken({ role: 'support', purposes: ['SUPPORT'], sub: 'sp-durable' }, key);

    const first = await startServer();
    const page = await gql(first, officer, `{ customers(first: 12) { edges { node { id email consents { purpose status } } } } }`);
    const subjects = page.data?.customers.edges.map((edge: { node: { id: string } }) => edge.node.id) as string[];
    expect(subjects).toHaveLength(12);
    const [consenting, rectified, erased, ...many] = subjects as [string, string, string, ...string[]];

    // One subject changes its mind twice; nine others each grant PERSONALIZATION, all at once.
    const own = await mintToken({ role: 'customer', purposes: [], sub: consenting }, key);
    const setConsent = `mutation($id: ID!, $purpose: Purpose!, $status: ConsentStatus!) { setConsent(customerId: $id, purpose: $purpose, status: $status) { status } }`;
    expect((await gql(first, own, setConsent, { id: consenting, purpose: 'MARKETING', status: 'GRANTED' })).errors).toBeUndefined();
    expect((await gql(first, own, setConsent, { id: consenting, purpose: 'MARKETING', status: 'WITHDRAWN' })).errors).toBeUndefined();
    const concurrent = await Promise.all(many.map((id) => gql(first, support, setConsent, { id, purpose: 'PERSONALIZATION', status: 'GRANTED' })));
    expect(concurrent.every((response) => response.errors === undefined)).toBe(true);
    const rectify = await gql(first, support, `mutation($id: ID!) { rectifyCustomer(id: $id, input: { email: "durable@example.org" }) { id } }`, { id: rectified });
    expect(rectify.errors).toBeUndefined();
    const erase = await gql(first, officer, `mutation($id: ID!) { eraseCustomer(id: $id, reason: "durability") { erasedAt } }`, { id: erased });
    expect(erase.errors).toBeUndefined();
    await killHard(first);

    const second = await startServer();
    try {
      const history = await gql(second, officer, `query($id: ID!) { customer(id: $id) { consents { purpose status source } consentHistory { purpose status actor } } }`, { id: consenting });
      expect(history.data?.customer.consents).toContainEqual({ purpose: 'MARKETING', status: 'WITHDRAWN', source: 'SELF_SERVICE' });
      expect(history.data?.customer.consentHistory.slice(-2)).toEqual([
        { purpose: 'MARKETING', status: 'GRANTED', actor: consenting },
        { purpose: 'MARKETING', status: 'WITHDRAWN', actor: consenting },
      ]);
      for (const id of many) {
        const after = await gql(second, officer, `query($id: ID!) { customer(id: $id) { consents { purpose status source } } }`, { id });
        expect(after.data?.customer.consents).toContainEqual({ purpose: 'PERSONALIZATION', status: 'GRANTED', source: 'SUPPORT_AGENT' });
      }
      const lookup = await gql(second, support, `{ customer(email: "durable@example.org") { id } }`);
      expect(lookup.data?.customer).toEqual({ id: rectified });
      const gone = await gql(second, officer, `query($id: ID!) { customer(id: $id) { id } }`, { id: erased });
      expect(gone.data?.customer).toBeNull();
      const exported = await gql(second, officer, `mutation($id: ID!) { exportCustomerData(id: $id) }`, { id: erased });
      expect(exported.data?.exportCustomerData).toMatchObject({ status: 'ERASED', record: null, erasure: { erasedAt: erase.data?.eraseCustomer.erasedAt } });
    } finally {
      await killHard(second);
    }
  }, 120_000);
});
