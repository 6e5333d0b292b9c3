/**
 * Decryption on first read. A document read from an encrypted collection is handed out as a fresh
 * copy: a value the process-wide cache already holds (decrypted earlier from this exact ciphertext)
 * is copied in plain; every other encrypted field becomes an accessor property (enumerable,
 * configurable, assignable) whose value is decrypted only when something reads that field — so fields a query does not select, and fields
 * that enforcement redacts to null without looking at the value, are never decrypted. Copies
 * (`{ ...doc }`, `JSON.stringify`, `structuredClone`) read through the accessors and so see plain
 * values; nothing outside this module ever sees ciphertext.
 *
 * Keys and values come from the process-wide SubjectCache when present; otherwise from the wrapped
 * keys fetched with the read (one query for the whole batch, only for subjects not cached). The
 * accessors are created once per collection and field (no closure per value); a document carries its
 * ciphertexts and the keys it may use in one non-enumerable slot.
 *
 * A value that fails to decrypt (tampered, key shredded, not ciphertext at all) reads as null and is
 * reported once, naming collection, subject and field — never the value.
 */
import type { DataKeyDocument } from './dataKeys';
import { decryptValue, DecryptionError, isEncryptedValue, keyVersionOf, type AesKey } from '../../crypto/envelope';
import type { MasterKeyring } from '../../crypto/masterKeys';
import type { SubjectCache, SubjectEntry } from '../../crypto/subjectCache';
import { inSpan } from '../../tracing/spans';

export interface DecryptFailureReport {
  collection: string;
  subjectId: string;
  field: string;
  reason: string;
}

const SEALED = Symbol('sealed-fields');

interface SealedState {
  subjectId: string;
  /** The cache epoch when the read started: nothing is cached from this document after an erasure. */
  epoch: number;
  stored: Record<string, string>;
  /** The subject's cache entry when the document was read: its keys and already decrypted values. */
  cached: Readonly<SubjectEntry> | undefined;
  /** Wrapped keys fetched with the read, for a subject that was not cached. */
  wrapped: readonly DataKeyDocument[] | undefined;
  /** Keys this document unwrapped itself (when the cache keeps nothing). */
  unwrapped?: Map<number, AesKey>;
}

type Sealable = Record<string | symbol, unknown> & { _id?: unknown };

const plain = (value: unknown): unknown => (value !== null && typeof value === 'object' ? structuredClone(value) : value);

function dataProperty(target: object, field: string, value: unknown): void {
  Object.defineProperty(target, field, { value, writable: true, enumerable: true, configurable: true });
}

export class LazyDecryptor {
  private readonly descriptors = new Map<string, PropertyDescriptor>();
  /** `collection.field`: where a value sits, as the cache names it. */
  private readonly places = new Map<string, string>();

  constructor(
    private readonly collection: string,
    private readonly fields: ReadonlySet<string>,
    private readonly cache: SubjectCache,
    private readonly ring: MasterKeyring,
    private readonly onFailure: (failure: DecryptFailureReport) => void,
    /** A stored-only field (the blind index) removed from every document handed out. */
    private readonly hiddenField?: string,
  ) {
    for (const field of fields) {
      this.descriptors.set(field, this.descriptor(field));
      this.places.set(field, `${collection}.${field}`);
    }
  }

  private descriptor(field: string): PropertyDescriptor {
    const decryptor = this;
    return {
      enumerable: true,
      configurable: true,
      get(this: Sealable) {
        return decryptor.read(this, field);
      },
      set(this: Sealable, value: unknown) {
        dataProperty(this, field, value);
      },
    };
  }

  /** Subjects whose keys (for every version their ciphertexts name) are not all cached; `entries[i]` is docs[i]'s cache entry. */
  private uncached(docs: readonly Sealable[], entries: readonly (Readonly<SubjectEntry> | undefined)[]): string[] {
    const missing = new Set<string>();
    docs.forEach((doc, index) => {
      if (typeof doc._id !== 'string') return;
      const keys = entries[index]?.keys;
      for (const field of this.fields) {
        const stored = doc[field];
        if (!isEncryptedValue(stored)) continue;
        let version: number;
        try {
          version = keyVersionOf(stored);
        } catch {
          continue; // reported as a failure when read
        }
        if (keys?.get(version) === undefined) {
          missing.add(doc._id);
          return;
        }
      }
    });
    return [...missing];
  }

  /** Copies of `docs` whose encrypted fields decrypt on first read. */
  async prepareAll<T>(docs: readonly T[], fetchWrapped: (subjectIds: string[]) => Promise<ReadonlyMap<string, DataKeyDocument[]>>): Promise<T[]> {
    const epoch = this.cache.epoch;
    const sealables = docs as unknown as readonly Sealable[];
    // One cache lookup per document: the key check and the copy both use it.
    const entries = sealables.map((doc) => (typeof doc._id === 'string' ? this.cache.entryOf(doc._id) : undefined));
    const missing = this.uncached(sealables, entries);
    const attributes = { 'db.collection.name': this.collection, 'gateway.decryption.documents': docs.length, 'gateway.decryption.uncached_subjects': missing.length };
    return inSpan('gateway.decryption', attributes, async () => {
      const wrapped = missing.length > 0 ? await fetchWrapped(missing) : new Map<string, DataKeyDocument[]>();
      // A subject forgotten (erased) while the keys were fetched is not served from what was cached before.
      const current = this.cache.epoch === epoch ? entries : sealables.map((doc) => (typeof doc._id === 'string' ? this.cache.entryOf(doc._id) : undefined));
      return sealables.map((doc, index) => this.prepare(doc, epoch, wrapped, current[index]) as T);
    });
  }

  /**
   * A fresh copy of `doc`: a value already in the cache (decrypted earlier from this exact
   * ciphertext) is copied in plain; any other ciphertext becomes an accessor that decrypts on read.
   */
  private prepare(doc: Sealable, epoch: number, wrapped: ReadonlyMap<string, DataKeyDocument[]>, cached: Readonly<SubjectEntry> | undefined): Sealable {
    const subjectId = doc._id;
    if (typeof subjectId !== 'string') return this.copyWithoutHidden(doc);
    const out: Sealable = {};
    let state: SealedState | undefined;
    for (const key in doc) {
      if (key === this.hiddenField) continue;
      const stored = doc[key];
      if (stored === null || stored === undefined || !this.fields.has(key)) {
        out[key] = stored;
        continue;
      }
      if (!isEncryptedValue(stored)) {
        this.fail(out, subjectId, key, new DecryptionError('value is not encrypted'));
        continue;
      }
      const hit = cached?.values.get(this.places.get(key)!);
      if (hit !== undefined && hit.stored === stored) {
        out[key] = plain(hit.value);
        continue;
      }
      state ??= { subjectId, epoch, stored: {}, cached, wrapped: wrapped.get(subjectId) };
      state.stored[key] = stored;
      Object.defineProperty(out, key, this.descriptors.get(key)!);
    }
    if (state !== undefined) Object.defineProperty(out, SEALED, { value: state, enumerable: false });
    return out;
  }

  private copyWithoutHidden(doc: Sealable): Sealable {
    const out: Sealable = { ...doc };
    if (this.hiddenField !== undefined) delete out[this.hiddenField];
    return out;
  }

  private keyFor(state: SealedState, version: number): AesKey {
    const known = state.cached?.keys.get(version) ?? this.cache.key(state.subjectId, version) ?? state.unwrapped?.get(version);
    if (known !== undefined) return known;
    const doc = state.wrapped?.find((candidate) => candidate.version === version);
    if (doc === undefined) throw new DecryptionError('no data key for this subject (never created, or shredded on erasure)');
    const key = this.ring.unwrap(doc, { subjectId: state.subjectId, version });
    this.cache.rememberKey(state.subjectId, version, key, state.epoch);
    (state.unwrapped ??= new Map()).set(version, key);
    return key;
  }

  /** The plain value of `field` (called by the accessor). */
  read(doc: Sealable, field: string): unknown {
    const state = doc[SEALED] as SealedState | undefined;
    const stored = state?.stored[field];
    if (state === undefined || stored === undefined) return null;
    const place = this.places.get(field)!;
    const hit = (state.cached ?? this.cache.entryOf(state.subjectId))?.values.get(place);
    if (hit !== undefined && hit.stored === stored) return plain(hit.value);
    try {
      const value = decryptValue(this.keyFor(state, keyVersionOf(stored)), { collection: this.collection, subjectId: state.subjectId, field }, stored);
      this.cache.rememberValue(state.subjectId, place, stored, value, state.epoch);
      return plain(value);
    } catch (error) {
      this.fail(doc, state.subjectId, field, error);
      return null;
    }
  }

  /** The field reads as null from now on; the failure is reported once. */
  private fail(doc: Sealable, subjectId: string, field: string, error: unknown): void {
    dataProperty(doc, field, null);
    this.onFailure({ collection: this.collection, subjectId, field, reason: error instanceof Error ? error.message : 'decryption failed' });
  }
}
