/**
 * The embedded store reuses parsed customer documents (src/store/sqlite/parsedRows.ts). It must never
 * serve a document older than the row: not after this process's writes, not after another process's
 * writes on the same database, not after a row id is reused. Files of the previous format (version 1,
 * without row versions) are upgraded in place, all or nothing.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { EmbeddedStore } from '../../src/store/embedded';
import { DATABASE_FILE } from '../../src/store/sqlite/dataFiles';
import { COLLECTIONS, type Document } from '../../src/store/port';
import { PEOPLE } from './backends';

const dirs: string[] = [];
const stores: EmbeddedStore[] = [];
afterEach(async () => {
  for (const store of stores.splice(0)) await store.close();
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

async function open(dir: string): Promise<EmbeddedStore> {
  const store = await EmbeddedStore.open({ dataDir: dir });
  stores.push(store);
  return store;
}

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'pg-parsed-'));
  dirs.push(dir);
  return dir;
}

const tiers = async (store: EmbeddedStore) => (await store.collection('customers').find({}, { sort: { _id: 1 } })).map((doc) => [doc._id, doc.tier ?? null]);

describe('a cached document is never older than its row', () => {
  it.each<[string, (mine: EmbeddedStore, other: EmbeddedStore) => Promise<void>, (string | null)[][]]>([
    ['this process updates a row', async (mine) => { await mine.collection('customers').updateOne({ _id: 'c01' }, { $set: { tier: 'PLATINUM' } }); }, [['c01', 'PLATINUM'], ['c02', null], ['c03', null]]],
    ['another process updates a row', async (_mine, other) => { await other.collection('customers').updateOne({ _id: 'c02' }, { $set: { tier: 'GOLD' } }); }, [['c01', null], ['c02', 'GOLD'], ['c03', null]]],
    ['another process replaces a row', async (_mine, other) => { await other.collection('customers').replaceOne({ _id: 'c03' }, { _id: 'c03', tier: 'SILVER' }); }, [['c01', null], ['c02', null], ['c03', 'SILVER']]],
    ['another process deletes the last row and inserts another (its row id is reused)', async (_mine, other) => {
      await other.collection('customers').deleteOne({ _id: 'c03' });
      await other.collection('customers').insertOne({ _id: 'c04', tier: 'BRONZE' });
    }, [['c01', null], ['c02', null], ['c04', 'BRONZE']]],
    ['another process deletes every row and inserts them again, changed', async (_mine, other) => {
      await other.collection('customers').deleteMany({});
      await other.collection('customers').insertMany(['c01', 'c02', 'c03'].map((_id) => ({ _id, tier: 'NEW' })));
    }, [['c01', 'NEW'], ['c02', 'NEW'], ['c03', 'NEW']]],
  ])('%s: the next read sees it', async (_case, write, expected) => {
    const dir = tempDir();
    const mine = await open(dir);
    await mine.collection('customers').insertMany(['c01', 'c02', 'c03'].map((_id) => ({ _id, name: `name of ${_id}` })));
    const other = await open(dir);
    expect(await tiers(mine)).toEqual([['c01', null], ['c02', null], ['c03', null]]);
    await write(mine, other);
    expect(await tiers(mine)).toEqual(expected);
  });

  it('a page of live customers in id order walks the live index', async () => {
    const dir = tempDir();
    const store = await open(dir);
    await store.collection('customers').insertMany(PEOPLE.slice(0, 3));
    const db = new Database(join(dir, DATABASE_FILE), { readonly: true });
    const plan = db.prepare(`EXPLAIN QUERY PLAN SELECT t.rid AS rid, t.ver AS ver FROM "customers" AS t WHERE json_type(t.doc, '$.erasedAt') IS NULL ORDER BY t.id ASC LIMIT 101`).all() as { detail: string }[];
    db.close();
    expect(plan.map((step) => step.detail)).toEqual(['SCAN t USING INDEX customers__live']);
  });

  it('unchanged rows come back as the same frozen documents (parsed once)', async () => {
    const store = await open(tempDir());
    await store.collection('customers').insertMany(PEOPLE.slice(0, 3));
    const [first] = await store.collection('customers').find({ _id: 'c01' });
    const [again] = await store.collection('customers').find({ _id: 'c01' });
    expect(again).toBe(first);
    expect(Object.isFrozen(first)).toBe(true);
  });
});

describe('a file of the previous format (version 1) is upgraded in place', () => {
  /** A version-1 file: the current layout without the `ver` column, holding `docs`. */
  async function versionOneFile(docs: Document[]): Promise<string> {
    const dir = tempDir();
    const store = await EmbeddedStore.open({ dataDir: dir });
    await store.collection('customers').insertMany(docs);
    await store.close();
    const db = new Database(join(dir, DATABASE_FILE));
    db.exec('DROP INDEX "customers__live"');
    for (const name of COLLECTIONS) db.exec(`ALTER TABLE "${name}" DROP COLUMN ver`);
    db.pragma('user_version = 1');
    db.close();
    return dir;
  }

  it('opens with every document, reads and writes, and is version 2 afterwards', async () => {
    const dir = await versionOneFile(PEOPLE.slice(0, 4));
    const store = await open(dir);
    expect((await store.collection('customers').find({})).map((doc) => doc._id)).toEqual(['c01', 'c02', 'c03', 'c04']);
    await store.collection('customers').updateOne({ _id: 'c01' }, { $set: { tier: 'PLATINUM' } });
    expect((await store.collection('customers').findOne({ _id: 'c01' }))?.tier).toBe('PLATINUM');
    const db = new Database(join(dir, DATABASE_FILE), { readonly: true });
    expect(db.pragma('user_version', { simple: true })).toBe(2);
    expect(db.prepare(`SELECT name FROM sqlite_master WHERE type = 'index' AND name = 'customers__live'`).get()).toEqual({ name: 'customers__live' });
    db.close();
  });
});
