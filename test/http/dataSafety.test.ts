/**
 * The embedded store never loses data, through the real gateway process:
 * - data it cannot read (unreadable file, truncated file, the previous format) stops start-up with a
 *   message naming the file, and the file is left exactly as it was;
 * - `kill -9` in the middle of a write load loses no acknowledged consent change, erasure or audit event;
 * - a full disk answers errors to writers, loses nothing acknowledged, and the gateway carries on
 *   once space is back (a 6 MiB tmpfs; needs root to mount it).
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, closeSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, truncateSync, writeFileSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { mintToken, secretKey } from '../../src/auth/tokens';
import { EmbeddedStore } from '../../src/store/embedded';
import { DATABASE_FILE } from '../../src/store/sqlite/dataFiles';
import { PEOPLE } from '../store/backends';
import { failedStart, gql, JWT_SECRET, killAll, killHard, startGateway, type GatewayProcess } from './gatewayProcess';

const dirs: string[] = [];
function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'pg-safety-'));
  dirs.push(dir);
  return dir;
}
afterAll(() => {
  killAll();
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

const key = secretKey(JWT_SECRET);
const token = (role: 'privacy_officer' | 'support', purposes: string[], sub: string) => mintToken({ role, purposes: purposes as never, sub }, key);
const SET_CONSENT = 'mutation($id: ID!, $purpose: Purpose!, $status: ConsentStatus!) { setConsent(customerId: $id, purpose: $purpose, status: $status) { status } }';
const ERASE = 'mutation($id: ID!) { eraseCustomer(id: $id, reason: "data safety test") { erasedAt } }';
const hash = (path: string) => createHash('sha256').update(readFileSync(path)).digest('hex');

describe('data that cannot be read stops start-up, naming the file', () => {
  async function dirWithData(): Promise<string> {
    const dir = tempDir();
    chmodSync(dir, 0o755);
    const store = await EmbeddedStore.open({ dataDir: dir });
    await store.collection('customers').insertMany(PEOPLE);
    await store.close();
    return dir;
  }

  it.each<[string, (dir: string) => string, number | undefined, RegExp]>([
    ['a database file this user cannot read', (dir) => {
      chmodSync(join(dir, DATABASE_FILE), 0o600);
      return join(dir, DATABASE_FILE);
    }, 65534, /cannot be read/],
    ['a truncated database file', (dir) => {
      truncateSync(join(dir, DATABASE_FILE), 4096 * 2 + 100);
      return join(dir, DATABASE_FILE);
    }, undefined, /is truncated/],
    ['the previous format (a 700 MB snapshot would be refused the same way)', (dir) => {
      writeFileSync(join(dir, 'snapshot.jsonl'), 'deadbeef\t{"c":"customers","d":{"_id":"x"}}\n');
      return join(dir, 'snapshot.jsonl');
    }, undefined, /npm run store:migrate/],
  ])('%s', async (_name, damage, uid, reason) => {
    const dir = await dirWithData();
    const file = damage(dir);
    const before = hash(file);
    const exited = await failedStart({ DATA_DIR: dir }, uid);
    expect(exited.code).toBe(1);
    expect(exited.stderr).toContain(file);
    expect(exited.stderr).toMatch(reason);
    expect(hash(file)).toBe(before);
  }, 60_000);
});

interface Acked { subject: string; purpose: string; status: string }

describe('kill -9 during a write load', () => {
  it('loses no acknowledged consent change, erasure or audit event', async () => {
    const dataDir = tempDir();
    const officer = await token('privacy_officer', ['LEGAL_COMPLIANCE'], 'po-safety');
    const support = await token('support', ['SUPPORT'], 'sp-safety');
    const first = await startGateway({ DATA_DIR: dataDir });
    const page = await gql(first, officer, '{ customers(first: 60) { edges { node { id } } } }', {}, 'LEGAL_COMPLIANCE');
    const ids = page.data!.customers.edges.map((edge: { node: { id: string } }) => edge.node.id) as string[];

    const acked: Acked[] = [];
    const inFlight = new Map<string, string>();
    const erased: string[] = [];
    const requestIds: string[] = [];
    let stop = false;
    const consentWorker = async (subjects: string[]) => {
      for (let i = 0; !stop; i += 1) {
        const subject = subjects[i % subjects.length]!;
        const purpose = ['MARKETING', 'PERSONALIZATION', 'ANALYTICS'][i % 3]!;
        const status = i % 2 === 0 ? 'GRANTED' : 'WITHDRAWN';
        inFlight.set(`${subject}/${purpose}`, status);
        const result = await gql(first, support, SET_CONSENT, { id: subject, purpose, status }, 'SUPPORT').catch(() => null);
        if (result === null) return; // the server died with this request in flight
        expect(result.errors).toBeUndefined();
        inFlight.delete(`${subject}/${purpose}`);
        acked.push({ subject, purpose, status });
        requestIds.push(result.requestId!);
      }
    };
    const erasureWorker = async (subjects: string[]) => {
      for (const subject of subjects) {
        if (stop) return;
        const result = await gql(first, officer, ERASE, { id: subject }, 'LEGAL_COMPLIANCE').catch(() => null);
        if (result === null) return;
        expect(result.errors).toBeUndefined();
        erased.push(subject);
        requestIds.push(result.requestId!);
      }
    };
    const workers = [0, 1, 2, 3].map((w) => consentWorker(ids.slice(w * 10, w * 10 + 10)));
    workers.push(erasureWorker(ids.slice(40, 60)));
    while (acked.length + erased.length < 80) await new Promise((resolve) => setTimeout(resolve, 20));
    await killHard(first); // requests still in flight at this instant have unknown outcome
    stop = true;
    await Promise.all(workers);
    expect(erased.length).toBeGreaterThan(0);

    const second = await startGateway({ DATA_DIR: dataDir });
    try {
      const lastAcked = new Map<string, string>();
      for (const change of acked) lastAcked.set(`${change.subject}/${change.purpose}`, change.status);
      for (const [pair, status] of lastAcked) {
        const [subject, purpose] = pair.split('/') as [string, string];
        const read = await gql(second, officer, 'query($id: ID!) { customer(id: $id) { consents { purpose status } consentHistory { purpose status source } } }', { id: subject }, 'LEGAL_COMPLIANCE');
        const current = read.data!.customer.consents.find((consent: { purpose: string }) => consent.purpose === purpose)?.status;
        expect([status, inFlight.get(pair)]).toContain(current);
        const history = read.data!.customer.consentHistory
          .filter((event: { purpose: string; source: string }) => event.purpose === purpose && event.source === 'SUPPORT_AGENT')
          .map((event: { status: string }) => event.status);
        const expected = acked.filter((change) => `${change.subject}/${change.purpose}` === pair).map((change) => change.status);
        expect(history.slice(0, expected.length)).toEqual(expected);
      }
      for (const subject of erased) {
        const gone = await gql(second, officer, 'query($id: ID!) { customer(id: $id) { id } }', { id: subject }, 'LEGAL_COMPLIANCE');
        expect(gone.data!.customer).toBeNull();
      }
      for (const requestId of requestIds) {
        const events = await gql(second, officer, 'query($r: String) { auditEvents(filter: { requestId: $r }) { totalCount } }', { r: requestId }, 'LEGAL_COMPLIANCE');
        expect(events.data!.auditEvents.totalCount, requestId).toBeGreaterThan(0);
      }
    } finally {
      await killHard(second);
    }
  }, 180_000);
});

const isRoot = process.getuid?.() === 0;

describe('a full disk', () => {
  it.runIf(isRoot)('answers errors to writers, loses nothing acknowledged, and recovers when space is back', async () => {
    const mount = tempDir();
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=6m', 'tmpfs', mount]);
    let server: GatewayProcess | null = null;
    try {
      const dataDir = join(mount, 'data');
      mkdirSync(dataDir);
      const support = await token('support', ['SUPPORT'], 'sp-full');
      const officer = await token('privacy_officer', ['LEGAL_COMPLIANCE'], 'po-full');
      server = await startGateway({ DATA_DIR: dataDir });
      const page = await gql(server, officer, '{ customers(first: 30) { edges { node { id } } } }', {}, 'LEGAL_COMPLIANCE');
      const ids = page.data!.customers.edges.map((edge: { node: { id: string } }) => edge.node.id) as string[];
      const acked = new Map<string, string>();
      const ackedRequests: string[] = [];
      const write = async (i: number) => {
        const id = ids[i % ids.length]!;
        const status = i % 2 === 0 ? 'GRANTED' : 'DENIED';
        const result = await gql(server!, support, SET_CONSENT, { id, purpose: 'MARKETING', status }, 'SUPPORT');
        if (result.errors === undefined) {
          acked.set(id, status);
          ackedRequests.push(result.requestId!);
        }
        return result;
      };
      for (let i = 0; i < 10; i += 1) expect((await write(i)).errors).toBeUndefined();

      // Fill the file system to the last byte.
      const filler = join(mount, 'filler');
      const fd = openSync(filler, 'w');
      try {
        for (;;) writeSync(fd, Buffer.alloc(64 * 1024, 1));
      } catch (error) {
        expect((error as NodeJS.ErrnoException).code).toBe('ENOSPC');
      } finally {
        closeSync(fd);
      }
      const codes: string[] = [];
      for (let i = 10; i < 60; i += 1) {
        const result = await write(i);
        if (result.errors !== undefined) codes.push(result.errors[0]!.extensions!.code!);
      }
      expect(codes.length).toBeGreaterThan(0);
      expect(new Set(codes)).toEqual(new Set(['INTERNAL_SERVER_ERROR']));
      const health = await fetch(`${server.url}/healthz`);
      expect(health.status).toBe(200);

      rmSync(filler);
      expect((await write(61)).errors).toBeUndefined();
      await killHard(server);
      server = await startGateway({ DATA_DIR: dataDir });
      for (const [id, status] of acked) {
        const read = await gql(server, officer, 'query($id: ID!) { customer(id: $id) { consents { purpose status } } }', { id }, 'LEGAL_COMPLIANCE');
        expect(read.data!.customer.consents).toContainEqual({ purpose: 'MARKETING', status });
      }
      // The audit too: every acknowledged request's events, and one chain across the failed writes.
      for (const requestId of ackedRequests) {
        const events = await gql(server, officer, 'query($r: String) { auditEvents(filter: { requestId: $r }) { totalCount } }', { r: requestId }, 'LEGAL_COMPLIANCE');
        expect(events.data!.auditEvents.totalCount, requestId).toBeGreaterThan(0);
      }
      const chain = await gql(server, officer, '{ verifyAuditChain { ok firstBrokenAt { sequence reason } } }', {}, 'LEGAL_COMPLIANCE');
      expect(chain.data!.verifyAuditChain).toEqual({ ok: true, firstBrokenAt: null });
    } finally {
      if (server !== null) await killHard(server);
      execFileSync('umount', [mount]);
    }
  }, 180_000);
});
