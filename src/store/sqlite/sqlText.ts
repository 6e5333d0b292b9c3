/**
 * Small helpers shared by the SQL translators: named parameters, validated JSON paths, and the
 * conversions between a SQLite value and the JSON text that document expressions carry.
 *
 * Nothing a caller sends is ever spliced into SQL text except field paths, and those are checked
 * against a strict pattern first; every value travels as a bound parameter.
 */
import { StoreError } from '../port';

/** Named parameters of one statement (`@p0`, `@p1`, …). */
export class Params {
  readonly values: Record<string, string | number | bigint | null> = {};
  private next = 0;

  /** Binds a value and returns its placeholder. Booleans become 1/0 (SQLite has no boolean). */
  bind(value: string | number | boolean | null): string {
    const name = `p${this.next}`;
    this.next += 1;
    this.values[name] = typeof value === 'boolean' ? (value ? 1 : 0) : value;
    return `@${name}`;
  }
}

const SEGMENT = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** `a.b.c` → `'$.a.b.c'` as an SQL string literal; refuses anything but plain identifier segments. */
export function jsonPath(path: string): string {
  const segments = path.split('.');
  for (const segment of segments) {
    if (!SEGMENT.test(segment)) throw new StoreError(`field path ${JSON.stringify(path.slice(0, 60))} is not supported by the embedded store`);
  }
  return `'$.${segments.join('.')}'`;
}

/**
 * SQL for "the JSON text of a json_each row" (value + type columns): objects and arrays are already
 * JSON text; everything else is quoted. The result carries the JSON subtype, so json_set/json_object
 * embed it as JSON rather than as a string.
 */
export function jsonOfEachRow(value: string, type: string): string {
  return `json(CASE ${type} WHEN 'true' THEN 'true' WHEN 'false' THEN 'false' WHEN 'null' THEN 'null' `
    + `WHEN 'object' THEN ${value} WHEN 'array' THEN ${value} ELSE json_quote(${value}) END)`;
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return false;
  const proto = Object.getPrototypeOf(value) as unknown;
  return proto === Object.prototype || proto === null;
}

export function refuse(what: string): never {
  throw new StoreError(`the embedded store does not support ${what}`);
}
