/**
 * Encryption at rest through the real gateway: the embedded store's files on disk hold no personal
 * data in clear, every value reads back through the API, support's exact-email lookup and the
 * uniqueness of emails still work, erasure shreds the subject's key, and `npm run rotate-keys`
 * re-wraps keys so the new master key reads everything and the old one alone reads nothing.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DataKeys } from '../../src/store/encryption/dataKeys';
import { decryptValue, DecryptionError, keyVersionOf } from '../../src/crypto/envelope';
import { MasterKeyring } from '../../src/crypto/masterKeys';
import { EncryptedStore } from '../../src/store/encryption/encryptedStore';
import { DATABASE_FILE } from '../../src/store/sqlite/dataFiles';
import { type CustomerDocument } from '../../src/store/documents';
import { generateDemoData } from '../../src/store/seed';
import { roleTokens, startTestGateway, storeEnv, type TestGateway } from '../helpers/gateway';

const COUNT = 120;
const demo = generateDemoData(COUNT).customers;
const sortedDemo = [...demo].sort((a, b) => (a._id < b._id ? -1 : 1));
const FIELDS = 'id email phone fullName birthDate postalCode country loyaltyTier lifetimeValue orderCount lastPurchaseAt interests';
const asApi = (c: CustomerDocument) => ({
  id: c._id, email: c.email, phone: c.phone, fullName: c.fullName, birthDate: c.birthDate, postalCode: c.postalCode, country: c.country,
  loyaltyTier: c.loyaltyTier, lifetimeValue: c.lifetimeValue, orderCount: c.orderCount, lastPurchaseAt: c.lastPurchaseAt, interests: c.interests,
});
const LIST = `query { customers(first: ${COUNT}) { totalCount edges { node { ${FIELDS} } } } }`;

/** What a thief copying DATA_DIR gets: the database file and its write-ahead log, as bytes. */
function dataFiles(dataDir: string): string {
  return [DATABASE_FILE, `${DATABASE_FILE}-wal`].map((file) => join(dataDir, file)).filter((path) => existsSync(path))
    .map((path) => readFileSync(path, 'latin1')).join('\n');
}

/** The customer document as the data files hold it (read with a separate read-only connection). */
function storedCustomer(dataDir: string, id: string): Record<string, unknown> {
  const db = new Database(join(dataDir, DATABASE_FILE), { readonly: true });
  try {
    const row = db.prepare('SELECT json(doc) AS doc FROM customers WHERE id = ?').get(id) as { doc: string };
    return JSON.parse(row.doc) as Record<string, unknown>;
  } finally {
    db.close();
  }
}

describe('encryption at rest through the gateway', () => {
  let gw: TestGateway;
  let tokens: Awaited<ReturnType<typeof roleTokens>>;

  beforeAll(async () => {
    gw = await startTestGateway({ customers: COUNT });
    tokens = await roleTokens(gw);
  });
  afterAll(async () => gw.close());

  it('the data files contain none of the demo emails, phones, names or birth dates in clear', () => {
    const files = dataFiles(gw.dataDir);
    expect(files).toContain(demo[0]!._id); // the files do hold the customers...
    for (const customer of demo) {
      for (const value of [customer.email, customer.phone, customer.fullName, customer.birthDate]) expect(files).not.toContain(value);
    }
  });

  it('the privacy officer under LEGAL_COMPLIANCE reads every seeded value in clear', async () => {
    const res = await gw.gql(LIST, { token: tokens.officer, purpose: 'LEGAL_COMPLIANCE' });
    expect(res.body.errors).toBeUndefined();
    expect(res.body.data!.customers.totalCount).toBe(COUNT);
    expect(res.body.data!.customers.edges.map((edge: { node: unknown }) => edge.node)).toEqual(sortedDemo.map(asApi));
  });

  it.each([
    ['exactly as stored', (email: string) => email],
    ['in upper case', (email: string) => email.toUpperCase()],
    ['with surrounding spaces', (email: string) => `  ${email} `],
  ])("support's lookup by exact email works %s", async (_, shape) => {
    const target = demo[11]!;
    const res = await gw.gql('query ($email: String) { customer(email: $email) { id email fullName } }', {
      token: tokens.support, purpose: 'SUPPORT', variables: { email: shape(target.email!) },
    });
    expect(res.body).toEqual({ data: { customer: { id: target._id, email: target.email, fullName: target.fullName } }, extensions: expect.anything() });
  });

  it('a prefix of an email finds nobody (equality only)', async () => {
    const res = await gw.gql('query ($email: String) { customer(email: $email) { id } }', {
      token: tokens.support, purpose: 'SUPPORT', variables: { email: demo[11]!.email!.slice(0, 8) },
    });
    expect(res.body.data).toEqual({ customer: null });
  });

  it('rectification still refuses a duplicate email, and a new email is stored encrypted and found', async () => {
    const [a, b] = [demo[20]!, demo[21]!];
    const rectify = 'mutation ($id: ID!, $email: String) { rectifyCustomer(id: $id, input: { email: $email }) { id email } }';
    const duplicate = await gw.gql(rectify, { token: tokens.officer, purpose: 'LEGAL_COMPLIANCE', variables: { id: a._id, email: b.email!.toUpperCase() } });
    expect(duplicate.body.errors?.map((error) => error.extensions?.code)).toEqual(['BAD_USER_INPUT']);
    const fresh = 'rectified.address.20@example.com';
    const changed = await gw.gql(rectify, { token: tokens.officer, purpose: 'LEGAL_COMPLIANCE', variables: { id: a._id, email: fresh } });
    expect(changed.body.data).toEqual({ rectifyCustomer: { id: a._id, email: fresh } });
    const found = await gw.gql('query ($email: String) { customer(email: $email) { id } }', { token: tokens.support, purpose: 'SUPPORT', variables: { email: fresh } });
    expect(found.body.data).toEqual({ customer: { id: a._id } });
    expect(dataFiles(gw.dataDir)).not.toContain(fresh);
  });

  it('erasure shreds the key: the ciphertext taken from the files before can no longer be decrypted', async () => {
    const target = demo[30]!;
    const before = storedCustomer(gw.dataDir, target._id);
    expect(String(before.email)).toMatch(/^pgenc:v1:/);
    const store = gw.store as EncryptedStore;
    const keyring = new MasterKeyring(gw.config.encryption.masterKey);
    const keys = new DataKeys(store.inner.collection('keys'), keyring);
    const place = { collection: 'customers', subjectId: target._id, field: 'email' };
    const version = keyVersionOf(String(before.email));
    // Before erasure the live keyring decrypts it (so the check below is not vacuous)...
    expect(decryptValue((await keys.forSubjects([target._id], { create: false })).key(target._id, version), place, String(before.email))).toBe(target.email);

    const wrapped = (await store.inner.collection('keys').findOne({ subjectId: target._id }))?.wrappedKey as string;
    expect(dataFiles(gw.dataDir)).toContain(wrapped);

    const res = await gw.gql('mutation ($id: ID!) { eraseCustomer(id: $id, reason: "subject request") { customerId alreadyErased } }', {
      token: tokens.officer, purpose: 'LEGAL_COMPLIANCE', variables: { id: target._id },
    });
    expect(res.body.data).toEqual({ eraseCustomer: { customerId: target._id, alreadyErased: false } });

    // ...after it, nothing can: the data key is gone, and the tombstone says when.
    const cache = await keys.forSubjects([target._id], { create: false });
    expect(() => cache.key(target._id, version)).toThrow(DecryptionError);
    const tombstone = await store.inner.collection('customers').findOne({ _id: target._id });
    expect(tombstone).toMatchObject({ _id: target._id, erasedAt: expect.any(String), keyShreddedAt: expect.any(String) });
    expect(tombstone).not.toHaveProperty('email');
    expect(await store.inner.collection('keys').countDocuments({ subjectId: target._id })).toBe(0);
    // No copy of the wrapped key is left anywhere in the files: not in a freed page, not in the WAL.
    expect(dataFiles(gw.dataDir)).not.toContain(wrapped);
  });
});

describe('npm run rotate-keys', () => {
  const OLD = 'rotation-test-old-master-key-'.padEnd(48, 'o');
  const NEW = 'rotation-test-new-master-key-'.padEnd(48, 'n');
  const dataDir = mkdtempSync(join(tmpdir(), 'pg-rotate-'));
  const run = promisify(execFile);

  async function rotateKeys(env: Record<string, string>) {
    try {
      const { stdout } = await run('node_modules/.bin/tsx', ['src/store/encryption/rotateKeysCli.ts'], {
        env: { ...process.env, NODE_ENV: 'test', LOG_LEVEL: 'silent', ...storeEnv(dataDir), ...env }, timeout: 30_000,
      });
      return { code: 0, report: JSON.parse(stdout) as Record<string, unknown> };
    } catch (error) {
      return { code: (error as { code: number }).code, report: null };
    }
  }

  async function readAll(masterKey: string) {
    const gw = await startTestGateway({ customers: COUNT, dataDir, env: { MASTER_KEY: masterKey } });
    try {
      const { officer } = await roleTokens(gw);
      return (await gw.gql(LIST, { token: officer, purpose: 'LEGAL_COMPLIANCE' })).body.data!.customers.edges.map((edge: { node: unknown }) => edge.node);
    } finally {
      await gw.close();
    }
  }

  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  it('re-wraps every key once; the new master key reads everything, the old one alone reads nothing', async () => {
    expect(await readAll(OLD)).toEqual(sortedDemo.map(asApi)); // first start: seeds under OLD
    const ciphertextsBefore = demo.map((customer) => storedCustomer(dataDir, customer._id));

    expect(await rotateKeys({ MASTER_KEY: NEW })).toEqual({ code: 1, report: null }); // OLD unknown: refuses, changes nothing
    const first = await rotateKeys({ MASTER_KEY: NEW, MASTER_KEY_PREVIOUS: OLD });
    expect(first).toEqual({ code: 0, report: expect.objectContaining({ scanned: COUNT, rewrapped: COUNT, alreadyCurrent: 0, failed: 0 }) });
    const again = await rotateKeys({ MASTER_KEY: NEW, MASTER_KEY_PREVIOUS: OLD });
    expect(again).toEqual({ code: 0, report: expect.objectContaining({ scanned: COUNT, rewrapped: 0, alreadyCurrent: COUNT }) });

    // Values were not re-encrypted: every stored ciphertext is unchanged.
    expect(demo.map((customer) => storedCustomer(dataDir, customer._id))).toEqual(ciphertextsBefore);

    expect(await readAll(NEW)).toEqual(sortedDemo.map(asApi));
    const withOld = await readAll(OLD);
    expect(withOld).toHaveLength(COUNT);
    for (const node of withOld) expect(node).toMatchObject({ email: null, phone: null, fullName: null, birthDate: null, postalCode: null });
  });
});
