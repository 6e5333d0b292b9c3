/**
 * The embedded store: SQLite (through better-sqlite3) in one file under DATA_DIR.
 *
 * - WAL journal with synchronous=FULL: a write resolves only after its commit is fsync'd, and a crash
 *   (kill -9, power loss) at any point leaves the last committed state.
 * - secure_delete=ON: deleted and overwritten content is zeroed in the pages SQLite writes; `scrub()`
 *   (run after every crypto-shred) checkpoints and truncates the WAL, so older page images holding a
 *   destroyed key leave the files too.
 * - A database that exists but cannot be read stops start-up (dataFiles.ts); a first start seeds the
 *   demo data, and a first-start seed that was interrupted is started again from empty.
 */
import Database, { type Database as Db, type Statement } from 'better-sqlite3';
import { COLLECTIONS, StoreError, type Collection, type CollectionName, type Document, type Store } from '../port';
import { inspectDataDir, UnreadableDataError } from './dataFiles';
import { schemaDdl, SCHEMA_VERSION, UPGRADES } from './schema';
import { AppendWriter, type WriterStatus } from './appendWriter';
import { ParsedRows } from './parsedRows';
import { SqliteCollection, storeFailure, type SqliteWriteAccess } from './sqliteCollection';
import { WriteLock } from './writeLock';

export interface EmbeddedStoreOptions {
  dataDir: string;
  /**
   * Called on a store that holds no data (first start), then the store is marked ready; without it a
   * fresh store stays unmarked, so a later open with a seed still seeds it.
   */
  seed?: (store: SqliteStore) => Promise<void>;
  onWarning?: (message: string) => void;
  /** SQLite page cache in MiB (default 128). */
  cacheMiB?: number;
}

const MAX_CACHED_STATEMENTS = 500;
/**
 * Parsed customer documents kept for reuse while their row is unchanged (parsedRows.ts):
 * at ~5 KB each (text and parsed form), at most ~50 MB. Only the collection every page reads.
 */
const PARSED_CUSTOMERS = 10_000;
/** Every connection on the database file runs with these (the main one and the append writer's). */
const BUSY_TIMEOUT_MS = 10_000;
const CONNECTION_PRAGMAS = ['journal_mode = WAL', 'synchronous = FULL', 'secure_delete = ON', `busy_timeout = ${BUSY_TIMEOUT_MS}`] as const;
/**
 * The append writer's own: a page cache that holds the audit table's and its subject index's hot
 * pages (an event's subject ids land on as many index pages), and temporary b-trees in memory.
 */
const WRITER_PRAGMAS = ['cache_size = -32768', 'temp_store = MEMORY'] as const;
const CHECK_MMAP_BYTES = 16 * 2 ** 30;
/**
 * The main connection reads the first 256 MiB of the file through a memory map. In WAL mode a
 * connection drops its whole page cache when another connection (the append writer) has committed
 * since its last read; re-reading through the map costs no system call or copy, where read() would
 * cost both for every page a request touches again. Bounded, so resident memory grows by at most this
 * much (file-backed pages, which the kernel can reclaim).
 */
const MAIN_MMAP_BYTES = 256 * 2 ** 20;

function regexpFunction(): (pattern: string, flags: string, value: unknown) => number {
  const compiled = new Map<string, RegExp>();
  return (pattern, flags, value) => {
    if (typeof value !== 'string') return 0;
    const key = `${flags}/${pattern}`;
    let re = compiled.get(key);
    if (re === undefined) {
      if (compiled.size > 200) compiled.clear();
      re = new RegExp(pattern, flags);
      compiled.set(key, re);
    }
    return re.test(value) ? 1 : 0;
  };
}

/** Brings an intact file of an older format to SCHEMA_VERSION, all steps in one transaction (all or nothing). */
function upgrade(db: Db, from: number): void {
  if (from === SCHEMA_VERSION) return;
  db.transaction(() => {
    for (let version = from; version < SCHEMA_VERSION; version += 1) {
      for (const statement of UPGRADES[version]!()) db.exec(statement);
    }
    db.pragma(`user_version = ${SCHEMA_VERSION}`);
  }).immediate();
}

function openDatabase(path: string, existing: boolean, cacheMiB: number): Db {
  let db: Db | undefined;
  try {
    db = new Database(path, { fileMustExist: existing });
    for (const pragma of CONNECTION_PRAGMAS) db.pragma(pragma);
    db.pragma(`cache_size = -${cacheMiB * 1024}`);
    db.pragma(`mmap_size = ${MAIN_MMAP_BYTES}`);
    db.pragma('temp_store = MEMORY');
    if (existing) {
      const version = db.pragma('user_version', { simple: true }) as number;
      if (version !== SCHEMA_VERSION && UPGRADES[version] === undefined) {
        throw new UnreadableDataError(path, `has store format version ${version}, this gateway reads version ${SCHEMA_VERSION}`);
      }
      // Reads every page once: a file damaged anywhere stops start-up instead of failing requests later.
      // Memory-mapped for the check only (twice as fast on a large file), then unmapped.
      db.pragma(`mmap_size = ${CHECK_MMAP_BYTES}`);
      const problems = db.pragma('quick_check(3)', { simple: false }) as { quick_check: string }[];
      db.pragma(`mmap_size = ${MAIN_MMAP_BYTES}`);
      if (problems.length !== 1 || problems[0]!.quick_check !== 'ok') {
        throw new UnreadableDataError(path, `is damaged (${problems.map((row) => row.quick_check).join('; ').slice(0, 300)})`);
      }
      upgrade(db, version);
    }
    db.function('pg_regexp', { deterministic: true }, regexpFunction() as (...args: unknown[]) => number);
    return db;
  } catch (error) {
    db?.close();
    if (error instanceof StoreError) throw error;
    const code = String((error as { code?: unknown }).code ?? (error as Error).message);
    if (code.startsWith('SQLITE_CORRUPT') || code === 'SQLITE_NOTADB') throw new UnreadableDataError(path, `is damaged (${code})`);
    throw new UnreadableDataError(path, `cannot be opened as the embedded store (${code})`);
  }
}

export class SqliteStore implements Store {
  readonly kind = 'embedded' as const;
  private readonly collections = new Map<CollectionName, SqliteCollection>();
  private readonly statements = new Map<string, Statement>();
  private closed = false;
  /** Shared by the main connection's writes and the append writer's transactions (writeLock.ts). */
  private readonly writeLock = new WriteLock(BUSY_TIMEOUT_MS);
  /** Commits the chained appends of OFF_THREAD_APPENDS collections on its own thread (appendWriter.ts). */
  private readonly appendWriter: AppendWriter;

  private constructor(private readonly db: Db, readonly databasePath: string) {
    const prepare = (sql: string) => this.prepare(sql);
    this.appendWriter = new AppendWriter({ databasePath, pragmas: [...CONNECTION_PRAGMAS, ...WRITER_PRAGMAS], lock: this.writeLock });
    const access: SqliteWriteAccess = {
      exclusive: (body) => this.writeLock.exclusive(body),
      appendChained: (collection, table, docs, after) => this.appendWriter.append(collection, table, docs, after),
    };
    for (const name of COLLECTIONS) {
      this.collections.set(name, new SqliteCollection(name, db, prepare, access, name === 'customers' ? new ParsedRows(PARSED_CUSTOMERS) : undefined));
    }
  }

  static async open(options: EmbeddedStoreOptions): Promise<SqliteStore> {
    const { databasePath, existing } = inspectDataDir(options.dataDir);
    const db = openDatabase(databasePath, existing, options.cacheMiB ?? 128);
    const store = new SqliteStore(db, databasePath);
    try {
      store.createSchema(false);
      const state = store.info('state');
      if (state === 'seeding') {
        options.onWarning?.(`${databasePath}: the first start's demo seeding was interrupted; seeding again from empty`);
        store.clearCollections();
      }
      if (state !== 'ready' && options.seed !== undefined) {
        if (state === undefined && !store.isEmpty()) {
          store.setInfo('state', 'ready'); // written by a tool that does not seed: never add demo data to it
        } else {
          await store.seedOnce(options.seed);
        }
      }
      return store;
    } catch (error) {
      db.close();
      store.closed = true;
      // SQLite failures are masked to a StoreError; anything else (the seed's own errors) passes as is.
      const sqlite = String((error as { code?: unknown }).code ?? '').startsWith('SQLITE_');
      throw sqlite ? storeFailure('embedded store', 'open', error) : error;
    }
  }

  private createSchema(deferSeedIndexes: boolean): void {
    this.db.transaction(() => {
      for (const statement of schemaDdl({ deferSeedIndexes })) this.db.exec(statement);
      this.db.pragma(`user_version = ${SCHEMA_VERSION}`);
    }).immediate();
  }

  /**
   * A first-start seed: marked "seeding" until done (an interrupted one is redone from empty on the
   * next start, so nothing needs to be durable before the end): no fsync per batch, and the bulk
   * collections' secondary indexes dropped and built once at the end.
   */
  private async seedOnce(seed: (store: SqliteStore) => Promise<void>): Promise<void> {
    this.setInfo('state', 'seeding');
    const deferred = schemaDdl().filter((statement) => !schemaDdl({ deferSeedIndexes: true }).includes(statement));
    for (const statement of deferred) this.db.exec(statement.replace(/^CREATE INDEX IF NOT EXISTS ("[^"]+") ON .*$/s, 'DROP INDEX IF EXISTS $1'));
    this.db.pragma('synchronous = OFF');
    try {
      await seed(this);
    } finally {
      this.db.pragma('synchronous = FULL');
    }
    this.createSchema(false);
    this.db.pragma('wal_checkpoint(TRUNCATE)');
    this.setInfo('state', 'ready');
  }

  private info(key: string): string | undefined {
    return (this.db.prepare('SELECT value FROM store_info WHERE key = ?').get(key) as { value: string } | undefined)?.value;
  }

  private setInfo(key: string, value: string): void {
    this.db.prepare('INSERT INTO store_info (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value').run(key, value);
  }

  private isEmpty(): boolean {
    return COLLECTIONS.every((name) => this.db.prepare(`SELECT 1 FROM "${name}" LIMIT 1`).get() === undefined);
  }

  private clearCollections(): void {
    this.db.transaction(() => {
      for (const name of COLLECTIONS) this.db.exec(`DELETE FROM "${name}"`);
    }).immediate();
  }

  private prepare(sql: string): Statement {
    if (this.closed) throw new StoreError('the embedded store is closed');
    let statement = this.statements.get(sql);
    if (statement === undefined) {
      if (this.statements.size >= MAX_CACHED_STATEMENTS) this.statements.clear();
      statement = this.db.prepare(sql);
      this.statements.set(sql, statement);
    }
    return statement;
  }

  collection<T extends Document = Document>(name: CollectionName): Collection<T> {
    const collection = this.collections.get(name);
    if (collection === undefined) throw new StoreError(`unknown collection ${name}`);
    return collection as unknown as Collection<T>;
  }

  /**
   * Moves every committed page into the database file and empties the WAL, so page images written
   * before a deletion (a shredded key, say) are gone from the files. Called after crypto-shredding.
   */
  async scrub(): Promise<void> {
    if (this.closed) throw new StoreError('the embedded store is closed');
    try {
      const [result] = this.writeLock.exclusive(() => this.db.pragma('wal_checkpoint(TRUNCATE)') as { busy: number }[]);
      if (result !== undefined && result.busy !== 0) throw new StoreError('embedded store: the write-ahead log could not be emptied (another reader holds it)');
    } catch (error) {
      throw storeFailure('embedded store', 'scrub', error);
    }
  }

  readonly atRest = null;

  /** The port's purge: zeroed freed pages (secure_delete) and an emptied write-ahead log. */
  async purgeDeleted(): Promise<void> {
    await this.scrub();
  }

  /** A consistent copy of the database to `target` (a new file), while the store stays open. */
  async backupTo(target: string): Promise<void> {
    try {
      await this.db.backup(target);
    } catch (error) {
      throw storeFailure('embedded store', 'backup', error);
    }
  }

  async ping(): Promise<void> {
    if (this.closed) throw new StoreError('embedded store unavailable');
    try {
      this.prepare('SELECT 1').get();
    } catch (error) {
      throw storeFailure('embedded store', 'ping', error);
    }
  }

  /** The append writer's connection settings (started if it was not yet). */
  appendWriterStatus(): Promise<WriterStatus> {
    return this.appendWriter.status();
  }

  /** Ends the append writer's thread at once, as a crash would: its pending appends fail (tests). */
  crashAppendWriter(): Promise<void> {
    return this.appendWriter.terminate();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    // Appends already sent are committed first; then the writer's connection closes.
    await this.appendWriter.close();
    this.statements.clear();
    try {
      this.db.pragma('wal_checkpoint(TRUNCATE)');
      this.db.pragma('optimize');
    } catch {
      // Closing still releases the file; the WAL is replayed on the next open.
    }
    this.db.close();
  }
}
