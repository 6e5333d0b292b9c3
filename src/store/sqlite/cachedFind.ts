/**
 * A find through the parsed-row cache (parsedRows.ts): which rows, in order, with their versions (from
 * an index alone where one covers the condition). When the cache holds every one at its version, that
 * one statement is the answer. Otherwise the rows are listed again and only the missing documents
 * read, both in one read transaction, so membership and documents come from one snapshot.
 */
import type { Database, Statement } from 'better-sqlite3';
import { StoreError } from '../port';
import type { ParsedRows } from './parsedRows';

type Listed = { rid: number; ver: number };
type Bindings = Record<string, string | number | bigint | null>;

export class CachedFind<T> {
  /** A read transaction, made once (better-sqlite3 transaction functions are meant to be reused). */
  private readonly snapshot: (read: () => T[]) => T[];

  constructor(
    private readonly collection: string,
    private readonly table: string,
    db: Database,
    private readonly prepare: (sql: string) => Statement,
    private readonly rows: ParsedRows,
  ) {
    this.snapshot = db.transaction((read: () => T[]) => read());
  }

  /** `sql` selects `rid` and `ver` of the matching rows, in order. */
  find(sql: string, bindings: Bindings): T[] {
    const list = () => this.prepare(sql).all(bindings) as Listed[];
    const cached = list().map((row) => this.rows.cached<T>(row.rid, row.ver));
    if (!cached.includes(undefined)) return cached as T[];
    return this.snapshot(() => this.readMissing(list()));
  }

  private readMissing(found: Listed[]): T[] {
    const docs = found.map((row) => this.rows.cached<T>(row.rid, row.ver));
    const missing = found.filter((_row, index) => docs[index] === undefined).map((row) => row.rid);
    const texts = new Map<number, string>();
    const fetch = this.prepare(`SELECT t.rid AS rid, json(t.doc) AS doc FROM ${this.table} AS t WHERE t.rid IN (SELECT value FROM json_each(?))`);
    for (const row of fetch.all(JSON.stringify(missing)) as { rid: number; doc: string }[]) texts.set(row.rid, row.doc);
    found.forEach((row, index) => {
      if (docs[index] !== undefined) return;
      const text = texts.get(row.rid);
      if (text === undefined) throw new StoreError(`${this.collection}: a row vanished within its read`);
      docs[index] = this.rows.parse<T>(row.rid, row.ver, text);
    });
    return docs as T[];
  }
}
