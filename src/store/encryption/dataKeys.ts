/**
 * Per-subject data keys, kept wrapped in the `keys` collection:
 * `{ _id: "dk:<subjectId>:<version>", subjectId, wrappedKey, masterKeyId, version, createdAt }`.
 *
 * `DataKeys.forSubjects` fetches the keys of a whole batch of subjects in one query and returns a
 * per-call cache that unwraps each key at most once (used by writes). Reads go through the
 * process-wide SubjectCache (crypto/subjectCache.ts) owned here, which `shred` clears at once, so no
 * unwrapped key survives its subject's erasure in memory.
 */
import { randomBytes } from 'node:crypto';
import type { Collection, Document } from '../port';
import { DecryptionError, KEY_BYTES, type AesKey } from '../../crypto/envelope';
import type { MasterKeyring } from '../../crypto/masterKeys';
import { SubjectCache } from '../../crypto/subjectCache';

export interface DataKeyDocument extends Document {
  subjectId: string;
  wrappedKey: string;
  masterKeyId: string;
  version: number;
  createdAt: string;
}

/** Version given to a subject's first data key. */
const FIRST_VERSION = 1;

export function dataKeyId(subjectId: string, version: number): string {
  return `dk:${subjectId}:${version}`;
}

/** The unwrapped keys of a batch of subjects, for the duration of one store call. */
export class SubjectKeyCache {
  private readonly unwrapped = new Map<string, AesKey>();

  constructor(private readonly docs: ReadonlyMap<string, DataKeyDocument[]>, private readonly ring: MasterKeyring) {}

  /** The key that decrypts values written under `version`; a missing (shredded) key is a DecryptionError. */
  key(subjectId: string, version: number): AesKey {
    const id = dataKeyId(subjectId, version);
    const cached = this.unwrapped.get(id);
    if (cached !== undefined) return cached;
    const doc = this.docs.get(subjectId)?.find((candidate) => candidate.version === version);
    if (doc === undefined) throw new DecryptionError('no data key for this subject (never created, or shredded on erasure)');
    const key = this.ring.unwrap(doc, { subjectId, version });
    this.unwrapped.set(id, key);
    return key;
  }

  /** The subject's newest key, used for new values; undefined when the subject has none. */
  current(subjectId: string): { key: AesKey; version: number } | undefined {
    const versions = this.docs.get(subjectId);
    if (versions === undefined || versions.length === 0) return undefined;
    const version = Math.max(...versions.map((doc) => doc.version));
    return { key: this.key(subjectId, version), version };
  }
}

export class DataKeys {
  constructor(
    private readonly keys: Collection<DataKeyDocument>,
    private readonly ring: MasterKeyring,
    /** Unwrapped keys and decrypted values of recently read subjects (process-wide, bounded). */
    readonly cache: SubjectCache = new SubjectCache(),
  ) {}

  /** The wrapped keys of these subjects, by subject (one query). */
  wrappedKeys(subjectIds: readonly string[]): Promise<Map<string, DataKeyDocument[]>> {
    return this.fetch(subjectIds);
  }

  private async fetch(subjectIds: readonly string[]): Promise<Map<string, DataKeyDocument[]>> {
    const bySubject = new Map<string, DataKeyDocument[]>();
    if (subjectIds.length === 0) return bySubject;
    const docs = await this.keys.find({ subjectId: { $in: [...new Set(subjectIds)] } });
    for (const doc of docs) {
      const list = bySubject.get(doc.subjectId);
      if (list === undefined) bySubject.set(doc.subjectId, [doc]);
      else list.push(doc);
    }
    return bySubject;
  }

  private newKeyDocument(subjectId: string): DataKeyDocument {
    const dataKey = randomBytes(KEY_BYTES);
    const wrapped = this.ring.wrap(dataKey, { subjectId, version: FIRST_VERSION });
    return {
      _id: dataKeyId(subjectId, FIRST_VERSION), subjectId, ...wrapped, version: FIRST_VERSION, createdAt: new Date().toISOString(),
    };
  }

  /** Keys of the given subjects; with `create`, subjects without one get a fresh key first. */
  async forSubjects(subjectIds: readonly string[], options: { create: boolean }): Promise<SubjectKeyCache> {
    let docs = await this.fetch(subjectIds);
    if (options.create) {
      const missing = [...new Set(subjectIds)].filter((id) => !docs.has(id));
      if (missing.length > 0) {
        try {
          await this.keys.insertMany(missing.map((id) => this.newKeyDocument(id)));
        } catch {
          // A concurrent writer created some of these keys first (duplicate _id): create the rest
          // one by one, then read back whatever won, so each subject ends up with exactly one key.
          for (const id of missing) await this.keys.insertOne(this.newKeyDocument(id)).catch(() => undefined);
        }
        docs = await this.fetch(subjectIds);
        if (missing.some((id) => !docs.has(id))) throw new DecryptionError('could not create a data key');
      }
    }
    return new SubjectKeyCache(docs, this.ring);
  }

  /** Crypto-shredding: deletes every data key of the subject. Returns how many were deleted. */
  async shred(subjectId: string): Promise<number> {
    // Forgotten before (no read in flight may cache it again) and after the keys are gone.
    this.cache.forget(subjectId);
    try {
      const { deletedCount } = await this.keys.deleteMany({ subjectId });
      return deletedCount;
    } finally {
      this.cache.forget(subjectId);
    }
  }
}
