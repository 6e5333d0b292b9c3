/**
 * The embedded store's files: a crash image (the files as a `kill -9` leaves them, WAL included) opens
 * with every committed write, even with a torn WAL tail; data that exists but cannot be read stops
 * the open with a message naming the file, and the files are left exactly as they were (no seed, no
 * rewrite).
 */
import { createHash } from 'node:crypto';
import { appendFileSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { EmbeddedStore } from '../../src/store/embedded';
import { DATABASE_FILE } from '../../src/store/sqlite/dataFiles';
import { ids, PEOPLE } from './backends';

const dirs: string[] = [];
function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'pg-files-'));
  dirs.push(dir);
  return dir;
}
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** A store holding four customers, closed cleanly. */
async function storeWithData(): Promise<string> {
  const dir = tempDir();
  const store = await EmbeddedStore.open({ dataDir: dir });
  await store.collection('customers').insertMany(PEOPLE.slice(0, 4));
  await store.close();
  return dir;
}

/** Copies every file of `dir` while the store is open: what a crash at that instant leaves behind. */
function crashImage(dir: string): string {
  const image = tempDir();
  for (const file of readdirSync(dir)) if (!file.endsWith('-shm')) copyFileSync(join(dir, file), join(image, file));
  return image;
}

function fingerprint(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const file of readdirSync(dir).sort()) {
    const path = join(dir, file);
    out[file] = statSync(path).isDirectory() ? 'dir' : createHash('sha256').update(readFileSync(path)).digest('hex');
  }
  return out;
}

describe('a crash image opens with every committed write', () => {
  async function imageWithWal(): Promise<{ image: string; walBytes: number }> {
    const dir = tempDir();
    const store = await EmbeddedStore.open({ dataDir: dir });
    await store.collection('customers').insertMany(PEOPLE.slice(0, 3));
    await store.collection('customers').updateOne({ _id: 'c01' }, { $set: { tier: 'PLATINUM' } });
    await store.collection('audit').insertOne({ _id: 'a-last', subjectIds: ['c01'] });
    const image = crashImage(dir);
    await store.close();
    return { image, walBytes: statSync(join(image, `${DATABASE_FILE}-wal`)).size };
  }

  it.each<[string, (wal: string, size: number) => void, string[]]>([
    ['untouched', () => undefined, ['a-last']],
    ['garbage appended to the WAL', (wal) => appendFileSync(wal, Buffer.from('\u0000garbage{"c":'.repeat(50))), ['a-last']],
    ['the last WAL frame cut in half (that commit never completed)', (wal, size) => truncateSync(wal, size - 2000), []],
  ])('%s', async (_name, tear, audit) => {
    const { image, walBytes } = await imageWithWal();
    expect(walBytes).toBeGreaterThan(4096);
    tear(join(image, `${DATABASE_FILE}-wal`), walBytes);
    const store = await EmbeddedStore.open({ dataDir: image });
    try {
      expect(ids(await store.collection('customers').find({}))).toEqual(['c01', 'c02', 'c03']);
      expect((await store.collection('customers').findOne({ _id: 'c01' }))?.tier).toBe('PLATINUM');
      expect(ids(await store.collection('audit').find({ subjectIds: 'c01' }))).toEqual(audit);
      await store.collection('customers').insertOne({ _id: 'c99' });
    } finally {
      await store.close();
    }
    const reopened = await EmbeddedStore.open({ dataDir: image });
    expect(ids(await reopened.collection('customers').find({}))).toEqual(['c01', 'c02', 'c03', 'c99']);
    await reopened.close();
  });
});

describe('data that cannot be read stops the open, names the file, and is left untouched', () => {
  const database = (dir: string) => join(dir, DATABASE_FILE);

  it.each<[string, (dir: string) => void, (dir: string) => string, RegExp]>([
    ['a truncated database file', (dir) => truncateSync(database(dir), Math.floor(statSync(database(dir)).size / 2)), database, /is truncated/],
    ['a database file whose header was overwritten', (dir) => {
      const bytes = readFileSync(database(dir));
      bytes.fill(0x41, 0, 100);
      writeFileSync(database(dir), bytes);
    }, database, /is not an SQLite database/],
    ['a database page overwritten with garbage', (dir) => {
      const bytes = readFileSync(database(dir));
      bytes.fill(0x5a, 4096 + 8, bytes.length - 100);
      writeFileSync(database(dir), bytes);
    }, database, /is damaged/],
    ['a directory where the database file should be', (dir) => {
      rmSync(database(dir));
      mkdirSync(database(dir));
    }, database, /is not a regular file/],
    ['a write-ahead log without its database', (dir) => {
      copyFileSync(database(dir), `${database(dir)}-wal`);
      rmSync(database(dir));
    }, (dir) => `${database(dir)}-wal`, /is missing/],
    ['a database of a newer store format', (dir) => {
      const db = new Database(database(dir));
      db.pragma('user_version = 99');
      db.close();
    }, database, /has store format version 99, this gateway reads version \d+/],
    ['files of the previous embedded format', (dir) => writeFileSync(join(dir, 'snapshot.jsonl'), 'abc\t{}\n'), (dir) => join(dir, 'snapshot.jsonl'), /npm run store:migrate/],
  ])('%s', async (_name, damage, file, reason) => {
    const dir = await storeWithData();
    damage(dir);
    const before = fingerprint(dir);
    let seeded = false;
    const opening = EmbeddedStore.open({ dataDir: dir, seed: async () => { seeded = true; } });
    const error = await opening.then(() => null, (thrown: unknown) => thrown as Error);
    expect(error?.message).toContain(file(dir));
    expect(error?.message).toMatch(reason);
    expect(seeded).toBe(false);
    expect(fingerprint(dir)).toEqual(before);
  });

  it('an empty directory is a first start: it is seeded once, and a second open does not seed again', async () => {
    const dir = tempDir();
    let seeds = 0;
    const seed = async (store: EmbeddedStore) => {
      seeds += 1;
      await store.collection('customers').insertMany(PEOPLE.slice(0, 2));
    };
    await (await EmbeddedStore.open({ dataDir: dir, seed })).close();
    const store = await EmbeddedStore.open({ dataDir: dir, seed });
    expect(seeds).toBe(1);
    expect(await store.collection('customers').countDocuments({})).toBe(2);
    await store.close();
    expect(existsSync(database(dir))).toBe(true);
  });

  it('a first-start seed that was interrupted is redone from empty on the next start, with a warning', async () => {
    const dir = tempDir();
    const crashing = async (store: EmbeddedStore) => {
      await store.collection('customers').insertMany(PEOPLE.slice(0, 3));
      throw new Error('killed mid-seed');
    };
    await expect(EmbeddedStore.open({ dataDir: dir, seed: crashing })).rejects.toThrow('killed mid-seed');
    const warnings: string[] = [];
    const store = await EmbeddedStore.open({
      dataDir: dir,
      seed: async (fresh) => { await fresh.collection('customers').insertMany(PEOPLE.slice(4, 6)); },
      onWarning: (message) => warnings.push(message),
    });
    expect(ids(await store.collection('customers').find({}))).toEqual(['c05', 'c06']);
    expect(warnings).toEqual([expect.stringMatching(/seeding was interrupted; seeding again from empty/)]);
    await store.close();
  });
});
