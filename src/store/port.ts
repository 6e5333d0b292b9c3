/**
 * The store port: collections spoken to in MongoDB's own filter, update and pipeline language, so the
 * embedded store (mingo) and the MongoDB driver are interchangeable. Every write resolves only once
 * it is durable (fsync'd on the embedded store; majority-acknowledged on MongoDB where it matters).
 */
export type Document = { _id: string } & Record<string, unknown>;
export type Filter = Record<string, unknown>;
export type Update = Record<string, unknown>;
export type SortSpec = Record<string, 1 | -1>;
export type Projection = Record<string, 0 | 1>;

export interface FindOptions {
  projection?: Projection;
  sort?: SortSpec;
  skip?: number;
  limit?: number;
}

export interface UpdateResult {
  matchedCount: number;
  modifiedCount: number;
  upsertedId: string | null;
}

export interface Collection<T extends Document = Document> {
  find(filter: Filter, options?: FindOptions): Promise<T[]>;
  findOne(filter: Filter, options?: FindOptions): Promise<T | null>;
  countDocuments(filter: Filter): Promise<number>;
  aggregate<R = Record<string, unknown>>(pipeline: Record<string, unknown>[]): Promise<R[]>;
  insertOne(doc: T): Promise<void>;
  insertMany(docs: T[]): Promise<void>;
  updateOne(filter: Filter, update: Update, options?: { upsert?: boolean }): Promise<UpdateResult>;
  updateMany(filter: Filter, update: Update): Promise<UpdateResult>;
  replaceOne(filter: Filter, doc: T, options?: { upsert?: boolean }): Promise<UpdateResult>;
  deleteOne(filter: Filter): Promise<{ deletedCount: number }>;
  deleteMany(filter: Filter): Promise<{ deletedCount: number }>;
}

/** The Collection methods that read (the rest write). */
export const READ_OPERATIONS: ReadonlySet<PropertyKey> = new Set(['find', 'findOne', 'countDocuments', 'aggregate']);

export const COLLECTIONS = ['customers', 'consentEvents', 'segments', 'partners', 'audit', 'keys', 'meta'] as const;
export type CollectionName = (typeof COLLECTIONS)[number];

/** Equality indexes each backend maintains (MongoDB creates them; the embedded store hashes them). */
export const INDEXES: Readonly<Record<CollectionName, readonly string[]>> = {
  customers: ['email', 'emailIndex', 'country', 'loyaltyTier'],
  consentEvents: ['subjectId'],
  segments: [],
  partners: [],
  audit: ['actor', 'subjectIds', 'at'],
  keys: ['subjectId'],
  meta: [],
};

export interface EncryptionAtRest {
  /** Destroys the subject's data keys (and every cached copy); returns how many keys were deleted. */
  shredSubject(subjectId: string): Promise<number>;
}

export interface Store {
  readonly kind: 'embedded' | 'mongodb';
  collection<T extends Document = Document>(name: CollectionName): Collection<T>;
  /** Resolves when the store answers; rejects otherwise. */
  ping(): Promise<void>;
  /**
   * Makes deleted data leave the backend's current files where the gateway controls them (the
   * embedded store zeroes freed pages and empties its write-ahead log); on MongoDB, whose files the
   * server manages, it does nothing.
   */
  purgeDeleted(): Promise<void>;
  /** Encryption at rest, when this store provides it (null otherwise): crypto-shredding of a subject. */
  readonly atRest: EncryptionAtRest | null;
  close(): Promise<void>;
}

/** Why a store operation failed: `duplicate-key` (an _id or unique key already present) or anything else. */
export type StoreErrorKind = 'duplicate-key' | 'failure';

/** Thrown for store failures; the message never carries document content (it may hold personal data). */
export class StoreError extends Error {
  override name = 'StoreError';
  constructor(message: string, readonly kind: StoreErrorKind = 'failure') {
    super(message);
  }
}
