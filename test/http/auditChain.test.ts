/**
 * Tamper evidence and durability of the audit trail, through the real server: the chain verifies
 * after concurrent traffic, any edit or removal of a stored event is reported at the first broken
 * link (by the query and by `npm run audit:verify`), and a request whose audit cannot be stored
 * answers INTERNAL_SERVER_ERROR with no personal data.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/config';
import { createLogger } from '../../src/config/logger';
import { createGateway, type Gateway } from '../../src/server/createGateway';
import { mintToken, secretKey } from '../../src/auth/tokens';
import { buildGatewaySchema } from '../../src/server/buildSchema';
import { openStore } from '../../src/store/openStore';

/** The schema and policy, compiled once for this test file as the gateway's entry point compiles them. */
const COMPILED = buildGatewaySchema();
import type { Collection, Store } from '../../src/store/port';
import { hashAuditEvent, type AuditEventDocument } from '../../src/audit/auditEvent';
import { roleTokens, startTestGateway, storeEnv, type TestGateway } from '../helpers/gateway';

const run = promisify(execFile);
const CHAIN = '{ verifyAuditChain { ok checked firstBrokenAt { id sequence reason } headSequence headHash } }';
const AUDIT_COUNT = '{ auditEvents(first: 0) { totalCount } }';

async function officer(gw: TestGateway) {
  return (await roleTokens(gw)).officer;
}

/** Some traffic: concurrent PII reads by two roles and some denials; each request leaves one event. */
async function traffic(gw: TestGateway, requests: number): Promise<void> {
  const tokens = await roleTokens(gw);
  await Promise.all(Array.from({ length: requests }, (_, i) => {
    if (i % 5 === 4) return gw.gql('{ customers(first: 1) { totalCount } }', { token: tokens.partner });
    const [token, purpose] = i % 2 === 0 ? [tokens.marketer, 'MARKETING'] : [tokens.analyst, 'ANALYTICS'];
    return gw.gql(`{ customers(first: ${1 + (i % 4)}) { edges { node { id email } } } }`, { token, purpose });
  }));
}

async function chainReport(gw: TestGateway) {
  const response = await gw.gql(CHAIN, { token: await officer(gw), purpose: 'LEGAL_COMPLIANCE' });
  expect(response.body.errors).toBeUndefined();
  return response.body.data!.verifyAuditChain;
}

describe('a clean chain', () => {
  let gw: TestGateway;
  beforeAll(async () => { gw = await startTestGateway({ customers: 60 }); });
  afterAll(async () => gw?.close());

  it('verifies after concurrent requests: contiguous sequence, each event linked to the one before', async () => {
    await traffic(gw, 40);
    const total = (await gw.gql(AUDIT_COUNT, { token: await officer(gw), purpose: 'LEGAL_COMPLIANCE' })).body.data!.auditEvents.totalCount;
    expect(total).toBe(40);
    const events = await gw.store.collection('audit').find({}, { sort: { _id: 1 } });
    expect(events.map((event) => event.seq)).toEqual(Array.from({ length: events.length }, (_, i) => i + 1));
    for (let i = 1; i < events.length; i += 1) expect(events[i]!.prevHash).toBe(events[i - 1]!.hash);
    expect(await chainReport(gw)).toEqual({ ok: true, checked: events.length, firstBrokenAt: null, headSequence: events.length, headHash: events.at(-1)!.hash });
  });
});

describe('tampering with stored events', () => {
  let gw: TestGateway;
  let audit: Collection<AuditEventDocument>;
  beforeAll(async () => {
    gw = await startTestGateway({ customers: 60, dataDir: mkdtempSync(join(tmpdir(), 'pg-audit-chain-')) });
    audit = gw.store.collection<AuditEventDocument>('audit');
    await traffic(gw, 20);
  });
  afterAll(async () => {
    await gw?.close();
    if (gw) rmSync(gw.dataDir, { recursive: true, force: true });
  });

  it('an edited event breaks the chain at that event (HASH_MISMATCH)', async () => {
    expect((await chainReport(gw)).ok).toBe(true);
    const victim = (await audit.find({ subjectIds: { $size: 1 } }, { sort: { _id: 1 }, limit: 1 }))[0]!;
    await audit.updateOne({ _id: victim._id }, { $set: { subjectIds: ['cus_someone_else'] } });
    expect(await chainReport(gw)).toMatchObject({ ok: false, checked: victim.seq, firstBrokenAt: { id: victim._id, sequence: victim.seq, reason: 'HASH_MISMATCH' } });
    await audit.replaceOne({ _id: victim._id }, victim);
    expect((await chainReport(gw)).ok).toBe(true);
  });

  it('an edit that also recomputes the event hash breaks the next link (PREVIOUS_HASH_MISMATCH)', async () => {
    const victim = (await audit.find({}, { sort: { _id: 1 }, skip: 3, limit: 1 }))[0]!;
    const forged = { ...victim, actor: 'innocent-bystander' };
    forged.hash = hashAuditEvent(forged);
    await audit.replaceOne({ _id: victim._id }, forged);
    const report = await chainReport(gw);
    expect(report).toMatchObject({ ok: false, firstBrokenAt: { sequence: victim.seq + 1, reason: 'PREVIOUS_HASH_MISMATCH' } });
    await audit.replaceOne({ _id: victim._id }, victim);
  });

  it('a removed event shows as a sequence gap', async () => {
    const victim = (await audit.find({}, { sort: { _id: 1 }, skip: 5, limit: 1 }))[0]!;
    await audit.deleteOne({ _id: victim._id });
    expect(await chainReport(gw)).toMatchObject({ ok: false, checked: victim.seq, firstBrokenAt: { sequence: victim.seq + 1, reason: 'SEQUENCE_GAP' } });
    await audit.insertOne(victim);
    expect((await chainReport(gw)).ok).toBe(true);
  });

  it('npm run audit:verify reports the same, on a stopped gateway\'s DATA_DIR, with its exit status', async () => {
    const victim = (await audit.find({}, { sort: { _id: 1 }, skip: 2, limit: 1 }))[0]!;
    await audit.updateOne({ _id: victim._id }, { $set: { decision: 'ALLOW', fields: [] } });
    const expected = await chainReport(gw);
    const total = await audit.countDocuments({});
    await gw.gateway.close();
    const env = { ...process.env, NODE_ENV: 'test', ...storeEnv(gw.dataDir), LOG_LEVEL: 'silent' };
    const failed = await run('npx', ['tsx', 'src/audit/verifyCli.ts'], { env }).then(() => null, (error: { code: number; stdout: string }) => error);
    expect(failed?.code).toBe(1);
    expect(JSON.parse(failed!.stdout)).toEqual(expected);
    expect(expected.firstBrokenAt).toEqual({ id: victim._id, sequence: victim.seq, reason: 'HASH_MISMATCH' });
    await audit.replaceOne({ _id: victim._id }, victim);
    await gw.store.close();
    const clean = await run('npx', ['tsx', 'src/audit/verifyCli.ts'], { env });
    expect(JSON.parse(clean.stdout)).toMatchObject({ ok: true, firstBrokenAt: null, checked: total, headSequence: total });
  }, 60_000);
});

/** The real gateway over a store whose `audit` collection refuses writes while `failing.on`. */
async function gatewayWithFlakyAudit(failing: { on: boolean }) {
  const dataDir = mkdtempSync(join(tmpdir(), 'pg-audit-fail-'));
  const config = loadConfig({ NODE_ENV: 'test', LOG_LEVEL: 'silent', PORT: '0', DATA_DIR: dataDir, DEMO_CUSTOMERS: '40' });
  const logger = createLogger(config);
  const store = await openStore(config, logger, COMPILED.policy);
  const refuse = async () => { throw new Error('disk full'); };
  const flaky = new Proxy(store, {
    get(target, property) {
      if (property !== 'collection') return Reflect.get(target, property, target);
      return (name: Parameters<Store['collection']>[0]) => {
        const collection = target.collection(name);
        if (name !== 'audit') return collection;
        return new Proxy(collection, {
          get: (inner, key) => (failing.on && (key === 'insertMany' || key === 'insertOne' || key === 'insertChained') ? refuse : Reflect.get(inner, key, inner)),
        });
      };
    },
  });
  const gateway: Gateway = await createGateway({ config, store: flaky, logger, compiled: COMPILED });
  const url = await gateway.app.listen({ port: 0, host: '127.0.0.1' });
  const key = secretKey(config.jwtSecret);
  return {
    store, url,
    token: (role: 'privacy_officer' | 'support', purposes: string[]) => mintToken({ role, purposes: purposes as never, sub: `${role}-1` }, key),
    async close() { await gateway.close(); await store.close(); rmSync(dataDir, { recursive: true, force: true }); },
  };
}

describe('when the audit cannot be stored, the request fails closed', () => {
  const failing = { on: false };
  let gw: Awaited<ReturnType<typeof gatewayWithFlakyAudit>>;
  beforeAll(async () => { gw = await gatewayWithFlakyAudit(failing); });
  afterAll(async () => gw?.close());

  async function post(query: string, token: string, purpose: string) {
    const response = await fetch(`${gw.url}/graphql`, {
      method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}`, 'x-purpose': purpose }, body: JSON.stringify({ query }),
    });
    return { status: response.status, text: await response.text() };
  }

  it.each([
    ['privacy officer', 'privacy_officer', 'LEGAL_COMPLIANCE'],
    ['support', 'support', 'SUPPORT'],
  ] as const)('%s: 500 INTERNAL_SERVER_ERROR, no data, no value of any subject in the body', async (_name, role, purpose) => {
    const customers = await gw.store.collection('customers').find({}, { sort: { _id: 1 }, limit: 3 });
    const token = await gw.token(role, [purpose]);
    const query = `{ customer(id: "${customers[0]!._id}") { id email phone fullName } }`;
    failing.on = true;
    const refused = await post(query, token, purpose);
    expect(refused.status).toBe(500);
    expect(JSON.parse(refused.text)).toEqual({ errors: [{ message: 'Internal server error', extensions: { code: 'INTERNAL_SERVER_ERROR' } }] });
    for (const customer of customers) {
      for (const value of [customer.email, customer.phone, customer.fullName, customer._id]) expect(refused.text).not.toContain(String(value));
    }
    failing.on = false;
    const answered = await post(query, token, purpose);
    expect(answered.status).toBe(200);
    expect(JSON.parse(answered.text).data.customer.id).toBe(customers[0]!._id);
  });

  it('denials are withheld too, and the chain stays intact across the failures', async () => {
    const token = await gw.token('support', ['SUPPORT']);
    failing.on = true;
    const refused = await post('{ auditEvents { totalCount } }', token, 'SUPPORT');
    expect(JSON.parse(refused.text).errors.map((error: { extensions: { code: string } }) => error.extensions.code)).toEqual(['INTERNAL_SERVER_ERROR']);
    failing.on = false;
    const report = await post(CHAIN, await gw.token('privacy_officer', ['LEGAL_COMPLIANCE']), 'LEGAL_COMPLIANCE');
    expect(JSON.parse(report.text).data.verifyAuditChain).toMatchObject({ ok: true, firstBrokenAt: null });
  });
});
