/**
 * Translates aggregation expressions (the subset the gateway's pipelines use) into SQL over a
 * document column. A compiled expression has one of three shapes:
 * - `json`: SQL yielding JSON text, or SQL NULL when the value is missing (MongoDB's "missing");
 * - `value`: SQL yielding a plain SQLite value (numbers from arithmetic, min/max);
 * - `bool`: SQL yielding 0/1.
 * Supported: field paths (`"$a.b"`), literals, `$literal`, expression objects, `$ifNull $cond $switch
 * $eq $ne $gt $gte $lt $lte $and $or $not $isNumber $min $max`. Anything else is refused.
 */
import { isPlainObject, jsonPath, refuse, type Params } from './sqlText';

export interface Compiled {
  kind: 'json' | 'value' | 'bool';
  sql: string;
  /** Cheaper (index-matching) forms a field reference provides; the defaults derive them from `sql`. */
  value?: string;
  json?: string;
  numeric?: string;
  isNumber?: string;
  /**
   * A plain SQL value this expression is a one-to-one function of (a scalar field's indexed value):
   * grouping by it groups exactly as grouping by the expression, without building JSON per row.
   */
  identity?: string;
}

const COMPARISONS: Readonly<Record<string, string>> = { $eq: '=', $ne: '<>', $gt: '>', $gte: '>=', $lt: '<', $lte: '<=' };

/** JSON text (or NULL for missing) of a compiled expression. */
export function asJson(e: Compiled): string {
  if (e.json !== undefined) return e.json;
  switch (e.kind) {
    case 'json': return e.sql;
    case 'bool': return `json(CASE WHEN ${e.sql} THEN 'true' ELSE 'false' END)`;
    case 'value': return `CASE WHEN (${e.sql}) IS NULL THEN json('null') ELSE json_quote(${e.sql}) END`;
  }
}

/** Plain SQLite value of a compiled expression (NULL for null and missing). */
export function asValue(e: Compiled): string {
  if (e.value !== undefined) return e.value;
  return e.kind === 'json' ? `((${e.sql}) ->> '$')` : e.sql;
}

/** The value when it is a number, else NULL (what `$sum` and `$avg` add up). */
export function asNumeric(e: Compiled): string {
  if (e.numeric !== undefined) return e.numeric;
  if (e.kind === 'value') return e.sql;
  if (e.kind === 'bool') return 'NULL';
  return `(CASE WHEN json_type(${e.sql}) IN ('integer','real') THEN (${e.sql}) ->> '$' END)`;
}

/** MongoDB truthiness: false, null, missing and 0 are false. */
export function asBool(e: Compiled): string {
  if (e.kind === 'bool') return e.sql;
  if (e.kind === 'value') return `coalesce((${e.sql}) <> 0, 0)`;
  return `(CASE WHEN (${e.sql}) IS NULL THEN 0 WHEN json_type(${e.sql}) IN ('null','false') THEN 0 `
    + `WHEN json_type(${e.sql}) IN ('integer','real') THEN ((${e.sql}) ->> '$') <> 0 ELSE 1 END)`;
}

/**
 * A JSON object from named expressions, leaving out members whose value is missing (as MongoDB does
 * for `$project` and expression objects): the object is built whole, then absent members removed.
 */
export function jsonObjectSql(members: readonly [string, string][]): string {
  if (members.length === 0) return `json_object()`;
  const build = members.map(([name, sql]) => `'${name}', ${sql}`).join(', ');
  const removals = members.map(([name, sql]) => `CASE WHEN (${sql}) IS NULL THEN ${jsonPath(name)} ELSE '$.__absent__' END`).join(', ');
  return `json_remove(json_object(${build}), ${removals})`;
}

export interface ExpressionScope {
  /** Fields of the current documents known to hold a scalar or nothing (their index expressions match). */
  scalarFields: ReadonlySet<string>;
  /** Fields computed by a preceding `$project` that was folded into the next stage. */
  projected?: ReadonlyMap<string, Compiled>;
}

export class ExpressionCompiler {
  constructor(private readonly doc: string, private readonly params: Params, readonly scope: ExpressionScope) {}

  /** A field reference: `json_extract` forms (matching expression indexes) where the field is a known scalar. */
  field(path: string): Compiled {
    const projected = this.scope.projected;
    if (projected !== undefined) {
      const found = projected.get(path);
      if (found !== undefined) return found;
      if (projected.has(path.split('.')[0]!)) return refuse('a path into a computed field');
      return refuse(`a field ${JSON.stringify(path.slice(0, 60))} that the preceding $project removed`);
    }
    const p = jsonPath(path);
    const value = `json_extract(${this.doc}, ${p})`;
    if (this.scope.scalarFields.has(path)) {
      const isNumber = `coalesce(typeof(${value}) IN ('integer','real'), 0)`;
      return { kind: 'json', sql: `json(${this.doc} -> ${p})`, value, json: `json_quote(${value})`, numeric: `(CASE WHEN ${isNumber} THEN ${value} END)`, isNumber, identity: value };
    }
    const isNumber = `coalesce(json_type(${this.doc}, ${p}) IN ('integer','real'), 0)`;
    return { kind: 'json', sql: `json(${this.doc} -> ${p})`, numeric: `(CASE WHEN ${isNumber} THEN ${value} END)`, isNumber };
  }

  compile(expression: unknown): Compiled {
    if (typeof expression === 'string') {
      if (expression.startsWith('$$')) return refuse('aggregation variables');
      if (expression.startsWith('$')) return this.field(expression.slice(1));
      return this.literal(expression);
    }
    if (expression === null || typeof expression === 'number' || typeof expression === 'boolean') return this.literal(expression);
    if (Array.isArray(expression)) return { kind: 'json', sql: `json_array(${expression.map((item) => asJson(this.compile(item))).join(', ')})` };
    if (!isPlainObject(expression)) return refuse('this expression value');
    const keys = Object.keys(expression);
    if (keys.length === 1 && keys[0]!.startsWith('$')) return this.operator(keys[0]!, expression[keys[0]!]);
    if (keys.some((key) => key.startsWith('$'))) return refuse('an expression object mixing operators and fields');
    return { kind: 'json', sql: jsonObjectSql(keys.map((key) => [key, asJson(this.compile(expression[key]))])) };
  }

  literal(value: unknown): Compiled {
    if (value === null) return { kind: 'json', sql: `json('null')` };
    if (typeof value === 'boolean') return { kind: 'bool', sql: value ? '1' : '0' };
    if (typeof value === 'number' && !Number.isFinite(value)) return refuse('non-finite numbers');
    if (typeof value === 'string' || typeof value === 'number') return { kind: 'json', sql: `json_quote(${this.params.bind(value)})` };
    return refuse('this literal');
  }

  private args(operator: string, operand: unknown, count?: number): Compiled[] {
    const list = Array.isArray(operand) ? operand : [operand];
    if (count !== undefined && list.length !== count) return refuse(`${operator} with ${list.length} arguments`);
    return list.map((item) => this.compile(item));
  }

  private operator(op: string, operand: unknown): Compiled {
    if (op in COMPARISONS) {
      const [a, b] = this.args(op, operand, 2) as [Compiled, Compiled];
      return this.comparison(op, a, b);
    }
    switch (op) {
      case '$literal': return this.literal(operand);
      case '$ifNull': {
        const [first, second] = this.args(op, operand, 2) as [Compiled, Compiled];
        const [value, fallback] = [asJson(first), asJson(second)];
        // `$ifNull: [field, null]` only turns missing into null: still one-to-one with the field's value.
        const identity = Array.isArray(operand) && operand[1] === null ? first.identity : undefined;
        return { kind: 'json', sql: `(CASE WHEN (${value}) IS NULL OR json_type(${value}) = 'null' THEN ${fallback} ELSE ${value} END)`, ...(identity === undefined ? {} : { identity }) };
      }
      case '$cond': {
        const parts = Array.isArray(operand) ? operand : isPlainObject(operand) ? [operand.if, operand.then, operand.else] : [];
        const [test, then, otherwise] = this.args(op, parts, 3) as [Compiled, Compiled, Compiled];
        return { kind: 'json', sql: `(CASE WHEN ${asBool(test)} THEN ${asJson(then)} ELSE ${asJson(otherwise)} END)` };
      }
      case '$switch': return this.switchOf(operand);
      case '$and': case '$or': {
        const parts = this.args(op, operand).map(asBool);
        return { kind: 'bool', sql: `(${parts.join(op === '$and' ? ' AND ' : ' OR ') || (op === '$and' ? '1' : '0')})` };
      }
      case '$not': return { kind: 'bool', sql: `(NOT ${asBool(this.args(op, operand, 1)[0]!)})` };
      case '$isNumber': {
        const [value] = this.args(op, operand, 1) as [Compiled];
        return { kind: 'bool', sql: value.isNumber ?? `coalesce(json_type(${asJson(value)}) IN ('integer','real'), 0)` };
      }
      case '$min': case '$max': {
        const [a, b] = this.args(op, operand, 2).map(asValue) as [string, string];
        const fn = op === '$min' ? 'min' : 'max';
        return { kind: 'value', sql: `(CASE WHEN (${a}) IS NULL THEN ${b} WHEN (${b}) IS NULL THEN ${a} ELSE ${fn}(${a}, ${b}) END)` };
      }
      default: return refuse(`the expression operator ${op}`);
    }
  }

  /** Comparison in MongoDB's order: null and missing sort before every number and string. */
  private comparison(op: string, a: Compiled, b: Compiled): Compiled {
    const left = asValue(a);
    const right = asValue(b);
    if (op === '$eq') return { kind: 'bool', sql: `coalesce((${left}) IS (${right}), 0)` };
    if (op === '$ne') return { kind: 'bool', sql: `coalesce((${left}) IS NOT (${right}), 1)` };
    const low = `-9e999`;
    return { kind: 'bool', sql: `coalesce(coalesce(${left}, ${low}) ${COMPARISONS[op]} coalesce(${right}, ${low}), 0)` };
  }

  private switchOf(operand: unknown): Compiled {
    if (!isPlainObject(operand) || !Array.isArray(operand.branches) || operand.branches.length === 0) return refuse('$switch without branches');
    const branches = operand.branches.map((branch: unknown) => {
      if (!isPlainObject(branch)) return refuse('a $switch branch that is not an object');
      return `WHEN ${asBool(this.compile(branch.case))} THEN ${asJson(this.compile(branch.then))}`;
    });
    if (!('default' in operand)) return refuse('$switch without a default');
    return { kind: 'json', sql: `(CASE ${branches.join(' ')} ELSE ${asJson(this.compile(operand.default))} END)` };
  }
}
