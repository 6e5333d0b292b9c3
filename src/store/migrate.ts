/**
 * Converts a data directory of the previous embedded format into the SQLite store, in place:
 * 1. every document is loaded into a new database built in `DATA_DIR/.migrating/` (the snapshot
 *    streamed in batches, then the log replayed on top, as the old store did on start);
 * 2. only once that database is complete and closed is it moved to `DATA_DIR/gateway.sqlite`;
 * 3. the old files are then moved, unchanged, into `DATA_DIR/legacy-format-<time>/` (kept, never deleted).
 * A failure at any step leaves the old files where they were; running it again starts over.
 */
import { existsSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import { basename, join } from 'node:path';
import { EmbeddedStore } from './embedded';
import { readLegacyLog, readLegacySnapshot, type LegacyRecord } from './legacyFormat';
import { COLLECTIONS, StoreError, type CollectionName, type Document } from './port';
import { DATABASE_FILE, legacyFilesIn } from './sqlite/dataFiles';

export interface MigrationReport {
  documents: number;
  logRecords: number;
  /** Line of the log where a torn (never acknowledged) write was cut, if any. */
  tornLogAtLine: number | null;
  legacyFilesMovedTo: string;
}

const BATCH = 2000;

function collectionOf(record: LegacyRecord): CollectionName {
  if (!(COLLECTIONS as readonly string[]).includes(record.c)) throw new StoreError(`the old files name an unknown collection; nothing was migrated`);
  return record.c as CollectionName;
}

async function load(store: EmbeddedStore, dir: string, report: MigrationReport): Promise<void> {
  const pending = new Map<CollectionName, Document[]>();
  const flush = async (name: CollectionName) => {
    const docs = pending.get(name) ?? [];
    pending.set(name, []);
    if (docs.length > 0) await store.collection(name).insertMany(docs);
  };
  for await (const record of readLegacySnapshot(dir)) {
    const name = collectionOf(record);
    const docs = pending.get(name) ?? [];
    pending.set(name, docs);
    if (record.op === 'put') docs.push(record.d as Document);
    report.documents += 1;
    if (docs.length >= BATCH) await flush(name);
  }
  for (const name of COLLECTIONS) await flush(name);
  for await (const record of readLegacyLog(dir, (line) => { report.tornLogAtLine = line; })) {
    const collection = store.collection(collectionOf(record));
    if (record.op === 'put') await collection.replaceOne({ _id: record.d._id }, record.d as Document, { upsert: true });
    else await collection.deleteOne({ _id: record.id });
    report.logRecords += 1;
  }
}

export async function migrateLegacyDataDir(dir: string): Promise<MigrationReport> {
  const legacy = legacyFilesIn(dir);
  if (legacy.length === 0) throw new StoreError(`${dir}: holds no files of the previous embedded format; nothing to migrate`);
  const target = join(dir, DATABASE_FILE);
  if (existsSync(target)) throw new StoreError(`${target}: already exists next to the old files; check which is current and move the other away`);
  const work = join(dir, '.migrating');
  rmSync(work, { recursive: true, force: true });
  mkdirSync(work);
  const report: MigrationReport = { documents: 0, logRecords: 0, tornLogAtLine: null, legacyFilesMovedTo: '' };
  const store = await EmbeddedStore.open({ dataDir: work });
  try {
    await load(store, dir, report);
  } catch (error) {
    await store.close();
    rmSync(work, { recursive: true, force: true });
    throw error;
  }
  await store.close();
  renameSync(join(work, DATABASE_FILE), target);
  const kept = join(dir, `legacy-format-${new Date().toISOString().replace(/[:.]/g, '-')}`);
  mkdirSync(kept);
  for (const file of legacy) renameSync(file, join(kept, basename(file)));
  rmSync(work, { recursive: true, force: true });
  report.legacyFilesMovedTo = kept;
  return report;
}
