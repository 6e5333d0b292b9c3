/**
 * Durability of data-subject writes on the embedded store: an acknowledged consent change,
 * rectification or erasure survives `kill -9` of the real server process and a restart on the same
 * data directory. The server runs as its own process (`node --import tsx src/index.ts`, one process,
 * so SIGKILL hits the server itself), killed the moment the last response arrives.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { mintToken, secretKey } from '../../src/auth/tokens';
import { gql, JWT_SECRET, killAll, killHard, ROOT, startGateway, type GqlResult } from './gatewayProcess';

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

describe('the audit of answered requests survives kill -9 (written by the store\'s writer thread)', () => {
  const auditDir = mkdtempSync(join(tmpdir(), 'pg-durability-audit-'));
  afterAll(() => rmSync(auditDir, { recursive: true, force: true }));

  it('the process is killed the moment the last of many concurrent replies arrives: every answered request has its events, and the chain verifies', async () => {
    const key = secretKey(JWT_SECRET);
    const officer = await mintToken({ role: 'privacy_officer', purposes: ['LEGAL_COMPLIANCE'], sub: 'po-durable' }, key);
    const marketer = await mintToken({ role: 'marketer', purposes: ['MARKETING'], sub: 'mk-durable' }, key);
    const support = await mintToken({ role: 'support', purposes: ['SUPPORT'], sub: 'sp-durable' }, key);
    const first = await startGateway({ DATA_DIR: auditDir });
    const page = await gql(first, officer, '{ customers(first: 60) { edges { node { id } } } }', {}, 'LEGAL_COMPLIANCE');
    const ids = page.data!.customers.edges.map((edge: { node: { id: string } }) => edge.node.id) as string[];

    // Pages of 60 subjects (one event each, 60 subject ids) and single records, all at once, so that
    // several batches are in flight on the writer at the instant of the kill.
    const requests: Promise<GqlResult>[] = Array.from({ length: 40 }, (_, i) => (i % 4 === 0
      ? gql(first, marketer, '{ customers(first: 60) { edges { node { id email } } } }', {}, 'MARKETING')
      : gql(first, support, 'query($id: ID!) { customer(id: $id) { id email } }', { id: ids[i]! }, 'SUPPORT')));
    const answered = await Promise.all(requests);
    await killHard(first);
    expect(answered.every((result) => result.errors === undefined && result.requestId !== null)).toBe(true);

    const second = await startGateway({ DATA_DIR: auditDir });
    try {
      for (const [i, result] of answered.entries()) {
        const events = await gql(second, officer, 'query($r: String) { auditEvents(filter: { requestId: $r }) { edges { node { subjectIds } } } }', { r: result.requestId }, 'LEGAL_COMPLIANCE');
        const nodes = events.data!.auditEvents.edges.map((edge: { node: { subjectIds: string[] } }) => edge.node);
        expect(nodes, `request ${i}`).toHaveLength(1);
        expect(nodes[0].subjectIds).toHaveLength(i % 4 === 0 ? 60 : 1);
      }
    } finally {
      await killHard(second);
    }
    const verified = await promisify(execFile)('npx', ['tsx', 'src/audit/verifyCli.ts'], { cwd: ROOT, env: { ...process.env, MONGODB_URI: '', DATA_DIR: auditDir, LOG_LEVEL: 'silent' } });
    expect(JSON.parse(verified.stdout)).toMatchObject({ ok: true, firstBrokenAt: null });
    expect(JSON.parse(verified.stdout).checked).toBeGreaterThanOrEqual(answered.length);
  }, 120_000);
});
