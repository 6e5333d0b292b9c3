/**
 * Store port conformance, writes and durability: inserts, duplicate keys, update operators, upserts
 * with $setOnInsert, replace, deletes, acknowledged writes surviving a restart — on every backend
 * (embedded always; MongoDB when MONGODB_URI is set). What the embedded store does with damaged or
 * foreign files is in embeddedFiles.test.ts.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { StoreError, type Document, type Store, type Update } from '../../src/store/port';
import { BACKENDS, ids, PEOPLE, type BackendInstance } from './backends';

describe.each(BACKENDS)('store conformance (writes): $name', (backend) => {
  let instance: BackendInstance;
  let store: Store;

  beforeEach(async () => {
    instance = backend.create();
    store = await instance.open();
    await store.collection('customers').insertMany(PEOPLE.slice(0, 4));
  });

  afterEach(async () => {
    await store.close().catch(() => undefined);
    await instance.dispose();
  });

  const people = () => store.collection('customers');

  it('insertOne then findOne returns an equal document', async () => {
    const doc = { _id: 'n1', email: 'new@example.com', nested: { a: [1, 2, { b: true }] }, at: '2026-01-01T00:00:00.000Z' };
    await people().insertOne(doc);
    expect(await people().findOne({ _id: 'n1' })).toEqual(doc);
  });

  it.each<[string, () => Promise<void>]>([
    ['insertOne with an existing _id', () => people().insertOne({ _id: 'c01', email: 'x' })],
    ['insertMany with an existing _id', () => people().insertMany([{ _id: 'n2' }, { _id: 'c02' }])],
    ['insertMany with the same _id twice', () => people().insertMany([{ _id: 'n3' }, { _id: 'n3' }])],
  ])('duplicate key: %s is a StoreError of kind duplicate-key naming no value', async (_name, write) => {
    const error = await write().then(() => null, (thrown: unknown) => thrown);
    expect(error).toBeInstanceOf(StoreError);
    expect((error as StoreError).kind).toBe('duplicate-key');
    expect((error as StoreError).message).not.toMatch(/c01|c02|n3|example/);
    expect(await people().findOne({ _id: 'c01' }, { projection: { email: 1 } })).toEqual({ _id: 'c01', email: 'ada@example.com' });
  });

  it.each<[string, Update, Record<string, unknown>]>([
    ['$set a dotted path keeps siblings', { $set: { 'consents.MARKETING.status': 'DENIED', 'consents.MARKETING.source': 'SUPPORT' } },
      { consents: { MARKETING: { status: 'DENIED', source: 'SUPPORT' }, ANALYTICS: { status: 'DENIED' } } }],
    ['$set a new nested document', { $set: { 'consents.PERSONALIZATION': { status: 'GRANTED' } } },
      { consents: { MARKETING: { status: 'GRANTED' }, ANALYTICS: { status: 'DENIED' }, PERSONALIZATION: { status: 'GRANTED' } } }],
    ['$unset a field', { $unset: { email: '' } }, { email: undefined }],
    ['$inc', { $inc: { orders: 3, ltv: -200 } }, { orders: 15, ltv: 1000 }],
    ['$push', { $push: { interests: 'music' } }, { interests: ['books', 'outdoor', 'music'] }],
    ['$addToSet ignores a present value', { $addToSet: { interests: 'books' } }, { interests: ['books', 'outdoor'] }],
    ['$pull', { $pull: { interests: 'books' } }, { interests: ['outdoor'] }],
    ['several operators at once', { $set: { tier: 'PLATINUM' }, $inc: { orders: 1 }, $unset: { erasedAt: '' } }, { tier: 'PLATINUM', orders: 13 }],
  ])('updateOne %s', async (_name, update, expected) => {
    const result = await people().updateOne({ _id: 'c01' }, update);
    expect(result).toMatchObject({ matchedCount: 1, upsertedId: null });
    const after = await people().findOne({ _id: 'c01' });
    for (const [field, value] of Object.entries(expected)) expect(after?.[field]).toEqual(value);
    expect(after?.country).toBe('DE');
  });

  it('updateOne on no match changes nothing and says so', async () => {
    expect(await people().updateOne({ _id: 'zz' }, { $set: { tier: 'GOLD' } })).toEqual({ matchedCount: 0, modifiedCount: 0, upsertedId: null });
    expect(await people().countDocuments({})).toBe(4);
  });

  it('updateOne touches only the first match; updateMany all of them', async () => {
    expect((await people().updateOne({ tier: 'GOLD' }, { $set: { flagged: true } })).matchedCount).toBe(1);
    expect(ids(await people().find({ flagged: true }))).toEqual(['c01']);
    const many = await people().updateMany({ country: { $in: ['DE', 'US'] } }, { $set: { region: 'X' } });
    expect(many).toMatchObject({ matchedCount: 3, modifiedCount: 3 });
    expect(ids(await people().find({ region: 'X' }))).toEqual(['c01', 'c03', 'c04']);
  });

  it('upsert inserts with the filter _id, $set and $setOnInsert; a second upsert applies only $set', async () => {
    const update = { $set: { status: 'GRANTED', updatedAt: '2026-02-01' }, $setOnInsert: { createdAt: '2026-01-01' } };
    const first = await store.collection('keys').updateOne({ _id: 'k1' }, update, { upsert: true });
    expect(first).toMatchObject({ matchedCount: 0, upsertedId: 'k1' });
    expect(await store.collection('keys').findOne({ _id: 'k1' })).toEqual({ _id: 'k1', status: 'GRANTED', updatedAt: '2026-02-01', createdAt: '2026-01-01' });
    const second = await store.collection('keys').updateOne({ _id: 'k1' }, { $set: { status: 'DENIED' }, $setOnInsert: { createdAt: '2099-01-01' } }, { upsert: true });
    expect(second).toEqual({ matchedCount: 1, modifiedCount: 1, upsertedId: null });
    expect(await store.collection('keys').findOne({ _id: 'k1' })).toEqual({ _id: 'k1', status: 'DENIED', updatedAt: '2026-02-01', createdAt: '2026-01-01' });
  });

  it('upsert copies the filter\'s other equality fields into the new document', async () => {
    await store.collection('keys').updateOne({ _id: 'k2', subjectId: 's9' }, { $set: { v: 1 } }, { upsert: true });
    expect(await store.collection('keys').findOne({ subjectId: 's9' })).toEqual({ _id: 'k2', subjectId: 's9', v: 1 });
  });

  it.each<[string, () => Promise<unknown>]>([
    ['an update without operators', () => people().updateOne({ _id: 'c01' }, { tier: 'GOLD' })],
    ['an upsert without an _id in the filter', () => people().updateOne({ email: 'nobody@example.com' }, { $set: { tier: 'GOLD' } }, { upsert: true })],
    ['changing _id through replaceOne', () => people().replaceOne({ _id: 'c01' }, { _id: 'c99', email: 'x' })],
  ])('refuses %s with a StoreError', async (_name, write) => {
    await expect(write()).rejects.toBeInstanceOf(StoreError);
    expect(ids(await people().find({}))).toEqual(['c01', 'c02', 'c03', 'c04']);
  });

  it('replaceOne replaces the whole document; with upsert it inserts', async () => {
    expect(await people().replaceOne({ _id: 'c02' }, { _id: 'c02', email: 'bob2@example.com' })).toMatchObject({ matchedCount: 1, upsertedId: null });
    expect(await people().findOne({ _id: 'c02' })).toEqual({ _id: 'c02', email: 'bob2@example.com' });
    expect(await people().replaceOne({ _id: 'c50' }, { _id: 'c50', email: 'z' })).toMatchObject({ matchedCount: 0, upsertedId: null });
    expect(await people().findOne({ _id: 'c50' })).toBeNull();
    expect(await people().replaceOne({ _id: 'c50' }, { _id: 'c50', email: 'z' }, { upsert: true })).toMatchObject({ matchedCount: 0, upsertedId: 'c50' });
    expect(await people().findOne({ _id: 'c50' })).toEqual({ _id: 'c50', email: 'z' });
  });

  it('deleteOne removes the first match only; deleteMany every match; counts say so', async () => {
    expect(await people().deleteOne({ country: 'DE' })).toEqual({ deletedCount: 1 });
    expect(ids(await people().find({ country: 'DE' }))).toEqual(['c03']);
    expect(await people().deleteOne({ country: 'JP' })).toEqual({ deletedCount: 0 });
    expect(await people().deleteMany({ tier: { $in: ['GOLD', 'BRONZE'] } })).toEqual({ deletedCount: 2 });
    expect(ids(await people().find({}))).toEqual(['c03']);
    expect(await people().deleteMany({})).toEqual({ deletedCount: 1 });
    expect(await people().countDocuments({})).toBe(0);
  });

  it('countDocuments reflects every write at once (no stale count after insert, update or delete)', async () => {
    const granted = { 'consents.MARKETING.status': 'GRANTED' };
    expect(await people().countDocuments(granted)).toBe(2);
    await people().insertOne({ _id: 'n20', consents: { MARKETING: { status: 'GRANTED' } } });
    expect(await people().countDocuments(granted)).toBe(3);
    await people().updateOne({ _id: 'c01' }, { $set: { 'consents.MARKETING.status': 'DENIED' } });
    expect(await people().countDocuments(granted)).toBe(2);
    await people().deleteMany({ _id: { $in: ['c04', 'n20'] } });
    expect(await people().countDocuments(granted)).toBe(0);
  });

  it('countDocuments with different regular expressions gives each its own answer', async () => {
    expect(await people().countDocuments({ email: { $regex: '^a' } })).toBe(1);
    expect(await people().countDocuments({ email: { $regex: '^[bc]' } })).toBe(2);
    expect(await people().countDocuments({ email: /^d/ })).toBe(1);
    expect(await people().countDocuments({ email: /example/ })).toBe(4);
  });

  it('a stored document is a copy: changing the inserted object afterwards changes nothing', async () => {
    const doc: Document = { _id: 'n9', tags: ['a'] };
    await people().insertOne(doc);
    (doc.tags as string[]).push('b');
    expect((await people().findOne({ _id: 'n9' }))?.tags).toEqual(['a']);
  });

  it('acknowledged writes of every kind survive closing and reopening the store', async () => {
    await people().insertOne({ _id: 'n10', email: 'kept@example.com' });
    await people().updateOne({ _id: 'c01' }, { $set: { 'consents.MARKETING.status': 'WITHDRAWN' } });
    await people().deleteOne({ _id: 'c02' });
    await store.collection('audit').insertMany([{ _id: 'a1', actor: 'po-1', subjectIds: ['c01'], at: '2026-01-01T00:00:00.000Z' }]);
    await store.collection('keys').updateOne({ _id: 'k3' }, { $set: { subjectId: 'c01' } }, { upsert: true });
    await store.close();
    store = await instance.open();
    expect(ids(await people().find({}))).toEqual(['c01', 'c03', 'c04', 'n10']);
    expect(await people().findOne({ _id: 'c01' }, { projection: { 'consents.MARKETING.status': 1 } })).toEqual({ _id: 'c01', consents: { MARKETING: { status: 'WITHDRAWN' } } });
    expect(ids(await store.collection('audit').find({ subjectIds: 'c01' }))).toEqual(['a1']);
    expect(ids(await store.collection('keys').find({ subjectId: 'c01' }))).toEqual(['k3']);
  });

  it('many concurrent writes are all acknowledged and all survive a reopen', async () => {
    await Promise.all(Array.from({ length: 200 }, (_, i) => store.collection('audit').insertOne({ _id: `a${String(i).padStart(3, '0')}`, i })));
    await store.close();
    store = await instance.open();
    expect(await store.collection('audit').countDocuments({})).toBe(200);
  });
});
