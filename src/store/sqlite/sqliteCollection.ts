/**
 * One collection of the embedded store over SQLite. Reads run as single SQL statements (filters,
 * sorts, paging and pipelines translated by filterSql/pipelineSql); every write runs in its own
 * IMMEDIATE transaction and returns only after SQLite committed it (synchronous=FULL: fsync'd).
 * Update operators are applied to the matched document by mingo inside that transaction.
 */
import type { Database, Statement } from 'better-sqlite3';
import { update as mingoUpdate } from 'mingo';
import {
  StoreError,
  type Collection, type CollectionName, type Document, type Filter, type FindOptions, type Projection, type SortSpec, type Update, type UpdateResult,
} from '../port';
import { filterSql } from './filterSql';
import { CachedFind } from './cachedFind';
import { newRowVersion, type ParsedRows } from './parsedRows';
import { pipelineSql } from './pipelineSql';
import { applyProjection } from './projection';
import type { ChainLink } from '../chainedAppend';
import { coveringIndexOf, layoutOf, OFF_THREAD_APPENDS, type CollectionLayout, type CoveringIndex } from './schema';
import { isPlainObject, jsonPath, Params } from './sqlText';

type Row = { rid: number; doc: string };

/** How a collection writes besides its own connection (the store provides it: writeLock.ts, appendWriter.ts). */
export interface SqliteWriteAccess {
  /** Runs a main-thread write transaction holding the lock shared with the append writer. */
  exclusive<R>(body: () => R): R;
  /** Commits a chained append on the append writer's thread; resolves once fsync'd. */
  appendChained(collection: string, table: string, docs: { id: string; json: string }[], after: ChainLink | null): Promise<void>;
}

/** Turns a SQLite failure into a StoreError naming the collection and operation, never a value. */
export function storeFailure(collection: string, operation: string, error: unknown): StoreError {
  if (error instanceof StoreError) return error;
  const code = (error as { code?: unknown }).code;
  if (code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY') return new StoreError(`${collection}: duplicate key`, 'duplicate-key');
  if (code === 'SQLITE_FULL') return new StoreError(`${collection}: ${operation} failed: the disk is full (nothing was written)`);
  return new StoreError(`${collection}: ${operation} failed (${typeof code === 'string' ? code : error instanceof Error ? error.name : 'unknown error'})`);
}

/** JSON text of a document; refuses values JSON would silently change (Date, Buffer, undefined in arrays…). */
function serialize(collection: string, doc: Document): string {
  return JSON.stringify(doc, function replacer(this: unknown, _key, value: unknown) {
    if (typeof value === 'bigint' || typeof value === 'function' || typeof value === 'symbol') throw new StoreError(`${collection}: documents hold JSON values only`);
    if (typeof value === 'number' && !Number.isFinite(value)) throw new StoreError(`${collection}: documents hold finite numbers only`);
    if (value !== null && typeof value === 'object' && !Array.isArray(value) && !isPlainObject(value)) throw new StoreError(`${collection}: documents hold JSON values only`);
    return value;
  });
}

/** The value at a dotted path through nested documents (undefined when absent). */
function valueAt(doc: Record<string, unknown>, path: string): unknown {
  let value: unknown = doc;
  for (const segment of path.split('.')) {
    if (value === null || typeof value !== 'object' || Array.isArray(value)) return undefined;
    value = (value as Record<string, unknown>)[segment];
  }
  return value;
}

export class SqliteCollection<T extends Document = Document> implements Collection<T> {
  private readonly layout: CollectionLayout;
  private readonly covering: CoveringIndex | undefined;
  /** Finds through the parsed-row cache, on the collections that have one. */
  private readonly cachedFind: CachedFind<T> | undefined;

  /**
   * Only on the collections in OFF_THREAD_APPENDS: ordered, conditional appends (chainedAppend.ts),
   * checked here and committed by the append writer, off the event loop.
   */
  readonly insertChained?: (docs: T[], after: ChainLink | null) => Promise<void>;

  constructor(
    readonly name: CollectionName,
    private readonly db: Database,
    private readonly prepare: (sql: string) => Statement,
    private readonly access: SqliteWriteAccess,
    /** Reuses parsed documents of rows not written since (parsedRows.ts); hot collections only. */
    private readonly parsedRows?: ParsedRows,
  ) {
    this.layout = layoutOf(name);
    this.covering = coveringIndexOf(name);
    this.cachedFind = parsedRows === undefined ? undefined : new CachedFind<T>(name, this.layout.table, db, prepare, parsedRows);
    if (OFF_THREAD_APPENDS.has(name)) this.insertChained = (docs, after) => this.appendOffThread(docs, after);
  }

  private async appendOffThread(docs: T[], after: ChainLink | null): Promise<void> {
    if (docs.length === 0) return;
    const rows = this.run('insertChained', () => docs.map((doc) => ({ id: doc._id, json: this.checkDocument(doc) })));
    await this.access.appendChained(this.name, this.layout.table, rows, after);
  }

  /** A write transaction on the main connection, holding the lock shared with the append writer. */
  private write<R>(operation: string, body: () => R): R {
    return this.run(operation, () => this.access.exclusive(body));
  }

  private run<R>(operation: string, body: () => R): R {
    try {
      return body();
    } catch (error) {
      throw storeFailure(this.name, operation, error);
    }
  }

  private where(filter: Filter, params: Params): string {
    return filterSql(filter, this.layout.ctx, params);
  }

  private orderBy(sort: SortSpec | undefined): string {
    const keys = Object.entries(sort ?? {}).map(([path, direction]) => {
      if (direction !== 1 && direction !== -1) throw new StoreError(`${this.name}: sort directions are 1 or -1`);
      return `${path === '_id' ? 't.id' : `json_extract(t.doc, ${jsonPath(path)})`} ${direction === 1 ? 'ASC' : 'DESC'}`;
    });
    if (!keys.some((key) => key.startsWith('t.id '))) keys.push('t.id ASC');
    return keys.join(', ');
  }

  private select(filter: Filter, options: FindOptions, columns: string): { sql: string; params: Params } {
    const params = new Params();
    let sql = `SELECT ${columns} FROM ${this.layout.table} AS t WHERE ${this.where(filter, params)} ORDER BY ${this.orderBy(options.sort)}`;
    const limit = options.limit !== undefined && options.limit > 0 ? options.limit : -1;
    const skip = options.skip ?? 0;
    if (limit !== -1 || skip > 0) sql += ` LIMIT ${params.bind(limit)} OFFSET ${params.bind(skip)}`;
    return { sql, params };
  }

  private rows(filter: Filter, options: FindOptions = {}): Row[] {
    const { sql, params } = this.select(filter, options, 't.rid AS rid, json(t.doc) AS doc');
    return this.prepare(sql).all(params.values) as Row[];
  }

  private parse(doc: string, projection: Projection | undefined): T {
    const parsed = JSON.parse(doc) as T;
    return projection === undefined ? parsed : applyProjection(parsed, projection) as T;
  }

  /** A find through the parsed-row cache (cachedFind.ts). */
  private findCached(cachedFind: CachedFind<T>, filter: Filter, options: FindOptions): T[] {
    const { sql, params } = this.select(filter, options, 't.rid AS rid, t.ver AS ver');
    return cachedFind.find(sql, params.values);
  }

  async find(filter: Filter, options: FindOptions = {}): Promise<T[]> {
    return this.run('find', () => {
      // A projection may drop paths in place: it gets its own parse, never a shared cached document.
      if (this.cachedFind !== undefined && options.projection === undefined) return this.findCached(this.cachedFind, filter, options);
      return this.rows(filter, options).map((row) => this.parse(row.doc, options.projection));
    });
  }

  async findOne(filter: Filter, options: FindOptions = {}): Promise<T | null> {
    const [first] = await this.find(filter, { ...options, limit: 1 });
    return first ?? null;
  }

  async countDocuments(filter: Filter): Promise<number> {
    return this.run('countDocuments', () => {
      const params = new Params();
      const sql = `SELECT count(*) AS n FROM ${this.layout.table} AS t WHERE ${this.where(filter, params)}`;
      return (this.prepare(sql).get(params.values) as { n: number }).n;
    });
  }

  async aggregate<R = Record<string, unknown>>(pipeline: Record<string, unknown>[]): Promise<R[]> {
    return this.run('aggregate', () => {
      const { sql, params } = pipelineSql(this.layout.table, this.layout.ctx, pipeline, this.covering);
      return (this.prepare(sql).all(params) as { doc: string }[]).map((row) => JSON.parse(row.doc) as R);
    });
  }

  private checkDocument(doc: Document): string {
    if (typeof doc._id !== 'string' || doc._id === '') throw new StoreError(`${this.name}: documents need a string _id`);
    for (const field of this.layout.scalarIndexed) {
      const value = valueAt(doc, field);
      if (value !== null && typeof value === 'object') throw new StoreError(`${this.name}: the indexed field ${field} holds a single value, not an array or document`);
    }
    return serialize(this.name, doc);
  }

  private insertRow(doc: Document): void {
    const json = this.checkDocument(doc);
    this.prepare(`INSERT INTO ${this.layout.table} (id, doc, ver) VALUES (@id, jsonb(@doc), @ver)`).run({ id: doc._id, doc: json, ver: newRowVersion() });
  }

  private replaceRow(rid: number, doc: Document): void {
    const json = this.checkDocument(doc);
    this.prepare(`UPDATE ${this.layout.table} SET doc = jsonb(@doc), ver = @ver WHERE rid = @rid`).run({ rid, doc: json, ver: newRowVersion() });
    this.parsedRows?.forget(rid);
  }

  async insertOne(doc: T): Promise<void> {
    await this.insertMany([doc]);
  }

  async insertMany(docs: T[]): Promise<void> {
    if (docs.length === 0) return;
    this.write('insertMany', () => this.db.transaction(() => {
      for (const doc of docs) this.insertRow(doc);
    }).immediate());
  }

  private applyUpdate(doc: T, update: Update, inserting: boolean): T {
    if (Array.isArray(update) || Object.keys(update).some((key) => !key.startsWith('$'))) throw new StoreError(`${this.name}: update must use operators`);
    const next = structuredClone(doc);
    const { $setOnInsert, ...modifier } = update as { $setOnInsert?: Record<string, unknown> } & Record<string, unknown>;
    if (Object.keys(modifier).length > 0) mingoUpdate(next, modifier as Parameters<typeof mingoUpdate>[1]);
    if (inserting && $setOnInsert !== undefined) mingoUpdate(next, { $set: $setOnInsert } as Parameters<typeof mingoUpdate>[1]);
    if (next._id !== doc._id) throw new StoreError(`${this.name}: _id is immutable`);
    return next;
  }

  /** The new document of an upsert: the filter's top-level equality terms, which must include a string _id. */
  private upsertSeed(filter: Filter): T {
    const seed: Record<string, unknown> = {};
    for (const [key, term] of Object.entries(filter)) {
      if (key.startsWith('$') || key.includes('.')) continue;
      if (isPlainObject(term)) {
        if (Object.keys(term).length === 1 && '$eq' in term) seed[key] = term.$eq;
      } else if (!(term instanceof RegExp)) {
        seed[key] = term;
      }
    }
    if (typeof seed._id !== 'string') throw new StoreError(`${this.name}: upsert needs an _id in the filter`);
    return seed as T;
  }

  /** Applies `update` to each matched row; returns how many changed. */
  private updateRows(rows: Row[], update: Update): number {
    let modified = 0;
    for (const row of rows) {
      const current = JSON.parse(row.doc) as T;
      const next = this.applyUpdate(current, update, false);
      if (JSON.stringify(next) === JSON.stringify(current)) continue;
      this.replaceRow(row.rid, next);
      modified += 1;
    }
    return modified;
  }

  async updateOne(filter: Filter, update: Update, options: { upsert?: boolean } = {}): Promise<UpdateResult> {
    return this.write('updateOne', () => this.db.transaction((): UpdateResult => {
      const rows = this.rows(filter, { limit: 1 });
      if (rows.length === 0) {
        if (!options.upsert) return { matchedCount: 0, modifiedCount: 0, upsertedId: null };
        const created = this.applyUpdate(this.upsertSeed(filter), update, true);
        this.insertRow(created);
        return { matchedCount: 0, modifiedCount: 0, upsertedId: created._id };
      }
      return { matchedCount: 1, modifiedCount: this.updateRows(rows, update), upsertedId: null };
    }).immediate());
  }

  async updateMany(filter: Filter, update: Update): Promise<UpdateResult> {
    return this.write('updateMany', () => this.db.transaction((): UpdateResult => {
      const rows = this.rows(filter);
      return { matchedCount: rows.length, modifiedCount: this.updateRows(rows, update), upsertedId: null };
    }).immediate());
  }

  async replaceOne(filter: Filter, doc: T, options: { upsert?: boolean } = {}): Promise<UpdateResult> {
    return this.write('replaceOne', () => this.db.transaction((): UpdateResult => {
      const [row] = this.rows(filter, { limit: 1 });
      if (row === undefined) {
        if (!options.upsert) return { matchedCount: 0, modifiedCount: 0, upsertedId: null };
        this.insertRow(doc);
        return { matchedCount: 0, modifiedCount: 0, upsertedId: doc._id };
      }
      if ((JSON.parse(row.doc) as Document)._id !== doc._id) throw new StoreError(`${this.name}: _id is immutable`);
      this.replaceRow(row.rid, doc);
      return { matchedCount: 1, modifiedCount: 1, upsertedId: null };
    }).immediate());
  }

  async deleteOne(filter: Filter): Promise<{ deletedCount: number }> {
    return this.write('deleteOne', () => this.db.transaction(() => {
      const params = new Params();
      const sql = `DELETE FROM ${this.layout.table} WHERE rid = (SELECT t.rid FROM ${this.layout.table} AS t WHERE ${this.where(filter, params)} ORDER BY t.id LIMIT 1)`;
      const deleted = this.prepare(sql).run(params.values).changes;
      if (deleted > 0) this.parsedRows?.clear();
      return { deletedCount: deleted };
    }).immediate());
  }

  async deleteMany(filter: Filter): Promise<{ deletedCount: number }> {
    return this.write('deleteMany', () => this.db.transaction(() => {
      const params = new Params();
      const sql = `DELETE FROM ${this.layout.table} WHERE rid IN (SELECT t.rid FROM ${this.layout.table} AS t WHERE ${this.where(filter, params)})`;
      const deleted = this.prepare(sql).run(params.values).changes;
      if (deleted > 0) this.parsedRows?.clear();
      return { deletedCount: deleted };
    }).immediate());
  }
}
