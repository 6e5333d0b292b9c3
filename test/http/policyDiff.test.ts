/**
 * `npm run policy:diff -- OLD NEW`, spawned as a real process: per coordinate what changed, and exit 1
 * exactly when access widens — for annotated schemas (files, directories), git revisions and the
 * manifest the running gateway serves.
 */
import { execFile } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestGateway, type TestGateway } from '../helpers/gateway';

const run = promisify(execFile);
const ROOT = resolve(fileURLToPath(new URL('../..', import.meta.url)));
const TSX = join(ROOT, 'node_modules/.bin/tsx');
const CLI = join(ROOT, 'src/policy/diffCli.ts');
const FIXTURES = join(ROOT, 'test/fixtures/policy-diff');
const BASE = join(FIXTURES, 'base.graphql');

interface Run { code: number; stdout: string; stderr: string }

async function diff(args: string[], cwd = ROOT): Promise<Run> {
  try {
    const { stdout, stderr } = await run(TSX, [CLI, ...args], { cwd, env: { ...process.env, NODE_ENV: 'development' }, timeout: 30_000 });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}

const work = mkdtempSync(join(tmpdir(), 'pg-policy-diff-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** The base fixture with one annotation changed, written to a file of its own. */
function variant(name: string, from: string, to: string): string {
  const base = readFileSync(BASE, 'utf8');
  expect(base).toContain(from);
  const path = join(work, `${name}.graphql`);
  writeFileSync(path, base.replace(from, to));
  return path;
}

const json = (result: Run) => JSON.parse(result.stdout) as { widens: boolean; oldVersion: string; newVersion: string; changes: { coordinate: string; kind: string; effect: string; before: string | null; after: string | null }[] };
const brief = (result: Run) => json(result).changes.map((change) => `${change.effect} ${change.coordinate} ${change.kind} ${change.before ?? '—'} → ${change.after ?? '—'}`);

describe('policy:diff on annotated schemas', () => {
  it('the deliberately widened fixture fails the diff (exit 1) and says why', async () => {
    const result = await diff([BASE, join(FIXTURES, 'widened.graphql')]);
    expect(result.code).toBe(1);
    expect(result.stdout).toContain('WIDENS  Member.email  PURPOSE_ADDED: — → MARKETING (in clear for privacy_officer, marketer)');
    expect(result.stdout).toContain('WIDENS  Member.email  ROLE_IN_CLEAR_ADDED: — → marketer');
    expect(result.stdout).toContain('Access widens');
  });

  it('the same change reversed narrows access: exit 0', async () => {
    const result = await diff([join(FIXTURES, 'widened.graphql'), BASE, '--format', 'json']);
    expect(result.code).toBe(0);
    expect(brief(result)).toEqual([
      'NARROWS Member.email PURPOSE_REMOVED MARKETING → —',
      'NARROWS Member.email ROLE_IN_CLEAR_REMOVED marketer → —',
    ]);
  });

  const ROWS: [name: string, from: string, to: string, expected: string[], code: number][] = [
    ['no change', 'nickname: String', 'nickname: String', [], 0],
    ['weaker redaction', 'redact: NULL) @purpose(allowed: [LEGAL_COMPLIANCE])', 'redact: GENERALIZE) @purpose(allowed: [LEGAL_COMPLIANCE])',
      ['WIDENS Member.birthDate REDACTION_WEAKER NULL → GENERALIZE'], 1],
    ['stronger redaction', 'CONTACT_EMAIL, redact: MASK', 'CONTACT_EMAIL, redact: NULL', ['NARROWS Member.email REDACTION_STRONGER MASK → NULL'], 0],
    ['a role gains clear access through a purpose', '[ANALYTICS, LEGAL_COMPLIANCE]', '[ANALYTICS, SUPPORT, LEGAL_COMPLIANCE]',
      ['WIDENS Member.city PURPOSE_ADDED — → SUPPORT (in clear for privacy_officer, support)', 'WIDENS Member.city ROLE_IN_CLEAR_ADDED — → support'], 1],
    ['a new @pii field', 'nickname: String', 'nickname: String\n  phone: String @pii(category: CONTACT_PHONE, redact: MASK) @purpose(allowed: [SUPPORT])',
      ['WIDENS Member.phone PII_ADDED — → CONTACT_PHONE, purposes SUPPORT, redact MASK, in clear for privacy_officer, support, customer'], 1],
    ['@pii removed, field kept (now in clear)', 'city: String @pii(category: LOCATION, redact: NULL) @purpose(allowed: [ANALYTICS, LEGAL_COMPLIANCE])', 'city: String',
      ['WIDENS Member.city PII_REMOVED LOCATION, purposes ANALYTICS, LEGAL_COMPLIANCE, redact NULL, in clear for privacy_officer, marketer, analyst, customer → CLEAR (no @pii)'], 1],
    ['field removed from the schema', '  city: String @pii(category: LOCATION, redact: NULL) @purpose(allowed: [ANALYTICS, LEGAL_COMPLIANCE])\n', '',
      ['NARROWS Member.city FIELD_REMOVED LOCATION, purposes ANALYTICS, LEGAL_COMPLIANCE, redact NULL, in clear for privacy_officer, marketer, analyst, customer → —'], 0],
    ['category change', 'category: LOCATION', 'category: BEHAVIOR', ['CHANGES Member.city CATEGORY_CHANGED LOCATION → BEHAVIOR'], 0],
    ['category change that drops encryption at rest', 'category: DATE_OF_BIRTH', 'category: BEHAVIOR',
      ['CHANGES Member.birthDate CATEGORY_CHANGED DATE_OF_BIRTH → BEHAVIOR', 'WIDENS Member.birthDate ENCRYPTION_DROPPED true → false'], 1],
    ['a plain attribute becomes a direct identifier (the analyst loses it in clear)', 'city: String @pii(category: LOCATION', 'city: String @pii(category: IDENTIFIER',
      ['CHANGES Member.city CATEGORY_CHANGED LOCATION → IDENTIFIER', 'NARROWS Member.city ENCRYPTION_ADDED false → true', 'NARROWS Member.city ROLE_IN_CLEAR_REMOVED analyst → —'], 0],
  ];
  it.each(ROWS)('%s', async (name, from, to, expected, code) => {
    const result = await diff([BASE, variant(name.replace(/\W+/g, '-'), from, to), '--format', 'json']);
    expect(result.stderr).toBe('');
    expect(brief(result)).toEqual(expected);
    expect(json(result).widens).toBe(code === 1);
    expect(result.code).toBe(code);
  });

  it('prints Markdown for a pull-request comment', async () => {
    const result = await diff([BASE, join(FIXTURES, 'widened.graphql'), '--format', 'md']);
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/^### Privacy policy diff: /);
    expect(result.stdout).toContain('**Access widens.**');
    expect(result.stdout).toContain('| effect | coordinate | change | before | after |');
    expect(result.stdout).toContain('| 🔴 widens | `Member.email` | ROLE_IN_CLEAR_ADDED | — | marketer |');
  });

  it.each([
    [['only-one'], /exactly two/],
    [[BASE, BASE, '--format', 'html'], /--format must be one of/],
    [[BASE, 'no-such-revision-or-file'], /neither a file nor a git revision/],
    [[BASE, join(work, 'broken.graphql')], /has no @purpose/],
  ])('%j → exit 2 with a clear message', async (args, message) => {
    writeFileSync(join(work, 'broken.graphql'), 'type Member { id: ID! email: String @pii(category: CONTACT_EMAIL) }\ntype Query { member: Member }\n');
    const result = await diff(args);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(message);
    expect(result.stdout).toBe('');
  });
});

describe('policy:diff on git revisions', () => {
  it('compiles the schema at each revision: widening commit → exit 1, reverse → exit 0', async () => {
    const repo = join(work, 'repo');
    cpSync(join(ROOT, 'schema'), join(repo, 'schema'), { recursive: true });
    const git = (...args: string[]) => run('git', args, { cwd: repo, env: { ...process.env, GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@t', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@t' } });
    await git('init', '-q');
    await git('add', '-A');
    await git('commit', '-qm', 'base');
    const file = join(repo, 'schema/customer.graphql');
    const sdl = readFileSync(file, 'utf8');
    const from = 'fullName: String @pii(category: NAME, redact: MASK) @purpose(allowed: [MARKETING, PERSONALIZATION, SUPPORT, LEGAL_COMPLIANCE])';
    expect(sdl).toContain(from);
    writeFileSync(file, sdl.replace(from, from.replace('SUPPORT, ', 'SUPPORT, ANALYTICS, ')));
    await git('commit', '-qam', 'widen fullName to ANALYTICS');
    const widened = await diff(['HEAD~1', 'HEAD', '--format', 'json'], repo);
    expect(widened.code).toBe(1);
    expect(brief(widened)).toEqual(['WIDENS Customer.fullName PURPOSE_ADDED — → ANALYTICS (in clear for privacy_officer, marketer)']);
    const reverse = await diff(['HEAD', 'HEAD~1'], repo);
    expect(reverse.code).toBe(0);
    expect(reverse.stdout).toContain('NARROWS Customer.fullName  PURPOSE_REMOVED: ANALYTICS → —');
  });

  it('npm run policy:diff -- HEAD schema in this checkout: the working tree against the last commit', async () => {
    const { stdout } = await run('npm', ['run', '-s', 'policy:diff', '--', 'HEAD', 'schema', '--format', 'json'], { cwd: ROOT, timeout: 30_000 }).catch((error) => error);
    expect(JSON.parse(stdout)).toMatchObject({ old: 'HEAD', new: 'schema' });
  });
});

describe('policy:diff on the manifest a running gateway serves', () => {
  let gw: TestGateway;
  beforeAll(async () => {
    gw = await startTestGateway({ customers: 5 });
  });
  afterAll(async () => gw?.close());

  it('the served manifest equals the schema it was compiled from; a widened copy of the schema fails against it', async () => {
    const manifest = await (await fetch(`${gw.url}/privacy/manifest`)).text();
    const file = join(work, 'served-manifest.json');
    writeFileSync(file, manifest);
    const same = await diff([file, join(ROOT, 'schema')]);
    expect(same.stdout).toContain('No change to the privacy policy.');
    expect(same.code).toBe(0);
    // The policy version the diff prints is the one explanations carry.
    const token = await gw.token({ role: 'marketer', purposes: ['MARKETING'] });
    const explained = await gw.gql('{ customers(first: 1) { edges { node { email } } } }', { token, headers: { 'x-privacy-explain': '1' } });
    const version = (explained.body.extensions?.privacy as any).explain.policyVersion;
    expect(same.stdout).toContain(`Privacy policy diff: ${file} (${version}) → ${join(ROOT, 'schema')} (${version})`);
    const copy = join(work, 'schema-widened');
    cpSync(join(ROOT, 'schema'), copy, { recursive: true });
    const sdl = readFileSync(join(copy, 'customer.graphql'), 'utf8');
    writeFileSync(join(copy, 'customer.graphql'), sdl.replace('redact: GENERALIZE) @purpose(allowed: [PERSONALIZATION, ANALYTICS, LEGAL_COMPLIANCE])', 'redact: GENERALIZE) @purpose(allowed: [PERSONALIZATION, ANALYTICS, MARKETING, LEGAL_COMPLIANCE])'));
    const widened = await diff([file, copy, '--format', 'json']);
    expect(widened.code).toBe(1);
    expect(json(widened).newVersion).not.toBe(json(widened).oldVersion);
    expect(brief(widened)).toEqual([
      'WIDENS Customer.birthDate PURPOSE_ADDED — → MARKETING (in clear for privacy_officer, marketer, analyst)',
    ]);
  });

  it('manifests also compare the role and purpose tables; a field missing from a manifest counts as unprotected', async () => {
    const manifest = await (await fetch(`${gw.url}/privacy/manifest`)).json() as any;
    const old = join(work, 'tables-old.json');
    writeFileSync(old, JSON.stringify(manifest));
    manifest.roles.find((role: any) => role.name === 'support').purposes.push('ANALYTICS');
    manifest.roles.find((role: any) => role.name === 'analyst').purposes = ['ANALYTICS'];
    manifest.purposes.find((purpose: any) => purpose.name === 'MARKETING').consent = 'OPT_OUT';
    manifest.purposes.find((purpose: any) => purpose.name === 'SUPPORT').legalBasis = 'legitimate_interest';
    manifest.fields = manifest.fields.filter((field: any) => field.field !== 'phone');
    const next = join(work, 'tables-new.json');
    writeFileSync(next, JSON.stringify(manifest));
    const result = await diff([old, next, '--format', 'json']);
    expect(result.code).toBe(1);
    expect(brief(result)).toEqual([
      'WIDENS Customer.phone PII_REMOVED CONTACT_PHONE, purposes MARKETING, SUPPORT, LEGAL_COMPLIANCE, redact MASK, in clear for privacy_officer, marketer, support, customer → CLEAR (no @pii)',
      'WIDENS purpose:MARKETING CONSENT_WEAKER OPT_IN → OPT_OUT',
      'CHANGES purpose:SUPPORT LEGAL_BASIS_CHANGED contract → legitimate_interest',
      'NARROWS role:analyst ROLE_PURPOSE_REMOVED MARKETING → —',
      'NARROWS role:analyst ROLE_PURPOSE_REMOVED PERSONALIZATION → —',
      'WIDENS role:support ROLE_PURPOSE_ADDED — → ANALYTICS',
    ]);
  });

  it('a file that is not a manifest → exit 2', async () => {
    const file = join(work, 'not-a-manifest.json');
    writeFileSync(file, JSON.stringify({ hello: 'world' }));
    const result = await diff([file, join(ROOT, 'schema')]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/is not a privacy manifest/);
  });
});
