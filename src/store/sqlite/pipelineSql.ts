/**
 * Translates an aggregation pipeline into one SQL statement: a chain of common table expressions,
 * one per stage, each yielding `(ord, doc)` rows (`ord` is the order a `$sort` established, NULL
 * while the rows have none). Leading `$match` stages become the WHERE clause on the collection's
 * table, so they use its indexes; grouping is SQL GROUP BY, so no document is read into JavaScript.
 *
 * Stages: `$match $unwind $project $group $sort $limit $skip $count`; accumulators `$sum $avg $min
 * $max`. Anything else is refused with a StoreError. A `$project` directly before a `$group` is folded
 * into it, and fields the collection indexes are read with the index's own expressions, so a grouping
 * over indexed attributes scans the covering index instead of the documents.
 */
import { asJson, asNumeric, asValue, ExpressionCompiler, jsonObjectSql, type Compiled } from './expressionSql';
import { filterSql, type FilterContext } from './filterSql';
import type { CoveringIndex } from './schema';
import { isPlainObject, jsonOfEachRow, jsonPath, Params, refuse } from './sqlText';

export interface CompiledQuery {
  sql: string;
  params: Record<string, unknown>;
}

function numericLiteral(operand: unknown, params: Params): Compiled | null {
  return typeof operand === 'number' && Number.isFinite(operand) ? { kind: 'value', sql: params.bind(operand) } : null;
}

/** A `$project` not yet written out: folded into a following `$group`, else written as its own stage. */
interface PendingProjection {
  fields: Map<string, Compiled>;
  members: [string, string][];
}

class PipelineCompiler {
  readonly stages: string[] = [];
  /** What each stage is: 'source', '$group', … (a covering rewrite applies to source + $group). */
  readonly kinds: string[] = [];
  private ordered = false;
  /** Fields of the current rows known to be scalars (only the collection's own documents have any). */
  private scalar: Set<string>;
  private pending: PendingProjection | null = null;

  constructor(private readonly params: Params, scalarFields: ReadonlySet<string>) {
    this.scalar = new Set(scalarFields);
  }

  private get previous(): string {
    return `s${this.stages.length - 1}`;
  }

  private push(select: string, kind = 'stage'): void {
    this.stages.push(`s${this.stages.length} AS (${select})`);
    this.kinds.push(kind);
  }

  private expressions(): ExpressionCompiler {
    return new ExpressionCompiler('doc', this.params, { scalarFields: this.scalar, ...(this.pending ? { projected: this.pending.fields } : {}) });
  }

  private flush(): void {
    if (this.pending === null) return;
    this.push(`SELECT ord, ${jsonObjectSql(this.pending.members)} AS doc FROM ${this.previous}`);
    this.pending = null;
    this.scalar = new Set();
  }

  source(table: string, where: string): void {
    this.push(`SELECT NULL AS ord, t.doc AS doc FROM ${table} AS t WHERE ${where}`, 'source');
  }

  stage(stage: Record<string, unknown>): void {
    const [name, ...extra] = Object.keys(stage);
    if (name === undefined || extra.length > 0) refuse('a pipeline stage without exactly one operator');
    const body = stage[name!];
    if (name !== '$group') this.flush();
    switch (name) {
      case '$match': {
        const ctx: FilterContext = { doc: 'doc', id: null, rid: 'NULL', scalarIndexed: this.scalar, multikey: new Map() };
        this.push(`SELECT ord, doc FROM ${this.previous} WHERE ${filterSql(body, ctx, this.params)}`);
        break;
      }
      case '$unwind': this.unwind(body); break;
      case '$project': this.project(body); break;
      case '$group': this.group(body); break;
      case '$sort': this.sort(body); break;
      case '$limit': case '$skip': this.window(name, body); break;
      case '$count': this.count(body); break;
      default: refuse(`the pipeline stage ${name}`);
    }
  }

  private unwind(body: unknown): void {
    const spec = typeof body === 'string' ? { path: body } : isPlainObject(body) ? body : {};
    const { path, preserveNullAndEmptyArrays: preserve, ...rest } = spec as { path?: unknown; preserveNullAndEmptyArrays?: unknown };
    if (typeof path !== 'string' || !path.startsWith('$') || Object.keys(rest).length > 0) refuse('this $unwind');
    const field = (path as string).slice(1);
    const p = jsonPath(field);
    const type = `json_type(p.doc, ${p})`;
    // A non-array value unwinds as a one-element array; null, missing and [] yield no element.
    const elements = `CASE WHEN ${type} = 'array' THEN p.doc -> ${p} WHEN ${type} IS NULL OR ${type} = 'null' THEN '[]' ELSE json_array(p.doc -> ${p}) END`;
    const unwound = `json_set(p.doc, ${p}, ${jsonOfEachRow('e.value', 'e.type')})`;
    const doc = preserve === true
      ? `CASE WHEN e.type IS NULL THEN (CASE WHEN ${type} = 'array' THEN json_remove(p.doc, ${p}) ELSE p.doc END) ELSE ${unwound} END`
      : unwound;
    const ord = this.ordered ? `row_number() OVER (ORDER BY p.ord, e.key)` : 'NULL';
    const join = preserve === true ? `LEFT JOIN json_each(${elements}) AS e ON 1` : `JOIN json_each(${elements}) AS e`;
    this.push(`SELECT ${ord} AS ord, ${doc} AS doc FROM ${this.previous} AS p ${join}`);
    for (const known of [...this.scalar]) if (known === field || known.startsWith(`${field}.`)) this.scalar.delete(known);
  }

  private project(body: unknown): void {
    if (!isPlainObject(body) || Object.keys(body).length === 0) return refuse('an empty $project');
    const entries = Object.entries(body);
    const isFlag = (value: unknown) => value === 0 || value === 1 || typeof value === 'boolean';
    const excluded = entries.filter(([, value]) => isFlag(value) && !value).map(([key]) => key);
    if (excluded.length === entries.length) {
      this.push(`SELECT ord, json_remove(doc, ${excluded.map(jsonPath).join(', ')}) AS doc FROM ${this.previous}`);
      this.scalar = new Set();
      return;
    }
    if (excluded.some((key) => key !== '_id')) refuse('$project mixing inclusion and exclusion');
    const expressions = this.expressions();
    const pending: PendingProjection = { fields: new Map(), members: [] };
    const include = (key: string, compiled: Compiled, json: string) => {
      pending.fields.set(key, compiled);
      pending.members.push([key, json]);
    };
    if (!excluded.includes('_id') && !('_id' in body)) include('_id', expressions.field('_id'), `json(doc -> '$._id')`);
    for (const [key, value] of entries) {
      if (isFlag(value) && !value) continue;
      if (key.includes('.')) refuse('dotted paths in $project');
      jsonPath(key);
      if (isFlag(value)) include(key, expressions.field(key), `json(doc -> ${jsonPath(key)})`);
      else {
        const compiled = expressions.compile(value);
        include(key, compiled, asJson(compiled));
      }
    }
    this.pending = pending;
  }

  private accumulator(expressions: ExpressionCompiler, name: string, spec: unknown): string {
    if (!isPlainObject(spec) || Object.keys(spec).length !== 1) return refuse(`the accumulator of ${name}`);
    const [op, operand] = Object.entries(spec)[0]!;
    const value = numericLiteral(operand, this.params) ?? expressions.compile(operand);
    switch (op) {
      case '$sum': return asJson({ kind: 'value', sql: `coalesce(SUM(${asNumeric(value)}), 0)` });
      case '$avg': return asJson({ kind: 'value', sql: `AVG(${asNumeric(value)})` });
      case '$min': return asJson({ kind: 'value', sql: `MIN(${asValue(value)})` });
      case '$max': return asJson({ kind: 'value', sql: `MAX(${asValue(value)})` });
      default: return refuse(`the accumulator ${op}`);
    }
  }

  private group(body: unknown): void {
    if (!isPlainObject(body) || !('_id' in body)) return refuse('$group without _id');
    const expressions = this.expressions();
    // Rows are grouped by each part of the key; the key document is then built once per group.
    const id = body._id;
    const parts: [string, Compiled][] = isPlainObject(id) && Object.keys(id).length > 0 && Object.keys(id).every((name) => !name.startsWith('$'))
      ? Object.entries(id).map(([name, expression]) => {
        jsonPath(name);
        return [name, expressions.compile(expression)];
      })
      : [];
    const whole = parts.length > 0 ? null : expressions.compile(id);
    const key = whole === null ? jsonObjectSql(parts.map(([name, part]) => [name, asJson(part)])) : `coalesce(${asJson(whole)}, json('null'))`;
    const groupBy = whole === null ? parts.map(([, part]) => part.identity ?? asJson(part)).join(', ') : whole.identity ?? key;
    const members: [string, string][] = [['_id', key]];
    for (const [name, spec] of Object.entries(body)) {
      if (name === '_id') continue;
      jsonPath(name);
      members.push([name, this.accumulator(expressions, name, spec)]);
    }
    const object = `json_object(${members.map(([name, sql]) => `'${name}', ${sql}`).join(', ')})`;
    this.push(`SELECT NULL AS ord, ${object} AS doc FROM ${this.previous} GROUP BY ${groupBy}`, '$group');
    this.pending = null;
    this.scalar = new Set();
    this.ordered = false;
  }

  private sort(body: unknown): void {
    if (!isPlainObject(body) || Object.keys(body).length === 0) return refuse('an empty $sort');
    const keys = Object.entries(body).map(([path, direction]) => {
      if (direction !== 1 && direction !== -1) refuse('$sort directions other than 1 and -1');
      return `json_extract(doc, ${jsonPath(path)}) ${direction === 1 ? 'ASC' : 'DESC'}`;
    });
    if (this.ordered) keys.push('ord');
    this.push(`SELECT row_number() OVER (ORDER BY ${keys.join(', ')}) AS ord, doc FROM ${this.previous}`);
    this.ordered = true;
  }

  private window(name: '$limit' | '$skip', body: unknown): void {
    if (typeof body !== 'number' || !Number.isInteger(body) || body < 0 || (name === '$limit' && body === 0)) refuse(`this ${name}`);
    const order = this.ordered ? ' ORDER BY ord' : '';
    const clause = name === '$limit' ? `LIMIT ${this.params.bind(body as number)}` : `LIMIT -1 OFFSET ${this.params.bind(body as number)}`;
    this.push(`SELECT ord, doc FROM ${this.previous}${order} ${clause}`);
  }

  private count(body: unknown): void {
    if (typeof body !== 'string' || body === '' || body.startsWith('$') || body.includes('.')) refuse('this $count');
    jsonPath(body as string);
    this.push(`SELECT NULL AS ord, json_object('${body as string}', COUNT(*)) AS doc FROM ${this.previous} HAVING COUNT(*) > 0`);
    this.scalar = new Set();
    this.ordered = false;
  }

  finish(): string {
    this.flush();
    const order = this.ordered ? ' ORDER BY ord' : '';
    return `WITH ${this.stages.join(', ')} SELECT json(doc) AS doc FROM ${this.previous}${order}`;
  }
}

const INDEXED_READ = /json_(extract|type)\((?:t\.)?doc, '(\$\.[A-Za-z0-9_.]+)'\)/g;

/**
 * The source and `$group` stages rewritten to read only the covering index: every document read
 * must be one of the index's expressions (then it becomes a column of an index-only scan), else null.
 * The scan is forced onto the index (INDEXED BY) and kept from being flattened back (LIMIT/OFFSET),
 * because SQLite only recognises an index as covering when its expressions appear unnested.
 */
function coveringSource(table: string, where: string, group: string, index: CoveringIndex): { source: string; group: string } | null {
  const aliases = new Map(index.expressions.map((expression, i) => [expression, `c${i}`]));
  let complete = true;
  const substitute = (sql: string) => sql.replace(INDEXED_READ, (_match, fn: string, path: string) => {
    const alias = aliases.get(`json_${fn}(doc, '${path}')`);
    if (alias === undefined) complete = false;
    return alias ?? 'NULL';
  });
  const coveredWhere = substitute(where);
  const coveredGroup = substitute(group);
  if (!complete || /\bt\.doc\b/.test(coveredWhere) || /\bdoc\b/.test(coveredGroup.replace(/^s1 AS \(|AS doc\b/g, ''))) return null;
  const columns = index.expressions.map((expression, i) => `${expression.replace('(doc,', '(t.doc,')} AS c${i}`).join(', ');
  return {
    source: `s0 AS (SELECT NULL AS ord, * FROM (SELECT ${columns} FROM ${table} AS t INDEXED BY ${index.name} LIMIT -1 OFFSET 0) WHERE ${coveredWhere})`,
    group: coveredGroup,
  };
}

/** One SQL statement for `pipeline` over `table`, whose leading `$match` stages use `ctx` (its indexes). */
export function pipelineSql(table: string, ctx: FilterContext, pipeline: readonly Record<string, unknown>[], covering?: CoveringIndex): CompiledQuery {
  if (!Array.isArray(pipeline)) refuse('a pipeline that is not an array');
  const params = new Params();
  const compiler = new PipelineCompiler(params, ctx.scalarIndexed);
  let first = 0;
  const leading: unknown[] = [];
  while (first < pipeline.length && isPlainObject(pipeline[first]) && Object.keys(pipeline[first]!).length === 1 && '$match' in pipeline[first]!) {
    leading.push(pipeline[first]!.$match);
    first += 1;
  }
  const where = leading.length === 0 ? '1' : leading.map((match) => filterSql(match, ctx, params)).join(' AND ');
  compiler.source(table, where);
  for (const stage of pipeline.slice(first)) {
    if (!isPlainObject(stage)) refuse('a pipeline stage that is not an object');
    compiler.stage(stage as Record<string, unknown>);
  }
  const sql = compiler.finish();
  const covered = covering === undefined || compiler.kinds[1] !== '$group' ? null : coveringSource(table, where, compiler.stages[1]!, covering);
  if (covered === null) return { sql, params: params.values };
  return { sql: `WITH ${[covered.source, covered.group, ...compiler.stages.slice(2)].join(', ')} ${sql.slice(sql.lastIndexOf(' SELECT json(doc)') + 1)}`, params: params.values };
}
