/**
 * Gateway mode's configuration file (`GATEWAY_CONFIG=path/to/upstreams.json`): the upstream GraphQL
 * services the gateway fronts, the headers it sends them, where their schema comes from, which root
 * operations callers may run, and the privacy annotations (`@pii`, `@purpose`, subject key) laid over
 * upstream coordinates. Read and shape-checked once at start-up; a malformed file stops start-up with
 * a message naming the JSON path. Whether the coordinates exist is checked against the upstream's
 * schema later (overlay.ts), once the schema is known.
 *
 * Header values and the URL may name environment variables as `${NAME}` (secrets and addresses stay
 * out of the file); an unset variable stops start-up.
 */
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type { OperationRule } from '../policy/operations';
import { PURPOSES, type Purpose } from '../policy/purposes';
import { ROLES, type Role } from '../policy/roles';

export interface FieldAnnotation {
  /** `@pii(category:)`: a PiiCategory name. */
  category: string;
  /** `@pii(redact:)`, default NULL. */
  redact?: string;
  /** `@purpose(allowed:)` on the field; falls back to the type's `purposes`. */
  purposes?: string[];
}

export interface TypeAnnotation {
  /** The field whose value identifies the data subject a record belongs to (`id`, `customerId`). */
  subjectKey?: string;
  /** `@purpose(allowed:)` on the type: the default for its annotated fields. */
  purposes?: string[];
  fields: Record<string, FieldAnnotation>;
}

export interface UpstreamConfig {
  /** Short name used in logs and error messages. */
  name: string;
  url: string;
  /** `introspect` (at start-up) or an SDL file, relative to the config file. */
  schema: { introspect: true } | { sdlFile: string };
  /** Headers sent with every upstream request (values resolved from the environment). */
  addHeaders: Record<string, string>;
  /** Incoming request headers passed through to the upstream (lower-case names). */
  forwardHeaders: string[];
  timeoutMs: number;
  /** Who may run each upstream operation (root field), keyed by coordinate; unlisted ones are not exposed. */
  operations: Record<string, OperationRule>;
  types: Record<string, TypeAnnotation>;
}

export interface GatewayModeConfig {
  file: string;
  upstreams: UpstreamConfig[];
}

export class GatewayConfigError extends Error {
  override name = 'GatewayConfigError';
}

/** Headers the gateway sets itself (or that would break the request); never forwarded or added. */
const RESERVED_HEADERS = new Set(['host', 'content-length', 'content-type', 'connection', 'transfer-encoding', 'accept-encoding']);
const DEFAULT_TIMEOUT_MS = 10_000;
const NAME_PATTERN = /^[A-Za-z][A-Za-z0-9_-]{0,63}$/;

type Json = Record<string, unknown>;

function fail(path: string, problem: string): never {
  throw new GatewayConfigError(`${path}: ${problem}`);
}

function object(value: unknown, path: string): Json {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) fail(path, 'must be an object');
  return value as Json;
}

function string(value: unknown, path: string): string {
  if (typeof value !== 'string' || value.trim() === '') fail(path, 'must be a non-empty string');
  return value;
}

function strings(value: unknown, path: string): string[] {
  if (!Array.isArray(value)) fail(path, 'must be an array of strings');
  return value.map((item, i) => string(item, `${path}[${i}]`));
}

function onlyKeys(value: Json, allowed: readonly string[], path: string): void {
  for (const key of Object.keys(value)) if (!allowed.includes(key)) fail(`${path}.${key}`, `unknown setting (expected one of ${allowed.join(', ')})`);
}

function purposes(value: unknown, path: string): Purpose[] {
  const list = strings(value, path);
  for (const [i, item] of list.entries()) if (!(PURPOSES as readonly string[]).includes(item)) fail(`${path}[${i}]`, `unknown purpose "${item}"`);
  return list as Purpose[];
}

function interpolate(value: string, path: string, env: Record<string, string | undefined>): string {
  return value.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g, (_, name: string) => {
    const found = env[name];
    if (found === undefined || found === '') fail(path, `environment variable ${name} is not set`);
    return found;
  });
}

function headerName(value: unknown, path: string): string {
  const name = string(value, path).toLowerCase();
  if (!/^[a-z0-9!#$%&'*+.^_`|~-]+$/.test(name)) fail(path, 'is not a valid header name');
  if (RESERVED_HEADERS.has(name)) fail(path, `header ${name} is set by the gateway and cannot be configured`);
  return name;
}

function operationRule(value: unknown, path: string): OperationRule {
  const rule = object(value, path);
  onlyKeys(rule, ['roles', 'purpose', 'partnerScope', 'ownSubjectArg', 'staffPurposes'], path);
  let roles: OperationRule['roles'];
  if (rule.roles === 'public') roles = 'public';
  else {
    const list = strings(rule.roles, `${path}.roles`);
    for (const [i, role] of list.entries()) if (!(ROLES as readonly string[]).includes(role)) fail(`${path}.roles[${i}]`, `unknown role "${role}"`);
    roles = list as Role[];
  }
  if (rule.purpose !== undefined && typeof rule.purpose !== 'boolean') fail(`${path}.purpose`, 'must be true or false');
  return {
    roles,
    // Every role but `customer` acts for a purpose unless the file says otherwise.
    purpose: rule.purpose === undefined ? true : rule.purpose,
    ...(rule.partnerScope !== undefined ? { partnerScope: string(rule.partnerScope, `${path}.partnerScope`) } : {}),
    ...(rule.ownSubjectArg !== undefined ? { ownSubjectArg: string(rule.ownSubjectArg, `${path}.ownSubjectArg`) } : {}),
    ...(rule.staffPurposes !== undefined ? { staffPurposes: purposes(rule.staffPurposes, `${path}.staffPurposes`) } : {}),
  };
}

function typeAnnotation(value: unknown, path: string): TypeAnnotation {
  const type = object(value, path);
  onlyKeys(type, ['subjectKey', 'purposes', 'fields'], path);
  const fields: Record<string, FieldAnnotation> = {};
  for (const [fieldName, raw] of Object.entries(object(type.fields ?? {}, `${path}.fields`))) {
    const fieldPath = `${path}.fields.${fieldName}`;
    const field = object(raw, fieldPath);
    onlyKeys(field, ['category', 'redact', 'purposes'], fieldPath);
    fields[fieldName] = {
      category: string(field.category, `${fieldPath}.category`),
      ...(field.redact !== undefined ? { redact: string(field.redact, `${fieldPath}.redact`) } : {}),
      ...(field.purposes !== undefined ? { purposes: purposes(field.purposes, `${fieldPath}.purposes`) } : {}),
    };
  }
  return {
    ...(type.subjectKey !== undefined ? { subjectKey: string(type.subjectKey, `${path}.subjectKey`) } : {}),
    ...(type.purposes !== undefined ? { purposes: purposes(type.purposes, `${path}.purposes`) } : {}),
    fields,
  };
}

function schemaSource(value: unknown, path: string, baseDir: string): UpstreamConfig['schema'] {
  if (value === undefined || value === 'introspect') return { introspect: true };
  const source = object(value, path);
  onlyKeys(source, ['sdlFile'], path);
  return { sdlFile: resolve(baseDir, string(source.sdlFile, `${path}.sdlFile`)) };
}

function upstreamConfig(value: unknown, path: string, baseDir: string, env: Record<string, string | undefined>): UpstreamConfig {
  const upstream = object(value, path);
  onlyKeys(upstream, ['name', 'url', 'schema', 'headers', 'timeoutMs', 'operations', 'types'], path);
  const name = string(upstream.name, `${path}.name`);
  if (!NAME_PATTERN.test(name)) fail(`${path}.name`, 'letters, digits, _ and - only');
  const url = interpolate(string(upstream.url, `${path}.url`), `${path}.url`, env);
  if (!/^https?:\/\//.test(url)) fail(`${path}.url`, 'must be an http:// or https:// URL');
  const headers = object(upstream.headers ?? {}, `${path}.headers`);
  onlyKeys(headers, ['add', 'forward'], `${path}.headers`);
  const addHeaders: Record<string, string> = {};
  for (const [header, raw] of Object.entries(object(headers.add ?? {}, `${path}.headers.add`))) {
    const headerPath = `${path}.headers.add.${header}`;
    addHeaders[headerName(header, headerPath)] = interpolate(string(raw, headerPath), headerPath, env);
  }
  const forwardHeaders = strings(headers.forward ?? [], `${path}.headers.forward`).map((header, i) => headerName(header, `${path}.headers.forward[${i}]`));
  const timeoutMs = upstream.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  if (typeof timeoutMs !== 'number' || !Number.isInteger(timeoutMs) || timeoutMs < 100 || timeoutMs > 600_000) {
    fail(`${path}.timeoutMs`, 'must be an integer between 100 and 600000');
  }
  const operations: Record<string, OperationRule> = {};
  for (const [coordinate, rule] of Object.entries(object(upstream.operations ?? {}, `${path}.operations`))) {
    operations[coordinate] = operationRule(rule, `${path}.operations.${coordinate}`);
  }
  if (Object.keys(operations).length === 0) fail(`${path}.operations`, 'lists no operation: callers could use nothing of this upstream');
  const types: Record<string, TypeAnnotation> = {};
  for (const [typeName, raw] of Object.entries(object(upstream.types ?? {}, `${path}.types`))) {
    types[typeName] = typeAnnotation(raw, `${path}.types.${typeName}`);
  }
  return { name, url, schema: schemaSource(upstream.schema, `${path}.schema`, baseDir), addHeaders, forwardHeaders, timeoutMs, operations, types };
}

/** Parses a gateway-mode configuration from its JSON text; `file` locates relative SDL paths. */
export function parseGatewayConfig(text: string, file: string, env: Record<string, string | undefined> = process.env): GatewayModeConfig {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new GatewayConfigError(`${file} is not valid JSON: ${error instanceof Error ? error.message : 'parse error'}`);
  }
  const root = object(json, '$');
  onlyKeys(root, ['upstreams'], '$');
  if (!Array.isArray(root.upstreams) || root.upstreams.length === 0) fail('$.upstreams', 'must list at least one upstream');
  const baseDir = dirname(resolve(file));
  const upstreams = root.upstreams.map((upstream, i) => upstreamConfig(upstream, `$.upstreams[${i}]`, baseDir, env));
  const names = new Set<string>();
  for (const upstream of upstreams) {
    if (names.has(upstream.name)) fail('$.upstreams', `two upstreams are named ${upstream.name}`);
    names.add(upstream.name);
  }
  return { file: resolve(file), upstreams };
}

export function readGatewayConfig(file: string, env: Record<string, string | undefined> = process.env): GatewayModeConfig {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    throw new GatewayConfigError(`cannot read the gateway configuration file ${file}`);
  }
  return parseGatewayConfig(text, file, env);
}
