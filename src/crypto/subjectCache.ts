/**
 * The process-wide, bounded cache of what decryption at rest produces, one entry per data subject:
 * its unwrapped data keys (ready KeyObjects, by key version) and the values already decrypted with
 * them (by `collection.field`, each remembered together with the exact ciphertext it came from, so a
 * rewritten value — new ciphertext — is never answered from the cache).
 *
 * Encryption at rest protects what is on disk and in backups; like a database's buffer pool under
 * transparent data encryption, the running process keeps a bounded working set in memory. Bounds:
 * `maxSubjects` entries (least recently used evicted) and `ttlMs` per entry, so a key shredded by
 * another gateway process sharing the same database is forgotten here within the TTL.
 *
 * Erasure clears a subject at once (`forget`, called by crypto-shredding before and after its keys
 * are deleted). Each `forget` bumps `epoch`; a read that started before a forget never writes into the
 * cache afterwards (`remember*` takes the epoch the read started at), so a key being shredded cannot
 * be put back by a request that was in flight.
 */
import { LRUCache } from 'lru-cache';
import type { AesKey } from './envelope';

export interface DecryptedValue {
  stored: string;
  value: unknown;
}

export interface SubjectEntry {
  keys: Map<number, AesKey>;
  values: Map<string, DecryptedValue>;
}

export interface SubjectCacheOptions {
  /** Subjects kept (least recently used evicted). Default 10,000; 0 keeps nothing. */
  maxSubjects?: number;
  /** How long an entry lives after it was created. Default 10 minutes. */
  ttlMs?: number;
}

export const DEFAULT_SUBJECT_CACHE: Required<SubjectCacheOptions> = { maxSubjects: 10_000, ttlMs: 10 * 60_000 };

export class SubjectCache {
  private readonly entries: LRUCache<string, SubjectEntry>;
  private readonly enabled: boolean;
  private generation = 0;

  constructor(options: SubjectCacheOptions = {}) {
    const { maxSubjects, ttlMs } = { ...DEFAULT_SUBJECT_CACHE, ...options };
    this.enabled = maxSubjects > 0;
    this.entries = new LRUCache<string, SubjectEntry>({ max: Math.max(1, maxSubjects), ttl: ttlMs, ttlAutopurge: false });
  }

  /** Changes whenever a subject is forgotten; reads take it when they start. */
  get epoch(): number {
    return this.generation;
  }

  /** Does the cache hold anything (key or value) of this subject? */
  holds(subjectId: string): boolean {
    return this.entries.has(subjectId);
  }

  hasKeys(subjectId: string): boolean {
    const entry = this.entries.get(subjectId);
    return entry !== undefined && entry.keys.size > 0;
  }

  /** The subject's entry (counts as a use), if cached. Read-only for callers: write through remember*. */
  entryOf(subjectId: string): Readonly<SubjectEntry> | undefined {
    return this.entries.get(subjectId);
  }

  key(subjectId: string, version: number): AesKey | undefined {
    return this.entries.get(subjectId)?.keys.get(version);
  }

  rememberKey(subjectId: string, version: number, key: AesKey, epoch: number): void {
    if (!this.enabled || epoch !== this.generation) return;
    this.entry(subjectId).keys.set(version, key);
  }

  rememberValue(subjectId: string, place: string, stored: string, value: unknown, epoch: number): void {
    if (!this.enabled || epoch !== this.generation) return;
    this.entry(subjectId).values.set(place, { stored, value });
  }

  /** Drops every key and value of the subject, now. */
  forget(subjectId: string): void {
    this.generation += 1;
    this.entries.delete(subjectId);
  }

  /** Drops everything (e.g. when the store closes). */
  clear(): void {
    this.generation += 1;
    this.entries.clear();
  }

  get size(): number {
    return this.entries.size;
  }

  private entry(subjectId: string): SubjectEntry {
    let entry = this.entries.get(subjectId);
    if (entry === undefined) {
      entry = { keys: new Map(), values: new Map() };
      this.entries.set(subjectId, entry);
    }
    return entry;
  }
}
