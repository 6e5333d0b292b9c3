/**
 * `npm run policy:diff -- OLD NEW [--format text|md|json] [--schema-dir schema]`
 *
 * Compares two privacy policies — each a manifest JSON file, an annotated schema (`.graphql` file or
 * directory) or a git revision — and prints per coordinate what changed. Exit status: 0 when access
 * does not widen, 1 when it does (a CI gate), 2 when the inputs cannot be read or compiled.
 */
import { parseArgs } from 'node:util';
import { diffManifests, widens } from './diff';
import { DIFF_FORMATS, formatDiff, type DiffFormat } from './diffFormat';
import { loadDiffSide } from './diffInput';
import { manifestVersion } from '../explain/policyVersion';

const USAGE = 'usage: npm run policy:diff -- OLD NEW [--format text|md|json] [--schema-dir schema]\n'
  + '  OLD, NEW: a manifest .json file, a .graphql file or directory, or a git revision\n';

function fail(message: string): never {
  process.stderr.write(`policy:diff: ${message}\n${USAGE}`);
  process.exit(2);
}

function main(): void {
  let parsed;
  try {
    parsed = parseArgs({
      allowPositionals: true,
      options: { format: { type: 'string', default: 'text' }, 'schema-dir': { type: 'string', default: 'schema' } },
      strict: true,
    });
  } catch (error) {
    fail(error instanceof Error ? error.message : 'bad arguments');
  }
  const { values, positionals } = parsed;
  if (positionals.length !== 2) fail('give exactly two policies, OLD and NEW');
  if (!(DIFF_FORMATS as readonly string[]).includes(values.format)) fail(`--format must be one of ${DIFF_FORMATS.join(', ')}`);
  const options = { schemaDir: values['schema-dir'], cwd: process.cwd() };
  let changes;
  let old;
  let next;
  try {
    old = loadDiffSide(positionals[0]!, options);
    next = loadDiffSide(positionals[1]!, options);
    changes = diffManifests(old.manifest, next.manifest, next.schemaFields);
  } catch (error) {
    fail(error instanceof Error ? error.message : 'cannot read the inputs');
  }
  const side = (name: string, manifest: typeof old.manifest) => ({ name, version: manifestVersion(manifest) });
  process.stdout.write(formatDiff(values.format as DiffFormat, changes, side(positionals[0]!, old.manifest), side(positionals[1]!, next.manifest)));
  process.exitCode = widens(changes) ? 1 : 0;
}

main();
