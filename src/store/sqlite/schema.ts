/**
 * The embedded store's SQLite schema: one table per collection holding each document as JSONB, its
 * `_id` in its own unique column (keyset paging walks that index), expression indexes on the fields
 * port.ts INDEXES names, and a side table per array field (audit subject ids) kept by triggers, so
 * "events touching subject X" is an index lookup too.
 */
import { PURPOSE_REGISTRY, PURPOSES } from '../../policy/purposes';
import { COLLECTIONS, INDEXES, type CollectionName } from '../port';
import type { FilterContext } from './filterSql';

/**
 * Bumped when the table layout changes. A file of an older version this module can upgrade
 * (UPGRADES) is upgraded in place at start-up, in one transaction; any other version is refused.
 */
export const SCHEMA_VERSION = 2;

/**
 * The statements that bring a file of version N to N + 1. Version 2 adds `ver` to every collection
 * table: a number every write of a row sets afresh, so a reader can tell an unchanged row from its
 * cached parse without reading the document (parsedRows.ts).
 */
export const UPGRADES: Readonly<Record<number, () => string[]>> = {
  1: () => COLLECTIONS.map((name) => `ALTER TABLE ${quote(name)} ADD COLUMN ver INTEGER NOT NULL DEFAULT 0`),
};

/** Indexed fields that hold arrays (one side-table row per element). Every other indexed field is scalar. */
const MULTIKEY: Readonly<Partial<Record<CollectionName, readonly string[]>>> = {
  audit: ['subjectIds'],
};

/**
 * Append-only, hash-chained collections whose appends the append writer commits on its own thread
 * (appendWriter.ts): the audit trail, written before every reply.
 */
export const OFF_THREAD_APPENDS: ReadonlySet<CollectionName> = new Set(['audit']);

const CONSENT_PURPOSES = PURPOSES.filter((purpose) => PURPOSE_REGISTRY[purpose].consent !== 'NONE');

/**
 * Expression indexes over several fields (`?field` indexes json_type, i.e. presence). The customers
 * one covers every attribute that segments, report groupings and customer filters read, with each
 * purpose's consent status and the erasure mark: counts, filtered totals and two-dimension reports
 * scan this narrow index instead of the documents. Every field named here must hold a scalar.
 */
const COMPOUND: Readonly<Partial<Record<CollectionName, readonly string[][]>>> = {
  customers: [[
    'country', 'loyaltyTier', ...CONSENT_PURPOSES.map((purpose) => `consents.${purpose}.status`), '?erasedAt',
    'birthYear', 'postalPrefix', 'lifetimeValue', 'orderCount', 'lastPurchaseAt',
  ]],
  consentEvents: [['subjectId', 'at']],
};

/**
 * Partial indexes of the rows without a mark (customers: not erased), holding id and ver: a page of
 * live rows in id order walks this index, and whether each row is still the one the parsed-row cache
 * holds is read from it too.
 */
const LIVE_INDEX: Readonly<Partial<Record<CollectionName, string>>> = {
  customers: 'erasedAt',
};

const quote = (name: string) => `"${name}"`;
const column = (field: string) => (field.startsWith('?') ? `json_type(doc, '$.${field.slice(1)}')` : `json_extract(doc, '$.${field}')`);

/** The collection's covering index (its first compound index): name and the expressions it holds. */
export interface CoveringIndex {
  name: string;
  /** Each indexed expression as the translators write it over a document column named `doc`. */
  expressions: string[];
}

export function coveringIndexOf(name: CollectionName): CoveringIndex | undefined {
  const fields = COMPOUND[name]?.[0];
  if (fields === undefined) return undefined;
  return { name: quote(`${name}__${fields[0]}_compound`), expressions: fields.map(column) };
}

export function sideTable(collection: CollectionName, field: string): string {
  return `${collection}__${field}`;
}

export interface CollectionLayout {
  table: string;
  ctx: FilterContext;
  /** Fields (dotted paths included) that must hold a scalar or nothing: their index would miss array elements. */
  scalarIndexed: readonly string[];
}

export function layoutOf(name: CollectionName): CollectionLayout {
  const multikey = MULTIKEY[name] ?? [];
  const compound = (COMPOUND[name] ?? []).flat().filter((field) => !field.startsWith('?'));
  const scalar = [...new Set([...INDEXES[name].filter((field) => !multikey.includes(field)), ...compound])];
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
  const statements = [`CREATE TABLE IF NOT EXISTS ${table} (rid INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE, doc BLOB NOT NULL, ver INTEGER NOT NULL DEFAULT 0)`];
  const multikey = MULTIKEY[name] ?? [];
  const compound = COMPOUND[name] ?? [];
  // A single-field index is left out where a compound index starts with that field.
  for (const field of INDEXES[name].filter((f) => !multikey.includes(f) && !compound.some((fields) => fields[0] === f))) {
    statements.push(`CREATE INDEX IF NOT EXISTS ${quote(`${name}__${field}`)} ON ${table} (${column(field)})`);
  }
  for (const fields of compound) {
    statements.push(`CREATE INDEX IF NOT EXISTS ${quote(`${name}__${fields[0]}_compound`)} ON ${table} (${fields.map(column).join(', ')})`);
  }
  const live = LIVE_INDEX[name];
  if (live !== undefined) {
    statements.push(`CREATE INDEX IF NOT EXISTS ${quote(`${name}__live`)} ON ${table} (id, ver) WHERE json_type(doc, '$.${live}') IS NULL`);
  }
  for (const field of multikey) {
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

/** Collections whose secondary indexes a first-start seed builds once at the end (bulk, not row by row). */
const BUILT_AFTER_SEED: ReadonlySet<CollectionName> = new Set(['customers', 'consentEvents']);

/**
 * Every statement that creates the schema (idempotent). With `deferSeedIndexes`, the secondary
 * indexes of the seeded bulk collections are left out (a second call without it adds them).
 */
export function schemaDdl(options: { deferSeedIndexes?: boolean } = {}): string[] {
  const statements = COLLECTIONS.flatMap(collectionDdl);
  const deferred = (statement: string) => options.deferSeedIndexes === true && /^CREATE INDEX/.test(statement)
    && [...BUILT_AFTER_SEED].some((name) => statement.includes(` ON "${name}" `));
  return [`CREATE TABLE IF NOT EXISTS store_info (key TEXT PRIMARY KEY, value TEXT NOT NULL)`, ...statements.filter((statement) => !deferred(statement))];
}
