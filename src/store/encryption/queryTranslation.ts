/**
 * What a query may ask of encrypted fields, and how it is rewritten. Ciphertext is randomised, so
 * the store can neither compare nor order it: a filter, sort or pipeline that reads an encrypted field
 * is refused with a StoreError, except equality on a blind-indexed field (email), which becomes
 * equality on its HMAC (`{ email: x }` → `{ emailIndex: hmac(normalise(x)) }`). Null and `$exists`
 * tests pass through: null is stored as null (it reveals nothing), presence is not a secret.
 */
import { StoreError, type Filter, type SortSpec, type Update } from '../port';
import type { BlindIndexer } from '../../crypto/blindIndex';

/** A blind-indexed encrypted field and where its index is stored. */
export interface BlindIndexedField {
  field: string;
  indexField: string;
  index: BlindIndexer;
}

const LOGICAL = new Set(['$and', '$or', '$nor']);
const EQUALITY = new Set(['$eq', '$ne', '$in', '$nin']);
/** Update operators that may touch an encrypted field: whole-value assignment and removal. */
const ASSIGNING = new Set(['$set', '$setOnInsert']);

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value) && !(value instanceof Date) && !(value instanceof RegExp);
}

export class QueryTranslator {
  constructor(
    private readonly collection: string,
    private readonly fields: ReadonlySet<string>,
    private readonly blind: BlindIndexedField | undefined,
  ) {}

  private refuse(what: string, path: string): never {
    throw new StoreError(`${this.collection}: ${what} on encrypted field ${path} is not supported (only exact email lookup, through its blind index)`);
  }

  /** The encrypted field a dotted path reads, if any. */
  encryptedRoot(path: string): string | undefined {
    const root = path.split('.')[0]!;
    return this.fields.has(root) ? root : undefined;
  }

  private isNullOrPresenceTest(term: unknown): boolean {
    if (term === null) return true;
    if (!isPlainObject(term)) return false;
    const ops = Object.keys(term);
    return ops.length > 0 && ops.every((op) => (op === '$eq' && term[op] === null) || (op === '$exists' && typeof term[op] === 'boolean'));
  }

  private blindTerm(term: unknown, path: string, blind: BlindIndexedField): unknown {
    const hash = (value: unknown): unknown => {
      if (value === null) return null;
      if (typeof value !== 'string') return this.refuse('a non-string comparison', path);
      return blind.index(value);
    };
    if (!isPlainObject(term)) return hash(term);
    const translated: Record<string, unknown> = {};
    for (const [op, operand] of Object.entries(term)) {
      if (!EQUALITY.has(op)) this.refuse(`operator ${op}`, path);
      if (op === '$in' || op === '$nin') {
        if (!Array.isArray(operand)) this.refuse(`operator ${op}`, path);
        translated[op] = operand.map(hash);
      } else {
        translated[op] = hash(operand);
      }
    }
    return translated;
  }

  /** Rewrites a filter for the stored form; throws StoreError when it reads an encrypted field. */
  filter(filter: Filter): Filter {
    const out: Filter = {};
    for (const [key, term] of Object.entries(filter)) {
      if (LOGICAL.has(key)) {
        if (!Array.isArray(term)) throw new StoreError(`${this.collection}: ${key} needs an array`);
        out[key] = term.map((sub: unknown) => (isPlainObject(sub) ? this.filter(sub) : sub));
        continue;
      }
      if (key === '$where' || key === '$function') this.refuse(key, '(any)');
      if (key === '$expr') {
        this.assertNoReferences(term);
        out[key] = term;
        continue;
      }
      const root = this.encryptedRoot(key);
      if (root === undefined) {
        if (this.blind !== undefined && key === this.blind.indexField && key in out) throw new StoreError(`${this.collection}: conflicting ${key} terms`);
        out[key] = term;
        continue;
      }
      if (this.isNullOrPresenceTest(term)) {
        out[key] = term;
        continue;
      }
      if (this.blind === undefined || key !== this.blind.field) this.refuse('filtering', key);
      if (this.blind.indexField in out || this.blind.indexField in filter) throw new StoreError(`${this.collection}: conflicting ${key} terms`);
      out[this.blind.indexField] = this.blindTerm(term, key, this.blind);
    }
    return out;
  }

  /** Throws when an aggregation expression references an encrypted field (`"$email"`, `"$email.x"`). */
  assertNoReferences(value: unknown): void {
    if (typeof value === 'string') {
      if (value.startsWith('$') && !value.startsWith('$$')) {
        const root = this.encryptedRoot(value.slice(1));
        if (root !== undefined) this.refuse('an expression', root);
      }
      return;
    }
    if (Array.isArray(value)) {
      for (const item of value) this.assertNoReferences(item);
      return;
    }
    if (isPlainObject(value)) for (const item of Object.values(value)) this.assertNoReferences(item);
  }

  sort(sort: SortSpec | undefined): void {
    for (const key of Object.keys(sort ?? {})) if (this.encryptedRoot(key) !== undefined) this.refuse('sorting', key);
  }

  /** Rewrites $match stages; refuses sorts by, and expressions over, encrypted fields. */
  pipeline(pipeline: Record<string, unknown>[]): Record<string, unknown>[] {
    return pipeline.map((stage) => {
      const [name, ...extra] = Object.keys(stage);
      if (name === undefined || extra.length > 0) throw new StoreError(`${this.collection}: a pipeline stage has exactly one operator`);
      const body = stage[name];
      if (name === '$match' && isPlainObject(body)) return { $match: this.filter(body) };
      if (name === '$sort' && isPlainObject(body)) {
        this.sort(body as SortSpec);
        return stage;
      }
      this.assertNoReferences(body);
      return stage;
    });
  }

  /**
   * Splits an update into what it assigns to encrypted fields (to be encrypted per subject) and
   * checks everything else: only whole-value `$set`/`$setOnInsert` and `$unset` may touch them.
   */
  assignedEncryptedFields(update: Update): string[] {
    if (Array.isArray(update)) throw new StoreError(`${this.collection}: pipeline updates are not supported`);
    const assigned: string[] = [];
    for (const [op, body] of Object.entries(update)) {
      if (!isPlainObject(body)) continue;
      for (const [path, value] of Object.entries(body)) {
        const targets = op === '$rename' && typeof value === 'string' ? [path, value] : [path];
        for (const target of targets) {
          const root = this.encryptedRoot(target);
          if (root === undefined) {
            if (this.blind !== undefined && target === this.blind.indexField) this.refuse('writing the blind index directly', target);
            continue;
          }
          if (target !== root) this.refuse('a partial update', target);
          if (op === '$unset') continue;
          if (!ASSIGNING.has(op)) this.refuse(`update operator ${op}`, target);
          assigned.push(target);
        }
      }
    }
    return assigned;
  }
}
