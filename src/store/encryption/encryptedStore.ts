/**
 * A Store decorator that keeps personal data encrypted at rest, around ANY backend (embedded or
 * MongoDB), so both behave the same. For each collection with encrypted fields (derived from the
 * Policy, see crypto/encryptedFields.ts) it encrypts those fields on every write — one data key per
 * subject, AES-256-GCM bound to subject and field — and decrypts them when read (on first access of
 * each field, with a process-wide cache: crypto/lazyDecryption.ts, crypto/subjectCache.ts), so resolvers
 * and the policy engine see plain values. Queries are rewritten or refused by crypto/queryTranslation.ts
 * (exact email lookups go through the blind index). A value that fails to decrypt (tampered, or its
 * key shredded) is returned as null and reported: fail closed, never garbage.
 *
 * Every other collection, and the raw `keys` collection, passes straight through.
 */
import type { BlindIndexer } from '../../crypto/blindIndex';
import { DataKeys, type DataKeyDocument, type SubjectKeyCache } from './dataKeys';
import { encryptValue } from '../../crypto/envelope';
import { LazyDecryptor } from './lazyDecryption';
import { SubjectCache, type SubjectCacheOptions } from '../../crypto/subjectCache';
import type { EncryptedFieldMap } from './encryptedFields';
import type { MasterKeyring } from '../../crypto/masterKeys';
import { QueryTranslator, type BlindIndexedField } from './queryTranslation';
import {
  StoreError,
  type Collection, type CollectionName, type EncryptionAtRest, type Document, type Filter, type FindOptions, type Store, type Update, type UpdateResult,
} from '../port';

/** Reported (to the log) for every value that could not be decrypted; never carries the value. */
export interface DecryptFailure {
  collection: string;
  subjectId: string;
  field: string;
  reason: string;
}

export interface EncryptionOptions {
  keyring: MasterKeyring;
  emailBlindIndex: BlindIndexer;
  fields: EncryptedFieldMap;
  onDecryptFailure?: (failure: DecryptFailure) => void;
  /** Bounds of the process-wide cache of unwrapped keys and decrypted values (crypto/subjectCache.ts). */
  cache?: SubjectCacheOptions;
}

/** Blind-indexed fields per collection: equality lookups that survive encryption. */
const BLIND_INDEXES: Partial<Record<CollectionName, { field: string; indexField: string }>> = {
  customers: { field: 'email', indexField: 'emailIndex' },
};

type Body = Record<string, unknown>;

class EncryptedCollection<T extends Document> implements Collection<T> {
  private readonly translator: QueryTranslator;
  private readonly lazy: LazyDecryptor;

  constructor(
    private readonly name: CollectionName,
    private readonly inner: Collection<T>,
    private readonly fields: ReadonlySet<string>,
    private readonly keys: DataKeys,
    keyring: MasterKeyring,
    private readonly blind: BlindIndexedField | undefined,
    onDecryptFailure: (failure: DecryptFailure) => void,
  ) {
    this.translator = new QueryTranslator(name, fields, blind);
    this.lazy = new LazyDecryptor(name, fields, keys.cache, keyring, onDecryptFailure, blind?.indexField);
  }

  // ---- reads ----

  /** Copies whose encrypted fields decrypt on first read (lazyDecryption.ts); one key query per batch at most. */
  private decryptAll(docs: T[]): Promise<T[]> {
    return this.lazy.prepareAll(docs, (subjectIds) => this.keys.wrappedKeys(subjectIds));
  }

  /** Keeps `_id` in every projection (it is the subject the values are bound to); strips it after if asked. */
  private findOptions(options: FindOptions | undefined): { options: FindOptions | undefined; stripId: boolean } {
    if (options === undefined) return { options, stripId: false };
    this.translator.sort(options.sort);
    if (options.projection === undefined) return { options, stripId: false };
    this.translator.assertNoReferences(Object.values(options.projection));
    const { _id, ...rest } = options.projection;
    return { options: { ...options, projection: rest }, stripId: _id === 0 };
  }

  private strip(docs: T[], stripId: boolean): T[] {
    if (!stripId) return docs;
    return docs.map(({ _id, ...rest }) => rest as T);
  }

  async find(filter: Filter, options?: FindOptions): Promise<T[]> {
    const planned = this.findOptions(options);
    const docs = await this.inner.find(this.translator.filter(filter), planned.options);
    return this.strip(await this.decryptAll(docs), planned.stripId);
  }

  async findOne(filter: Filter, options?: FindOptions): Promise<T | null> {
    const planned = this.findOptions(options);
    const doc = await this.inner.findOne(this.translator.filter(filter), planned.options);
    if (doc === null) return null;
    return this.strip(await this.decryptAll([doc]), planned.stripId)[0]!;
  }

  async countDocuments(filter: Filter): Promise<number> {
    return this.inner.countDocuments(this.translator.filter(filter));
  }

  /** Top-level result documents keyed by a subject `_id` are decrypted (e.g. $match/$sort/$limit pipelines). */
  async aggregate<R = Record<string, unknown>>(pipeline: Record<string, unknown>[]): Promise<R[]> {
    const results = await this.inner.aggregate<R>(this.translator.pipeline(pipeline));
    return (await this.decryptAll(results as unknown as T[])) as unknown as R[];
  }

  // ---- writes ----

  private encryptField(field: string, value: unknown, subjectId: string, cache: SubjectKeyCache | null): unknown {
    if (value === null || value === undefined) return value;
    const current = cache?.current(subjectId);
    if (current === undefined) throw new StoreError(`${this.name}: no data key for a subject being written`);
    return encryptValue(current.key, current.version, { collection: this.name, subjectId, field }, value);
  }

  private blindValue(value: unknown): string | null {
    return typeof value === 'string' && this.blind !== undefined ? this.blind.index(value) : null;
  }

  private encryptDoc(doc: T, cache: SubjectKeyCache): T {
    const out: Body = { ...doc };
    for (const field of this.fields) if (field in out) out[field] = this.encryptField(field, out[field], doc._id, cache);
    if (this.blind !== undefined) {
      if (this.blind.field in doc) out[this.blind.indexField] = this.blindValue(doc[this.blind.field]);
      else delete out[this.blind.indexField];
    }
    return out as T;
  }

  private needsKey(doc: Document): boolean {
    for (const field of this.fields) if (doc[field] !== null && doc[field] !== undefined) return true;
    return false;
  }

  private async encryptDocs(docs: T[]): Promise<T[]> {
    for (const doc of docs) if (typeof doc._id !== 'string' || doc._id === '') throw new StoreError(`${this.name}: documents need a string _id`);
    const cache = await this.keys.forSubjects(docs.filter((doc) => this.needsKey(doc)).map((doc) => doc._id), { create: true });
    return docs.map((doc) => this.encryptDoc(doc, cache));
  }

  async insertOne(doc: T): Promise<void> {
    await this.insertMany([doc]);
  }

  async insertMany(docs: T[]): Promise<void> {
    await this.inner.insertMany(await this.encryptDocs(docs));
  }

  async replaceOne(filter: Filter, doc: T, options?: { upsert?: boolean }): Promise<UpdateResult> {
    const translated = this.translator.filter(filter);
    const [encrypted] = await this.encryptDocs([doc]);
    return this.inner.replaceOne(translated, encrypted!, options);
  }

  /** The update with encrypted assignments encrypted for one subject, and the blind index kept in step. */
  private encryptUpdate(update: Update, subjectId: string, cache: SubjectKeyCache | null): Update {
    const out: Update = {};
    for (const [op, body] of Object.entries(update)) {
      if (body === null || typeof body !== 'object' || Array.isArray(body)) {
        out[op] = body;
        continue;
      }
      const next: Body = { ...(body as Body) };
      if (op === '$set' || op === '$setOnInsert') {
        for (const field of this.fields) {
          if (!(field in next)) continue;
          next[field] = this.encryptField(field, next[field], subjectId, cache);
        }
      }
      if (this.blind !== undefined && this.blind.field in next) {
        next[this.blind.indexField] = op === '$unset' ? '' : this.blindValue((body as Body)[this.blind.field]);
      }
      out[op] = next;
    }
    return out;
  }

  /** True when the update assigns a non-null value to an encrypted field (so the subject needs a key). */
  private writesValues(update: Update): boolean {
    const assigned = this.translator.assignedEncryptedFields(update);
    return ['$set', '$setOnInsert'].some((op) => {
      const body = update[op] as Body | undefined;
      return body !== undefined && assigned.some((field) => body[field] !== null && body[field] !== undefined);
    });
  }

  async updateOne(filter: Filter, update: Update, options?: { upsert?: boolean }): Promise<UpdateResult> {
    const translated = this.translator.filter(filter);
    // Clearing fields (e.g. an erasure tombstone) needs no key: a shredded subject never gets a new one.
    if (!this.writesValues(update)) {
      return this.inner.updateOne(translated, this.encryptUpdate(update, '', null), options);
    }
    if (typeof filter._id === 'string') {
      const cache = await this.keys.forSubjects([filter._id], { create: true });
      return this.inner.updateOne(translated, this.encryptUpdate(update, filter._id, cache), options);
    }
    if (options?.upsert) throw new StoreError(`${this.name}: an upsert that writes encrypted fields needs the _id in its filter`);
    const match = await this.inner.findOne(translated, { projection: { _id: 1 } });
    if (match === null) return { matchedCount: 0, modifiedCount: 0, upsertedId: null };
    const cache = await this.keys.forSubjects([match._id], { create: true });
    return this.inner.updateOne({ $and: [translated, { _id: match._id }] }, this.encryptUpdate(update, match._id, cache));
  }

  /** Encrypted assignments differ per subject, so such an update is applied document by document. */
  async updateMany(filter: Filter, update: Update): Promise<UpdateResult> {
    const translated = this.translator.filter(filter);
    if (!this.writesValues(update)) {
      return this.inner.updateMany(translated, this.encryptUpdate(update, '', null));
    }
    const ids = (await this.inner.find(translated, { projection: { _id: 1 } })).map((doc) => doc._id);
    const cache = await this.keys.forSubjects(ids, { create: true });
    const total: UpdateResult = { matchedCount: 0, modifiedCount: 0, upsertedId: null };
    for (const id of ids) {
      const result = await this.inner.updateOne({ $and: [translated, { _id: id }] }, this.encryptUpdate(update, id, cache));
      total.matchedCount += result.matchedCount;
      total.modifiedCount += result.modifiedCount;
    }
    return total;
  }

  /** Deleting a subject's document also shreds its data key: no copy of its values stays readable. */
  async deleteOne(filter: Filter): Promise<{ deletedCount: number }> {
    const translated = this.translator.filter(filter);
    const match = await this.inner.findOne(translated, { projection: { _id: 1 } });
    if (match === null) return { deletedCount: 0 };
    const result = await this.inner.deleteOne({ _id: match._id });
    await this.keys.shred(match._id);
    return result;
  }

  async deleteMany(filter: Filter): Promise<{ deletedCount: number }> {
    const translated = this.translator.filter(filter);
    const ids = (await this.inner.find(translated, { projection: { _id: 1 } })).map((doc) => doc._id);
    const result = await this.inner.deleteMany({ _id: { $in: ids } });
    for (const id of ids) await this.keys.shred(id);
    return result;
  }
}

export class EncryptedStore implements Store {
  readonly kind: Store['kind'];
  private readonly dataKeys: DataKeys;
  private readonly collections = new Map<CollectionName, Collection>();
  private compaction: Promise<void> = Promise.resolve();

  constructor(readonly inner: Store, private readonly options: EncryptionOptions) {
    this.kind = inner.kind;
    this.dataKeys = new DataKeys(inner.collection<DataKeyDocument>('keys'), options.keyring, new SubjectCache(options.cache));
  }

  collection<T extends Document = Document>(name: CollectionName): Collection<T> {
    const fields = this.options.fields.get(name);
    if (fields === undefined || fields.size === 0) return this.inner.collection<T>(name);
    let wrapped = this.collections.get(name);
    if (wrapped === undefined) {
      const spec = BLIND_INDEXES[name];
      const blind = spec === undefined || !fields.has(spec.field) ? undefined : { ...spec, index: this.options.emailBlindIndex };
      wrapped = new EncryptedCollection(name, this.inner.collection(name), fields, this.dataKeys, this.options.keyring, blind, this.options.onDecryptFailure ?? (() => undefined));
      this.collections.set(name, wrapped);
    }
    return wrapped as unknown as Collection<T>;
  }

  /**
   * Crypto-shredding: deletes the subject's data keys, then compacts the embedded store's history so
   * its current files no longer hold the wrapped key either. Returns the number of keys deleted.
   */
  async shredSubject(subjectId: string): Promise<number> {
    const deleted = await this.dataKeys.shred(subjectId);
    this.compaction = this.compaction.catch(() => undefined).then(() => this.inner.purgeDeleted());
    await this.compaction;
    return deleted;
  }

  get atRest(): EncryptionAtRest {
    return this;
  }

  purgeDeleted(): Promise<void> {
    return this.inner.purgeDeleted();
  }

  /** The process-wide cache of unwrapped keys and decrypted values (cleared per subject on shredding). */
  get subjectCache(): SubjectCache {
    return this.dataKeys.cache;
  }

  ping(): Promise<void> {
    return this.inner.ping();
  }

  async close(): Promise<void> {
    this.dataKeys.cache.clear();
    await this.compaction.catch(() => undefined);
    await this.inner.close();
  }
}
