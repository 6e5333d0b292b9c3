/**
 * One side of a policy diff, from what the command line names:
 * - a `.json` file: a manifest as `GET /privacy/manifest` returns it;
 * - a `.graphql` file, or a directory of them: an annotated schema, compiled here;
 * - anything else: a git revision; its `schema/*.graphql` (or `--schema-dir`) is read with `git show`
 *   and compiled.
 * A schema is compiled with this checkout's directive definitions and its role and purpose registries;
 * a manifest brings its own. Compilation errors (a @pii without @purpose …) stop the diff.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { makeExecutableSchema } from '@graphql-tools/schema';
import { isObjectType } from 'graphql';
import { compilePolicy } from '../../directives/compilePolicy';
import { piiDirectiveTypeDefs } from '../../directives/pii';
import { purposeDirectiveTypeDefs } from '../../directives/purpose';
import { buildManifest, type PrivacyManifest } from '../privacy/manifest';
import type { SchemaFields } from './diff';

export class DiffInputError extends Error {
  override name = 'DiffInputError';
}

export interface DiffSide {
  label: string;
  manifest: PrivacyManifest;
  /** Every `Type.field` of the schema (null when the side is a manifest). */
  schemaFields: SchemaFields;
}

export function manifestFromSdl(typeDefs: string[]): { manifest: PrivacyManifest; schemaFields: Set<string> } {
  const schema = makeExecutableSchema({ typeDefs: [piiDirectiveTypeDefs, purposeDirectiveTypeDefs, ...typeDefs] });
  const schemaFields = new Set<string>();
  for (const type of Object.values(schema.getTypeMap())) {
    if (isObjectType(type) && !type.name.startsWith('__')) for (const field of Object.keys(type.getFields())) schemaFields.add(`${type.name}.${field}`);
  }
  return { manifest: buildManifest(compilePolicy(schema)), schemaFields };
}

function assertManifest(value: unknown, label: string): asserts value is PrivacyManifest {
  const manifest = value as Partial<PrivacyManifest> | null;
  const ok = manifest !== null && typeof manifest === 'object'
    && Array.isArray(manifest.fields) && Array.isArray(manifest.roles) && Array.isArray(manifest.purposes)
    && manifest.fields.every((f) => typeof f?.type === 'string' && typeof f.field === 'string' && typeof f.category === 'string'
      && Array.isArray(f.purposes) && Array.isArray(f.roles) && typeof f.redact === 'string');
  if (!ok) throw new DiffInputError(`${label} is not a privacy manifest (fields, roles and purposes arrays as /privacy/manifest returns)`);
}

function git(args: string[], cwd: string): string {
  try {
    return execFileSync('git', args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 64 * 1024 * 1024 });
  } catch {
    throw new DiffInputError(`git ${args[0]} failed for ${args.at(-1)}`);
  }
}

function fromRevision(revision: string, schemaDir: string, cwd: string): DiffSide {
  if (!/^[\w./~^@{}-]+$/.test(revision) || revision.startsWith('-')) throw new DiffInputError(`${revision} is neither a file nor a git revision`);
  let commit: string;
  try {
    commit = git(['rev-parse', '--verify', '--quiet', `${revision}^{commit}`], cwd).trim();
  } catch {
    throw new DiffInputError(`${revision} is neither a file nor a git revision`);
  }
  const dir = schemaDir.replace(/\/+$/, '');
  const files = git(['ls-tree', '-r', '--name-only', commit, '--', `${dir}/`], cwd).split('\n').filter((file) => file.endsWith('.graphql')).sort();
  if (files.length === 0) throw new DiffInputError(`${revision} has no ${dir}/*.graphql`);
  const typeDefs = files.map((file) => git(['show', `${commit}:${file}`], cwd));
  return { label: revision, ...manifestFromSdl(typeDefs) };
}

export function loadDiffSide(spec: string, options: { schemaDir: string; cwd: string }): DiffSide {
  const onDisk = resolve(options.cwd, spec);
  if (existsSync(onDisk)) {
    if (statSync(onDisk).isDirectory()) {
      const files = readdirSync(onDisk).filter((file) => file.endsWith('.graphql')).sort();
      if (files.length === 0) throw new DiffInputError(`${spec} holds no .graphql files`);
      return { label: spec, ...manifestFromSdl(files.map((file) => readFileSync(join(onDisk, file), 'utf8'))) };
    }
    if (onDisk.endsWith('.graphql')) return { label: spec, ...manifestFromSdl([readFileSync(onDisk, 'utf8')]) };
    let parsed: unknown;
    try {
      parsed = JSON.parse(readFileSync(onDisk, 'utf8'));
    } catch {
      throw new DiffInputError(`${spec} is not JSON`);
    }
    assertManifest(parsed, spec);
    return { label: spec, manifest: parsed, schemaFields: null };
  }
  return fromRevision(spec, options.schemaDir, options.cwd);
}
