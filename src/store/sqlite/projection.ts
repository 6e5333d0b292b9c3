/**
 * `find` projections, applied to the (already paged) documents a query returns: inclusion keeps `_id`
 * (unless `_id: 0`) and the named paths, dotted ones included; exclusion drops the named paths.
 * Mixing inclusion and exclusion (other than `_id: 0`) is refused, as MongoDB refuses it.
 */
import { StoreError, type Projection } from '../port';

type Doc = Record<string, unknown>;

function isObject(value: unknown): value is Doc {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function copyPath(from: Doc, to: Doc, segments: readonly string[]): void {
  const [head, ...rest] = segments;
  if (head === undefined || !(head in from)) return;
  const value = from[head];
  if (rest.length === 0) {
    to[head] = value;
    return;
  }
  if (!isObject(value)) return;
  const target = isObject(to[head]) ? (to[head] as Doc) : {};
  copyPath(value, target, rest);
  if (Object.keys(target).length > 0 || isObject(to[head])) to[head] = target;
}

function dropPath(doc: Doc, segments: readonly string[]): void {
  const [head, ...rest] = segments;
  if (head === undefined) return;
  if (rest.length === 0) {
    delete doc[head];
    return;
  }
  const value = doc[head];
  if (isObject(value)) dropPath(value, rest);
}

export function applyProjection(doc: Doc, projection: Projection): Doc {
  const entries = Object.entries(projection);
  const included = entries.filter(([, flag]) => flag === 1).map(([path]) => path);
  const excluded = entries.filter(([, flag]) => flag === 0).map(([path]) => path);
  if (included.length > 0 && excluded.some((path) => path !== '_id')) throw new StoreError('a projection cannot mix inclusion and exclusion');
  if (included.length === 0) {
    for (const path of excluded) dropPath(doc, path.split('.'));
    return doc;
  }
  const out: Doc = {};
  if (!excluded.includes('_id') && '_id' in doc) out._id = doc._id;
  for (const path of included) copyPath(doc, out, path.split('.'));
  return out;
}
