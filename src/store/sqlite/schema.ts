/**
 * The embedded store's SQLite schema: one table per collection holding each document as JSONB, its
 * `_id` in its own unique column (keyset paging walks that index), expression indexes on the fields
 * port.ts INDEXES names, and a side table per array field (audit subject ids) kept by triggers, so
 * "events touching subject X" is an index lookup too.
 */
import { COLLECTIONS, INDEXES, type CollectionName } from '../port';
import type { FilterContext } from './filterSql';

/** Bumped when the table layout changes; a file with another version is refused at start-up. */
export const SCHEMA_VERSION = 1;

/** Indexed fields that hold arrays (one side-table row per element). Every other indexed field is scalar. */
const MULTIKEY: Readonly<Partial<Record<CollectionName, readonly string[]>>> = {
  audit: ['subjectIds'],
};

/** Extra expression indexes over several fields (queries that filter and sort). */
const COMPOUND: Readonly<Partial<Record<CollectionName, readonly string[][]>>> = {
  consentEvents: [['subjectId', 'at']],
};

const quote = (name: string) => `"${name}"`;
const extract = (field: string) => `json_extract(doc, '$.${field}')`;

export function sideTable(collection: CollectionName, field: string): string {
  return `${collection}__${field}`;
}

export interface CollectionLayout {
  table: string;
  ctx: FilterContext;
  /** Fields that must hold a scalar (or nothing): their index would miss array elements. */
  scalarIndexed: readonly string[];
}

export function layoutOf(name: CollectionName): CollectionLayout {
  const multikey = MULTIKEY[name] ?? [];
  const scalar = INDEXES[name].filter((field) => !multikey.includes(field));
  return {
    table: quote(name),
    scalarIndexed: scalar,
    ctx: {
      doc: 't.doc',
      id: 't.id',
      rid: 't.rid',
      scalarIndexed: new Set(scalar),
      multikey: new Map(multikey.map((field) => [field, quote(sideTable(name, field))])),
    },
  };
}

function collectionDdl(name: CollectionName): string[] {
  const table = quote(name);
  const statements = [`CREATE TABLE IF NOT EXISTS ${table} (rid INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE, doc BLOB NOT NULL)`];
  const { scalarIndexed } = layoutOf(name);
  for (const field of scalarIndexed) {
    statements.push(`CREATE INDEX IF NOT EXISTS ${quote(`${name}__${field}`)} ON ${table} (${extract(field)})`);
  }
  for (const fields of COMPOUND[name] ?? []) {
    statements.push(`CREATE INDEX IF NOT EXISTS ${quote(`${name}__${fields.join('_')}`)} ON ${table} (${fields.map(extract).join(', ')})`);
  }
  for (const field of MULTIKEY[name] ?? []) {
    const side = quote(sideTable(name, field));
    const fill = (row: string) => `INSERT INTO ${side} (value, owner) SELECT DISTINCT value, ${row}.rid FROM json_each(${row}.doc, '$.${field}') WHERE type = 'text';`;
    statements.push(
      `CREATE TABLE IF NOT EXISTS ${side} (value TEXT NOT NULL, owner INTEGER NOT NULL, PRIMARY KEY (value, owner)) WITHOUT ROWID`,
      `CREATE INDEX IF NOT EXISTS ${quote(`${sideTable(name, field)}__owner`)} ON ${side} (owner)`,
      `CREATE TRIGGER IF NOT EXISTS ${quote(`${sideTable(name, field)}__insert`)} AFTER INSERT ON ${table} BEGIN ${fill('NEW')} END`,
      `CREATE TRIGGER IF NOT EXISTS ${quote(`${sideTable(name, field)}__update`)} AFTER UPDATE OF doc ON ${table} BEGIN DELETE FROM ${side} WHERE owner = OLD.rid; ${fill('NEW')} END`,
      `CREATE TRIGGER IF NOT EXISTS ${quote(`${sideTable(name, field)}__delete`)} AFTER DELETE ON ${table} BEGIN DELETE FROM ${side} WHERE owner = OLD.rid; END`,
    );
  }
  return statements;
}

/** Every statement that creates the schema (idempotent). */
export function schemaDdl(): string[] {
  return [
    `CREATE TABLE IF NOT EXISTS store_info (key TEXT PRIMARY KEY, value TEXT NOT NULL)`,
    ...COLLECTIONS.flatMap(collectionDdl),
  ];
}
