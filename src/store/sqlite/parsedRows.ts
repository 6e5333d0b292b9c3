/**
 * Parsing a stored document's JSON is most of the cost of reading a page of customers (about 5 µs
 * per 1.4 KB document, 100 per page), and moving the text out of SQLite is most of the rest; the
 * same hot documents are read over and over. This cache keeps, per row, the parsed document with
 * the row's `ver` — a random number every write of the row sets afresh (in this process or any
 * other on the same database) — and a read asks SQLite for a row's document only when the cache
 * does not hold that row at that `ver` (`isFresh`, called from SQL while the page is read, so
 * membership and freshness come from one consistent statement). This process's own writes still
 * drop their rows at once, so an erased or rectified document does not linger in memory.
 *
 * Cached documents are shared by every reader, so they are deeply frozen: a caller that tried to
 * change one would fail loudly instead of changing what the next request reads. On an encrypted
 * store they hold ciphertext only (decryption happens above the store).
 */
import { LRUCache } from 'lru-cache';

/** Freezes a parsed JSON value and everything in it. */
function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const key of Object.keys(value)) deepFreeze((value as Record<string, unknown>)[key]);
  }
  return value;
}

interface Parsed {
  ver: number;
  doc: unknown;
}

/** A fresh `ver` for a row being written: 48 random bits, so a reused rowid never matches an old entry. */
export function newRowVersion(): number {
  return Math.floor(Math.random() * 2 ** 48) + 1;
}

export class ParsedRows {
  private readonly entries: LRUCache<number, Parsed>;

  constructor(maxDocuments: number) {
    this.entries = new LRUCache<number, Parsed>({ max: maxDocuments });
  }

  /** The cached document of row `rid` at `ver`, or undefined. */
  cached<T>(rid: number, ver: number): T | undefined {
    const hit = this.entries.get(rid);
    return hit !== undefined && hit.ver === ver ? hit.doc as T : undefined;
  }

  /** Parses and remembers row `rid` at `ver`. */
  parse<T>(rid: number, ver: number, text: string): T {
    const doc = deepFreeze(JSON.parse(text) as T);
    this.entries.set(rid, { ver, doc });
    return doc;
  }

  /** The row was rewritten or deleted by this process. */
  forget(rid: number): void {
    this.entries.delete(rid);
  }

  /** Rows were deleted in bulk. */
  clear(): void {
    this.entries.clear();
  }
}
