/**
 * Translates an aggregation pipeline into one SQL statement: a chain of common table expressions,
 * one per stage, each yielding `(ord, doc)` rows (`ord` is the order a `$sort` established, NULL
 * while the rows have none). Leading `$match` stages become the WHERE clause on the collection's
 * table, so they use its indexes; grouping is SQL GROUP BY, so no document is read into JavaScript.
 *
 * Stages: `$match $unwind $project $group $sort $limit $skip $count`; accumulators `$sum $avg $min
 * $max`. Anything else is refused with a StoreError.
 */
import { asJson, asValue, ExpressionCompiler, jsonObjectSql, type Compiled } from './expressionSql';
import { filterSql, type FilterContext } from './filterSql';
import { isPlainObject, jsonOfEachRow, jsonPath, Params, refuse } from './sqlText';

export interface CompiledQuery {
  sql: string;
  params: Record<string, unknown>;
}

const DERIVED: Omit<FilterContext, 'doc'> = { id: null, rid: 'NULL', scalarIndexed: new Set(), multikey: new Map() };

function numeric(e: Compiled): string {
  if (e.kind === 'value') return e.sql;
  if (e.kind === 'bool') return 'NULL';
  return `(CASE WHEN json_type(${e.sql}) IN ('integer','real') THEN (${e.sql}) ->> '$' END)`;
}

class PipelineCompiler {
  private readonly stages: string[] = [];
  private ordered = false;
  private readonly expressions: ExpressionCompiler;

  constructor(private readonly params: Params) {
    this.expressions = new ExpressionCompiler('doc', params);
  }

  private get previous(): string {
    return `s${this.stages.length - 1}`;
  }

  private push(select: string): void {
    this.stages.push(`s${this.stages.length} AS (${select})`);
  }

  source(table: string, where: string): void {
    this.push(`SELECT NULL AS ord, t.doc AS doc FROM ${table} AS t WHERE ${where}`);
  }

  stage(stage: Record<string, unknown>): void {
    const [name, ...extra] = Object.keys(stage);
    if (name === undefined || extra.length > 0) refuse('a pipeline stage without exactly one operator');
    const body = stage[name!];
    switch (name) {
      case '$match': this.push(`SELECT ord, doc FROM ${this.previous} WHERE ${filterSql(body, { doc: 'doc', ...DERIVED }, this.params)}`); break;
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
    const p = jsonPath((path as string).slice(1));
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
  }

  private project(body: unknown): void {
    if (!isPlainObject(body) || Object.keys(body).length === 0) return refuse('an empty $project');
    const entries = Object.entries(body);
    const isFlag = (value: unknown) => value === 0 || value === 1 || typeof value === 'boolean';
    const excluded = entries.filter(([, value]) => isFlag(value) && !value).map(([key]) => key);
    if (excluded.length === entries.length) {
      this.push(`SELECT ord, json_remove(doc, ${excluded.map(jsonPath).join(', ')}) AS doc FROM ${this.previous}`);
      return;
    }
    if (excluded.some((key) => key !== '_id')) refuse('$project mixing inclusion and exclusion');
    const members: [string, string][] = [];
    if (!excluded.includes('_id') && !('_id' in body)) members.push(['_id', `json(doc -> '$._id')`]);
    for (const [key, value] of entries) {
      if (isFlag(value) && !value) continue;
      jsonPath(key);
      if (key.includes('.')) refuse('dotted paths in $project');
      members.push([key, isFlag(value) ? `json(doc -> ${jsonPath(key)})` : asJson(this.expressions.compile(value))]);
    }
    this.push(`SELECT ord, ${jsonObjectSql(members)} AS doc FROM ${this.previous}`);
  }

  private accumulator(name: string, spec: unknown): string {
    if (!isPlainObject(spec) || Object.keys(spec).length !== 1) return refuse(`the accumulator of ${name}`);
    const [op, operand] = Object.entries(spec)[0]!;
    const value: Compiled = typeof operand === 'number' && Number.isFinite(operand)
      ? { kind: 'value', sql: this.params.bind(operand) }
      : this.expressions.compile(operand);
    switch (op) {
      case '$sum': return asJson({ kind: 'value', sql: `coalesce(SUM(${numeric(value)}), 0)` });
      case '$avg': return asJson({ kind: 'value', sql: `AVG(${numeric(value)})` });
      case '$min': return asJson({ kind: 'value', sql: `MIN(${asValue(value)})` });
      case '$max': return asJson({ kind: 'value', sql: `MAX(${asValue(value)})` });
      default: return refuse(`the accumulator ${op}`);
    }
  }

  private group(body: unknown): void {
    if (!isPlainObject(body) || !('_id' in body)) return refuse('$group without _id');
    const key = `coalesce(${asJson(this.expressions.compile(body._id))}, json('null'))`;
    const members: [string, string][] = [['_id', key]];
    for (const [name, spec] of Object.entries(body)) {
      if (name === '_id') continue;
      jsonPath(name);
      members.push([name, this.accumulator(name, spec)]);
    }
    const object = `json_object(${members.map(([name, sql]) => `'${name}', ${sql}`).join(', ')})`;
    this.push(`SELECT NULL AS ord, ${object} AS doc FROM ${this.previous} GROUP BY ${key}`);
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
    this.ordered = false;
  }

  finish(): string {
    const order = this.ordered ? ' ORDER BY ord' : '';
    return `WITH ${this.stages.join(', ')} SELECT json(doc) AS doc FROM ${this.previous}${order}`;
  }
}

/** One SQL statement for `pipeline` over `table`, whose leading `$match` stages use `ctx` (its indexes). */
export function pipelineSql(table: string, ctx: FilterContext, pipeline: readonly Record<string, unknown>[]): CompiledQuery {
  if (!Array.isArray(pipeline)) refuse('a pipeline that is not an array');
  const params = new Params();
  const compiler = new PipelineCompiler(params);
  let first = 0;
  const leading: unknown[] = [];
  while (first < pipeline.length && isPlainObject(pipeline[first]) && Object.keys(pipeline[first]!).length === 1 && '$match' in pipeline[first]!) {
    leading.push(pipeline[first]!.$match);
    first += 1;
  }
  compiler.source(table, leading.length === 0 ? '1' : leading.map((match) => filterSql(match, ctx, params)).join(' AND '));
  for (const stage of pipeline.slice(first)) {
    if (!isPlainObject(stage)) refuse('a pipeline stage that is not an object');
    compiler.stage(stage as Record<string, unknown>);
  }
  return { sql: compiler.finish(), params: params.values };
}
