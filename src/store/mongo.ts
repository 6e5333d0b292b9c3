/**
 * The MongoDB backend of the store port, on the official `mongodb` driver. Many stateless gateway
 * instances can share one replica set or sharded cluster through it.
 *
 * - Indexes are created at start (port.ts INDEXES plus the compound ones below); creating an index
 *   that exists is a no-op, so every instance may do it.
 * - Writes to collections holding consent, erasure and audit state (customers, consentEvents, audit,
 *   keys) use write concern `majority`: a write the API acknowledged survives a primary failover.
 * - `find` without a sort returns documents in `_id` order, as the embedded store does, so paging is
 *   identical on both backends.
 * - Driver errors become StoreErrors that carry the collection, the operation and the server's error
 *   code only: a driver message can quote document content (a duplicate email, say), i.e. personal data.
 */
import {
  MongoClient, MongoServerError,
  type Collection as DriverCollection, type Db, type Filter as DriverFilter,
  type OptionalUnlessRequiredId, type UpdateFilter, type WriteConcernSettings,
} from 'mongodb';
import type { Logger } from 'pino';
import {
  COLLECTIONS, INDEXES, StoreError,
  type Collection, type CollectionName, type Document, type Filter, type FindOptions, type Store, type Update, type UpdateResult,
} from './port';

/** Collections whose writes must survive a failover once acknowledged. */
const MAJORITY_COLLECTIONS: ReadonlySet<CollectionName> = new Set(['customers', 'consentEvents', 'audit', 'keys']);
const MAJORITY: WriteConcernSettings = { w: 'majority' };

/** Compound indexes beyond the single-field equality ones in INDEXES (queries that also sort or range). */
const COMPOUND_INDEXES: Readonly<Partial<Record<CollectionName, readonly Record<string, 1 | -1>[]>>> = {
  // A subject's consent history per purpose, newest last.
  consentEvents: [{ subjectId: 1, purpose: 1, at: 1 }],
  // Audit by actor or subject over time, and by time alone.
  audit: [{ actor: 1, at: 1 }, { subjectIds: 1, at: 1 }, { at: 1 }],
};

/** Every index one collection needs; single-field ones already led by a compound index are skipped. */
export function indexSpecs(name: CollectionName): Record<string, 1 | -1>[] {
  const compound = COMPOUND_INDEXES[name] ?? [];
  const leading = new Set(compound.map((spec) => Object.keys(spec)[0]));
  const single = INDEXES[name].filter((field) => !leading.has(field)).map((field) => ({ [field]: 1 as const }));
  return [...single, ...compound];
}

/** Masks a driver error: collection, operation and numeric code only, never the driver's message. */
function storeError(collection: string, operation: string, error: unknown): StoreError {
  if (error instanceof StoreError) return error;
  if (error instanceof MongoServerError && error.code === 11000) {
    return new StoreError(`${collection}: duplicate key`, 'duplicate-key');
  }
  if (error instanceof MongoServerError && error.code === 66) return new StoreError(`${collection}: _id is immutable`);
  const name = error instanceof Error ? error.name : 'unknown error';
  const code = error instanceof MongoServerError && error.code !== undefined ? ` code ${String(error.code)}` : '';
  return new StoreError(`${collection}: ${operation} failed (${name}${code})`);
}

type Raw = Document;

class MongoCollection<T extends Document> implements Collection<T> {
  constructor(private readonly name: CollectionName, private readonly raw: DriverCollection<Raw>) {}

  private async run<R>(operation: string, body: () => Promise<R>): Promise<R> {
    try {
      return await body();
    } catch (error) {
      throw storeError(this.name, operation, error);
    }
  }

  async find(filter: Filter, options: FindOptions = {}): Promise<T[]> {
    return this.run('find', async () => {
      let cursor = this.raw.find(filter as DriverFilter<Raw>, {
        sort: options.sort ?? { _id: 1 },
        ...(options.projection !== undefined ? { projection: options.projection } : {}),
      });
      if (options.skip !== undefined && options.skip > 0) cursor = cursor.skip(options.skip);
      if (options.limit !== undefined && options.limit > 0) cursor = cursor.limit(options.limit);
      return (await cursor.toArray()) as T[];
    });
  }

  async findOne(filter: Filter, options: FindOptions = {}): Promise<T | null> {
    const [first] = await this.find(filter, { ...options, limit: 1 });
    return first ?? null;
  }

  async countDocuments(filter: Filter): Promise<number> {
    return this.run('countDocuments', () => this.raw.countDocuments(filter as DriverFilter<Raw>));
  }

  async aggregate<R = Record<string, unknown>>(pipeline: Record<string, unknown>[]): Promise<R[]> {
    return this.run('aggregate', async () => (await this.raw.aggregate(pipeline).toArray()) as R[]);
  }

  async insertOne(doc: T): Promise<void> {
    await this.insertMany([doc]);
  }

  async insertMany(docs: T[]): Promise<void> {
    for (const doc of docs) {
      if (typeof doc._id !== 'string' || doc._id === '') throw new StoreError(`${this.name}: documents need a string _id`);
    }
    if (docs.length === 0) return;
    // The driver adds nothing to documents that already carry an _id; copies keep callers' objects untouched.
    await this.run('insertMany', () => this.raw.insertMany(docs.map((doc) => ({ ...doc })) as OptionalUnlessRequiredId<Raw>[], { ordered: true }));
  }

  /** Upserts must name a string _id, as on the embedded store (the driver would invent an ObjectId). */
  private requireUpsertId(filter: Filter): void {
    if (typeof filter._id !== 'string' && !(typeof filter._id === 'object' && filter._id !== null && typeof (filter._id as { $eq?: unknown }).$eq === 'string')) {
      throw new StoreError(`${this.name}: upsert needs an _id in the filter`);
    }
  }

  private static requireOperators(name: string, update: Update): void {
    if (Object.keys(update).some((key) => !key.startsWith('$'))) throw new StoreError(`${name}: update must use operators`);
  }

  async updateOne(filter: Filter, update: Update, options: { upsert?: boolean } = {}): Promise<UpdateResult> {
    MongoCollection.requireOperators(this.name, update);
    if (options.upsert) this.requireUpsertId(filter);
    const result = await this.run('updateOne', () =>
      this.raw.updateOne(filter as DriverFilter<Raw>, update as UpdateFilter<Raw>, { upsert: options.upsert === true }));
    return { matchedCount: result.matchedCount, modifiedCount: result.modifiedCount, upsertedId: result.upsertedId === null ? null : String(result.upsertedId) };
  }

  async updateMany(filter: Filter, update: Update): Promise<UpdateResult> {
    MongoCollection.requireOperators(this.name, update);
    const result = await this.run('updateMany', () => this.raw.updateMany(filter as DriverFilter<Raw>, update as UpdateFilter<Raw>));
    return { matchedCount: result.matchedCount, modifiedCount: result.modifiedCount, upsertedId: null };
  }

  async replaceOne(filter: Filter, doc: T, options: { upsert?: boolean } = {}): Promise<UpdateResult> {
    // The replacement carries its _id: the server refuses one that differs from the matched document's
    // (code 66), and an upsert inserts under it, as the embedded store does.
    const result = await this.run('replaceOne', () =>
      this.raw.replaceOne(filter as DriverFilter<Raw>, { ...doc }, { upsert: options.upsert === true }));
    return { matchedCount: result.matchedCount, modifiedCount: result.modifiedCount, upsertedId: result.upsertedId === null ? null : String(result.upsertedId) };
  }

  async deleteOne(filter: Filter): Promise<{ deletedCount: number }> {
    const result = await this.run('deleteOne', () => this.raw.deleteOne(filter as DriverFilter<Raw>));
    return { deletedCount: result.deletedCount };
  }

  async deleteMany(filter: Filter): Promise<{ deletedCount: number }> {
    const result = await this.run('deleteMany', () => this.raw.deleteMany(filter as DriverFilter<Raw>));
    return { deletedCount: result.deletedCount };
  }
}

export interface MongoStoreOptions {
  uri: string;
  dbName: string;
  logger: Logger;
  /** How long to wait for a reachable server before giving up (start-up and each operation). */
  serverSelectionTimeoutMS?: number;
}

/** The URI with any password removed, for logs. */
function redactUri(uri: string): string {
  return uri.replace(/\/\/([^@/]*)@/, (_match, credentials: string) => `//${credentials.split(':')[0]}:***@`);
}

export class MongoStore implements Store {
  readonly kind = 'mongodb' as const;
  private readonly collections = new Map<CollectionName, MongoCollection<Document>>();

  private constructor(private readonly client: MongoClient, private readonly db: Db) {
    for (const name of COLLECTIONS) {
      const raw = db.collection<Raw>(name, MAJORITY_COLLECTIONS.has(name) ? { writeConcern: MAJORITY } : {});
      this.collections.set(name, new MongoCollection(name, raw));
    }
  }

  /** Connects, checks the server answers and creates the indexes; throws a StoreError otherwise. */
  static async connect(options: MongoStoreOptions): Promise<MongoStore> {
    const client = new MongoClient(options.uri, {
      appName: 'privacy-gateway',
      serverSelectionTimeoutMS: options.serverSelectionTimeoutMS ?? 10_000,
    });
    try {
      await client.connect();
      const store = new MongoStore(client, client.db(options.dbName));
      await store.ping();
      await store.ensureIndexes();
      options.logger.info({ uri: redactUri(options.uri), db: options.dbName }, 'MongoDB store connected, indexes ready');
      return store;
    } catch (error) {
      await client.close().catch(() => undefined);
      throw storeError('mongodb', 'connect', error);
    }
  }

  private async ensureIndexes(): Promise<void> {
    for (const name of COLLECTIONS) {
      const specs = indexSpecs(name);
      if (specs.length === 0) continue;
      await this.db.collection(name).createIndexes(specs.map((key) => ({ key })));
    }
  }

  collection<T extends Document = Document>(name: CollectionName): Collection<T> {
    const collection = this.collections.get(name);
    if (collection === undefined) throw new StoreError(`unknown collection ${name}`);
    return collection as unknown as Collection<T>;
  }

  readonly atRest = null;

  /** The server manages its own files: nothing the gateway can purge. */
  async purgeDeleted(): Promise<void> {}

  async ping(): Promise<void> {
    try {
      await this.db.command({ ping: 1 });
    } catch (error) {
      throw storeError('mongodb', 'ping', error);
    }
  }

  /** Closes every connection (the HTTP server is closed first, so no request is in flight). */
  async close(): Promise<void> {
    await this.client.close();
  }
}
