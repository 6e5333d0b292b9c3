/**
 * Encryption at rest at the store port, on every backend (embedded always; MongoDB with MONGODB_URI):
 * what the raw documents hold, round trips, the blind index, tampering, master key rotation and
 * crypto-shredding. The raw view is the backend itself, below the decorator — what a stolen
 * database file or dump would show.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createEmailBlindIndexer } from '../../src/crypto/blindIndex';
import { DataKeys, type DataKeyDocument } from '../../src/store/encryption/dataKeys';
import { encryptedFieldsFromPolicy } from '../../src/store/encryption/encryptedFields';
import { buildGatewaySchema } from '../../src/server/buildSchema';
import { DecryptionError, ENCRYPTED_PREFIX } from '../../src/crypto/envelope';
import { MasterKeyring } from '../../src/crypto/masterKeys';
import { rotateDataKeys } from '../../src/store/encryption/rotateKeys';
import { checkEncryptionMode } from '../../src/store/encryption/storeEncryption';
import { EncryptedStore, type DecryptFailure } from '../../src/store/encryption/encryptedStore';
import { StoreError, type Document, type Store } from '../../src/store/port';
import { type CustomerDocument } from '../../src/store/documents';
import { generateDemoData } from '../../src/store/seed';
import { BACKENDS, type BackendInstance } from './backends';
import { DATABASE_FILE } from '../../src/store/sqlite/dataFiles';

const OLD_MASTER = 'store-test-old-master-key-'.padEnd(48, 'o');
const NEW_MASTER = 'store-test-new-master-key-'.padEnd(48, 'n');
const BLIND_KEY = 'store-test-blind-index-key-'.padEnd(48, 'b');
const FIELDS = encryptedFieldsFromPolicy(buildGatewaySchema().policy);
const ENCRYPTED = [...FIELDS.get('customers')!].sort();
const demo = generateDemoData(40).customers;
const byId = (a: Document, b: Document) => (a._id < b._id ? -1 : 1);

describe('the encrypted fields come from the schema policy and CATEGORY_REGISTRY', () => {
  it('are exactly the identifying Customer fields', () => {
    expect(ENCRYPTED).toEqual(['birthDate', 'email', 'fullName', 'phone', 'postalCode']);
    expect([...FIELDS.keys()]).toEqual(['customers']);
  });
});

describe.each(BACKENDS)('encryption at rest: $name', (backend) => {
  let instance: BackendInstance;
  let raw: Store;
  let failures: DecryptFailure[];

  const encrypted = (master = OLD_MASTER, previous?: string) => new EncryptedStore(raw, {
    keyring: new MasterKeyring(master, previous),
    emailBlindIndex: createEmailBlindIndexer(BLIND_KEY),
    fields: FIELDS,
    onDecryptFailure: (failure) => failures.push(failure),
  });
  const rawCustomer = async (id: string) => (await raw.collection('customers').findOne({ _id: id }))!;
  const all = async (store: Store) => store.collection<CustomerDocument>('customers').find({}, { sort: { _id: 1 } });

  beforeEach(async () => {
    instance = backend.create();
    raw = await instance.open();
    failures = [];
    await encrypted().collection<CustomerDocument>('customers').insertMany(structuredClone(demo));
  });

  afterEach(async () => {
    await raw.close().catch(() => undefined);
    await instance.dispose();
  });

  it('stores no identifying value in clear; non-identifying attributes stay queryable in clear', async () => {
    const stored = await raw.collection('customers').find({}, { sort: { _id: 1 } });
    const text = JSON.stringify(stored);
    for (const customer of demo) {
      for (const field of ENCRYPTED) expect(text).not.toContain(String(customer[field as keyof CustomerDocument]));
    }
    for (const doc of stored) {
      for (const field of ENCRYPTED) expect(String(doc[field])).toMatch(new RegExp(`^${ENCRYPTED_PREFIX}1:[A-Za-z0-9_-]+$`));
      expect(doc.emailIndex).toMatch(/^[A-Za-z0-9_-]{43}$/);
    }
    const clear = ({ country, loyaltyTier, interests, lifetimeValue, orderCount, birthYear, postalPrefix, consents }: Document) =>
      ({ country, loyaltyTier, interests, lifetimeValue, orderCount, birthYear, postalPrefix, consents });
    expect(stored.map(clear)).toEqual([...demo].sort(byId).map(clear));
  });

  it('reads back exactly what was written (no emailIndex leaks into results)', async () => {
    expect(await all(encrypted())).toEqual([...demo].sort(byId));
  });

  it('keeps one data key per subject, wrapped by the master key, never in clear', async () => {
    const keys = await raw.collection<DataKeyDocument>('keys').find({});
    expect(keys).toHaveLength(demo.length);
    expect(new Set(keys.map((key) => key.subjectId))).toEqual(new Set(demo.map((c) => c._id)));
    const currentId = new MasterKeyring(OLD_MASTER).currentId;
    for (const key of keys) {
      expect(key).toEqual({
        _id: `dk:${key.subjectId}:1`, subjectId: key.subjectId, wrappedKey: expect.stringMatching(/^[A-Za-z0-9_-]{80}$/),
        masterKeyId: currentId, version: 1, createdAt: expect.any(String),
      });
    }
  });

  it('finds a customer by exact email through the blind index, whatever the case and spacing', async () => {
    const customers = encrypted().collection<CustomerDocument>('customers');
    const target = demo[7]!;
    expect(await customers.findOne({ email: `  ${target.email!.toUpperCase()} ` })).toEqual(target);
    expect(await customers.find({ email: { $in: [target.email, demo[8]!.email] } })).toHaveLength(2);
    // Uniqueness check as rectification does it: someone else holding this email?
    expect(await customers.countDocuments({ email: target.email, _id: { $ne: target._id } })).toBe(0);
    expect(await customers.countDocuments({ email: target.email, _id: { $ne: demo[0]!._id } })).toBe(1);
    expect(await customers.findOne({ email: 'nobody@example.com' })).toBeNull();
  });

  it.each([
    ['an equality on phone', { phone: '+49 123 456 789' }],
    ['a range on birthDate', { birthDate: { $gte: '1990-01-01' } }],
    ['a pattern on fullName', { fullName: { $regex: '^A' } }],
    ['a prefix on email', { email: { $regex: '^alva' } }],
  ])('refuses %s with a StoreError', async (_, filter) => {
    await expect(encrypted().collection('customers').find(filter)).rejects.toThrow(StoreError);
    await expect(encrypted().collection('customers').countDocuments(filter)).rejects.toThrow(StoreError);
  });

  it('refuses to sort by an encrypted field', async () => {
    await expect(encrypted().collection('customers').find({}, { sort: { fullName: 1 } })).rejects.toThrow(StoreError);
  });

  it('keeps the blind index in step with updates: $set, $unset, updateMany', async () => {
    const customers = encrypted().collection<CustomerDocument>('customers');
    const [a, b] = [demo[0]!, demo[1]!];
    await customers.updateOne({ _id: a._id }, { $set: { email: 'new.address@example.com', phone: null } });
    expect(await customers.findOne({ email: a.email })).toBeNull();
    expect(await customers.findOne({ email: 'NEW.address@example.com' })).toEqual({ ...a, email: 'new.address@example.com', phone: null });
    expect((await rawCustomer(a._id)).phone).toBeNull();
    await customers.updateOne({ _id: a._id }, { $unset: { email: '' } });
    expect(await rawCustomer(a._id)).not.toHaveProperty('emailIndex');
    await customers.updateMany({ _id: { $in: [a._id, b._id] } }, { $set: { fullName: 'Same Name' } });
    expect((await customers.find({ _id: { $in: [a._id, b._id] } })).map((c) => c.fullName)).toEqual(['Same Name', 'Same Name']);
    const stored = [await rawCustomer(a._id), await rawCustomer(b._id)];
    expect(stored[0]!.fullName).not.toBe(stored[1]!.fullName); // per-subject keys: equal values, different ciphertexts
  });

  it('a value copied to another subject or field, or tampered with, reads as null and is reported', async () => {
    const [a, b] = [demo[0]!, demo[1]!];
    const storedA = await rawCustomer(a._id);
    const storedB = await rawCustomer(b._id);
    const flipped = String(storedB.phone).slice(0, -3) + (String(storedB.phone).at(-3) === 'A' ? 'B' : 'A') + String(storedB.phone).slice(-2);
    await raw.collection('customers').updateOne({ _id: b._id }, { $set: { email: storedA.email, fullName: storedB.postalCode, phone: flipped } });
    const read = await encrypted().collection<CustomerDocument>('customers').findOne({ _id: b._id });
    expect(read).toEqual({ ...b, email: null, fullName: null, phone: null });
    expect(failures.map(({ subjectId, field }) => ({ subjectId, field })).sort((x, y) => x.field.localeCompare(y.field))).toEqual([
      { subjectId: b._id, field: 'email' }, { subjectId: b._id, field: 'fullName' }, { subjectId: b._id, field: 'phone' },
    ]);
    expect(JSON.stringify(failures)).not.toContain(b.phone!);
  });

  it('rotation re-wraps every key without re-encrypting a value; idempotent; the old master key alone no longer reads', async () => {
    const before = await raw.collection('customers').find({}, { sort: { _id: 1 } });
    const rotating = new MasterKeyring(NEW_MASTER, OLD_MASTER);
    expect(await all(encrypted(NEW_MASTER, OLD_MASTER))).toEqual([...demo].sort(byId)); // readable during rotation
    const first = await rotateDataKeys(raw, rotating);
    expect(first).toEqual({ scanned: demo.length, rewrapped: demo.length, alreadyCurrent: 0, failed: 0, failedIds: [] });
    expect(await rotateDataKeys(raw, rotating)).toEqual({ scanned: demo.length, rewrapped: 0, alreadyCurrent: demo.length, failed: 0, failedIds: [] });
    expect(await raw.collection('customers').find({}, { sort: { _id: 1 } })).toEqual(before);
    expect(await all(encrypted(NEW_MASTER))).toEqual([...demo].sort(byId));
    expect(failures).toEqual([]);
    const withOldKeyOnly = await all(encrypted(OLD_MASTER));
    for (const customer of withOldKeyOnly) for (const field of ENCRYPTED) expect(customer[field as keyof CustomerDocument]).toBeNull();
    expect(failures).toHaveLength(demo.length * ENCRYPTED.length);
  });

  it('rotation reports keys under an unknown master key instead of skipping them', async () => {
    const report = await rotateDataKeys(raw, new MasterKeyring(NEW_MASTER));
    expect(report).toMatchObject({ scanned: demo.length, rewrapped: 0, failed: demo.length });
    expect(report.failedIds).toHaveLength(20);
  });

  it('crypto-shredding: after the key is deleted, the ciphertext taken before is unreadable', async () => {
    const store = encrypted();
    const target = demo[3]!;
    const taken = await rawCustomer(target._id);
    const wrapped = (await raw.collection<DataKeyDocument>('keys').findOne({ subjectId: target._id }))!.wrappedKey;
    const storedFiles = () => [DATABASE_FILE, `${DATABASE_FILE}-wal`].map((file) => join(instance.dataDir!, file)).filter((path) => existsSync(path))
      .map((path) => readFileSync(path, 'latin1')).join('');
    if (instance.dataDir !== undefined) expect(storedFiles()).toContain(wrapped);
    expect(await store.shredSubject(target._id)).toBe(1);
    expect(await raw.collection('keys').countDocuments({ subjectId: target._id })).toBe(0);
    const cache = await new DataKeys(raw.collection('keys'), new MasterKeyring(OLD_MASTER)).forSubjects([target._id], { create: false });
    expect(() => cache.key(target._id, 1)).toThrow(DecryptionError);
    // Put the old ciphertext back (as a restored backup would): it no longer decrypts.
    await raw.collection('customers').replaceOne({ _id: target._id }, taken as Document);
    const read = await store.collection<CustomerDocument>('customers').findOne({ _id: target._id });
    for (const field of ENCRYPTED) expect(read![field as keyof CustomerDocument]).toBeNull();
    expect(read!.country).toBe(target.country);
    if (instance.dataDir !== undefined) {
      // The embedded store scrubbed: neither its database file nor its write-ahead log still holds the wrapped key.
      expect(storedFiles()).not.toContain(wrapped);
    }
    // Other subjects are untouched.
    expect(await store.collection('customers').findOne({ _id: demo[4]!._id })).toEqual(demo[4]);
  });

  it('clearing fields never creates a key for a shredded subject; deleting a subject shreds its key', async () => {
    const store = encrypted();
    const customers = store.collection<CustomerDocument>('customers');
    await store.shredSubject(demo[5]!._id);
    await customers.updateOne({ _id: demo[5]!._id }, { $set: { email: null, erasedAt: '2026-11-01T00:00:00.000Z' }, $unset: { phone: '' } });
    expect(await raw.collection('keys').countDocuments({ subjectId: demo[5]!._id })).toBe(0);
    expect(await customers.deleteOne({ email: demo[6]!.email })).toEqual({ deletedCount: 1 });
    expect(await raw.collection('keys').countDocuments({ subjectId: demo[6]!._id })).toBe(0);
  });
});

describe.each(BACKENDS)('the store remembers whether it is encrypted: $name', (backend) => {
  let instance: BackendInstance;
  let raw: Store;
  beforeEach(async () => {
    instance = backend.create();
    raw = await instance.open();
  });
  afterEach(async () => {
    await raw.close().catch(() => undefined);
    await instance.dispose();
  });

  it('marks an empty store, then refuses to read it with encryption off', async () => {
    await checkEncryptionMode(raw, true);
    await checkEncryptionMode(raw, true);
    await expect(checkEncryptionMode(raw, false)).rejects.toThrow(/holds encrypted personal data/);
  });

  it('refuses to start encrypted over customers written in clear', async () => {
    await raw.collection('customers').insertOne(structuredClone(demo[0]!));
    await checkEncryptionMode(raw, false);
    await expect(checkEncryptionMode(raw, true)).rejects.toThrow(/written without encryption at rest/);
  });
});
