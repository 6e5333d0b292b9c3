/**
 * Translates the MongoDB filter subset the gateway uses into an SQLite WHERE expression over a JSON
 * document column. Supported: implicit equality, `$eq $ne $gt $gte $lt $lte $in $nin $exists $size
 * $all $regex` (and RegExp values), `$and $or $nor`, dotted paths through nested documents. Anything
 * else is refused with a StoreError rather than answered approximately.
 *
 * MongoDB semantics kept: a condition on a field holding an array matches when any element matches;
 * `null` matches a missing field; `$ne`/`$nin` match missing fields; comparisons only match values of
 * the operand's type (numbers with numbers, strings with strings). Equality and ranges on the
 * collection's indexed fields are written exactly as their expression indexes, so SQLite uses them.
 * Dotted paths do not descend into arrays of documents (they address nested documents only).
 */
import { isPlainObject, jsonPath, refuse, type Params } from './sqlText';

export interface FilterContext {
  /** SQL of the document column (JSONB or JSON text). */
  doc: string;
  /** SQL of the `_id` column, or null when `_id` lives only inside the document. */
  id: string | null;
  /** SQL of the row id the side tables reference. */
  rid: string;
  /** Fields with an expression index, known to hold scalars (checked on every write). */
  scalarIndexed: ReadonlySet<string>;
  /** Array fields indexed through a side table of (value, owner): field → table name. */
  multikey: ReadonlyMap<string, string>;
}

/**
 * A condition on one value: SQL of its SQLite value, of its type ('text', 'integer', 'real', 'null'…;
 * NULL or 'null' when missing) and of its exact JSON type (tells true/false from numbers).
 */
type ValueCondition = (value: string, type: string, jsonType: string) => string;

const NUMERIC = `IN ('integer','real')`;

function scalarOperand(operand: unknown, what: string): string | number | boolean | null {
  if (operand === null || typeof operand === 'string' || typeof operand === 'boolean') return operand;
  if (typeof operand === 'number' && Number.isFinite(operand)) return operand;
  return refuse(`${what} with a ${Array.isArray(operand) ? 'array' : typeof operand} operand`);
}

function equals(operand: unknown, params: Params): ValueCondition {
  const value = scalarOperand(operand, 'equality');
  if (value === null) return (_v, t) => `(${t} IS NULL OR ${t} = 'null')`;
  if (typeof value === 'boolean') return (_v, _t, json) => `${json} = '${value ? 'true' : 'false'}'`;
  const p = params.bind(value);
  if (typeof value === 'number') return (v, t) => `(${v} = ${p} AND ${t} ${NUMERIC})`;
  return (v) => `${v} = ${p}`;
}

function compare(op: '>' | '>=' | '<' | '<=', operand: unknown, params: Params): ValueCondition {
  const value = scalarOperand(operand, `$${op}`);
  if (typeof value === 'string') {
    const p = params.bind(value);
    return (v, t) => `(${v} ${op} ${p} AND ${t} = 'text')`;
  }
  if (typeof value === 'number') {
    const p = params.bind(value);
    return (v, t) => `(${v} ${op} ${p} AND ${t} ${NUMERIC})`;
  }
  return refuse(`range comparisons with a ${value === null ? 'null' : typeof value} operand`);
}

function oneOf(operands: unknown, params: Params): ValueCondition {
  if (!Array.isArray(operands)) return refuse('$in/$nin without an array');
  if (operands.length === 0) return () => '0';
  const strings = operands.filter((item): item is string => typeof item === 'string');
  const others = operands.filter((item) => typeof item !== 'string').map((item) => equals(item, params));
  const list = strings.map((item) => params.bind(item)).join(', ');
  return (v, t, json) => {
    const terms = others.map((condition) => condition(v, t, json));
    if (strings.length > 0) terms.unshift(`${v} IN (${list})`);
    return terms.length === 1 ? terms[0]! : `(${terms.join(' OR ')})`;
  };
}

function regex(pattern: unknown, flags: unknown, params: Params): ValueCondition {
  const source = pattern instanceof RegExp ? pattern.source : pattern;
  const options = pattern instanceof RegExp ? pattern.flags : (flags ?? '');
  if (typeof source !== 'string' || typeof options !== 'string' || !/^[imsu]*$/.test(options)) return refuse('this $regex');
  const p = params.bind(source);
  const f = params.bind(options);
  return (v, t) => `(${t} = 'text' AND pg_regexp(${p}, ${f}, ${v}))`;
}

/** `NOT` that treats an unknown (NULL) inner result as false, as MongoDB does. */
const not = (sql: string) => `NOT coalesce(${sql}, 0)`;
const all = (terms: string[]) => (terms.length === 0 ? '1' : terms.length === 1 ? terms[0]! : `(${terms.join(' AND ')})`);

class FilterCompiler {
  constructor(private readonly ctx: FilterContext, private readonly params: Params) {}

  filter(filter: unknown): string {
    if (!isPlainObject(filter)) return refuse('a filter that is not an object');
    const terms: string[] = [];
    for (const [key, term] of Object.entries(filter)) {
      if (key === '$and' || key === '$or' || key === '$nor') {
        if (!Array.isArray(term) || term.length === 0) return refuse(`${key} without a non-empty array`);
        const parts = term.map((sub) => this.filter(sub));
        if (key === '$and') terms.push(all(parts));
        else if (key === '$or') terms.push(`(${parts.join(' OR ')})`);
        else terms.push(not(`(${parts.join(' OR ')})`));
      } else if (key.startsWith('$')) {
        refuse(`the query operator ${key}`);
      } else {
        terms.push(this.field(key, term));
      }
    }
    return all(terms);
  }

  private field(path: string, term: unknown): string {
    if (!isPlainObject(term) || Object.keys(term).some((op) => !op.startsWith('$'))) {
      return term instanceof RegExp ? this.any(path, regex(term, undefined, this.params)) : this.any(path, equals(term, this.params), term);
    }
    const terms: string[] = [];
    for (const [op, operand] of Object.entries(term)) {
      switch (op) {
        case '$eq': terms.push(this.any(path, equals(operand, this.params), operand)); break;
        case '$ne': terms.push(not(this.any(path, equals(operand, this.params), operand))); break;
        case '$gt': terms.push(this.any(path, compare('>', operand, this.params))); break;
        case '$gte': terms.push(this.any(path, compare('>=', operand, this.params))); break;
        case '$lt': terms.push(this.any(path, compare('<', operand, this.params))); break;
        case '$lte': terms.push(this.any(path, compare('<=', operand, this.params))); break;
        case '$in': terms.push(this.any(path, oneOf(operand, this.params), operand)); break;
        case '$nin': terms.push(not(this.any(path, oneOf(operand, this.params), operand))); break;
        case '$exists': terms.push(this.exists(path, operand)); break;
        case '$size': terms.push(this.size(path, operand)); break;
        case '$all': terms.push(this.allOf(path, operand)); break;
        case '$regex': terms.push(this.any(path, regex(operand, term.$options, this.params))); break;
        case '$options': if (!('$regex' in term)) refuse('$options without $regex'); break;
        default: refuse(`the query operator ${op}`);
      }
    }
    return all(terms);
  }

  private exists(path: string, operand: unknown): string {
    if (path === '_id') return operand ? '1' : '0';
    return `json_type(${this.ctx.doc}, ${jsonPath(path)}) IS ${operand ? 'NOT ' : ''}NULL`;
  }

  private size(path: string, operand: unknown): string {
    if (typeof operand !== 'number' || !Number.isInteger(operand)) return refuse('$size without an integer');
    const p = jsonPath(path);
    return `(json_type(${this.ctx.doc}, ${p}) = 'array' AND json_array_length(${this.ctx.doc}, ${p}) = ${this.params.bind(operand)})`;
  }

  private allOf(path: string, operand: unknown): string {
    if (!Array.isArray(operand) || operand.length === 0) return refuse('$all without a non-empty array');
    return all(operand.map((item) => this.any(path, equals(item, this.params), item)));
  }

  /**
   * The condition on the value at `path`, or on any of its elements when it is an array. `operand`
   * (when given) lets indexed array fields answer equality from their side table.
   */
  private any(path: string, condition: ValueCondition, operand?: unknown): string {
    const { ctx } = this;
    if (path === '_id') {
      if (ctx.id !== null) return condition(ctx.id, `'text'`, `'text'`);
      return condition(`json_extract(${ctx.doc}, '$._id')`, `json_type(${ctx.doc}, '$._id')`, `json_type(${ctx.doc}, '$._id')`);
    }
    const p = jsonPath(path);
    const value = `json_extract(${ctx.doc}, ${p})`;
    const type = `json_type(${ctx.doc}, ${p})`;
    // A known scalar is typed by typeof() of its indexed value, so the condition reads the index only.
    if (ctx.scalarIndexed.has(path)) return condition(value, `typeof(${value})`, type);
    const side = ctx.multikey.get(path);
    const strings = typeof operand === 'string' ? [operand] : Array.isArray(operand) && operand.length > 0 && operand.every((item) => typeof item === 'string') ? operand as string[] : null;
    if (side !== undefined && strings !== null) {
      return `${ctx.rid} IN (SELECT owner FROM ${side} WHERE value IN (${strings.map((item) => this.params.bind(item)).join(', ')}))`;
    }
    return `(CASE WHEN ${type} = 'array' THEN EXISTS (SELECT 1 FROM json_each(${ctx.doc}, ${p}) AS e WHERE ${condition('e.value', 'e.type', 'e.type')}) `
      + `ELSE ${condition(value, type, type)} END)`;
  }
}

/** The WHERE expression for `filter`; its values are bound into `params`. */
export function filterSql(filter: unknown, ctx: FilterContext, params: Params): string {
  return new FilterCompiler(ctx, params).filter(filter);
}
