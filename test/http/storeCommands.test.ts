/**
 * The embedded store's commands, through real processes:
 * - `npm run store:migrate` converts a data directory of the previous format (snapshot + log, with a
 *   torn last record) so the gateway starts on it and serves exactly the same data; the old files are
 *   kept aside; a damaged snapshot is refused with nothing changed;
 * - `npm run store:backup -- FILE` copies a running gateway's store; a gateway started on the copy
 *   serves the same data.
 */
import { execFile } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { crc32 } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { mintToken, secretKey } from '../../src/auth/tokens';
import { EmbeddedStore } from '../../src/store/embedded';
import { COLLECTIONS } from '../../src/store/port';
import { DATABASE_FILE } from '../../src/store/sqlite/dataFiles';
import { gql, JWT_SECRET, killAll, killHard, ROOT, startGateway } from './gatewayProcess';

const run = promisify(execFile);
const dirs: string[] = [];
afterAll(() => {
  killAll();
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});
function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'pg-commands-'));
  dirs.push(dir);
  return dir;
}

async function command(script: string, args: string[], dataDir: string) {
  const env = { ...process.env, MONGODB_URI: '', NODE_ENV: 'test', LOG_LEVEL: 'silent', DATA_DIR: dataDir };
  return run(process.execPath, ['--import', 'tsx', script, ...args], { cwd: ROOT, env, timeout: 60_000 })
    .then(({ stdout }) => ({ code: 0, stdout, stderr: '' }), (error: { code: number; stdout: string; stderr: string }) => error);
}

const line = (value: unknown) => {
  const json = JSON.stringify(value);
  return `${crc32(json).toString(16)}\t${json}\n`;
};

const LIST = '{ customers(first: 100) { totalCount edges { node { id email fullName country consents { purpose status } } } } }';

async function everything(dataDir: string) {
  const officer = await mintToken({ role: 'privacy_officer', purposes: ['LEGAL_COMPLIANCE'], sub: 'po-commands' }, secretKey(JWT_SECRET));
  const server = await startGateway({ DATA_DIR: dataDir });
  try {
    return (await gql(server, officer, LIST, {}, 'LEGAL_COMPLIANCE')).data!.customers;
  } finally {
    await killHard(server);
  }
}

/** Rewrites a (stopped) gateway's store as the previous format: a snapshot, plus a log holding one change and a torn record. */
async function toLegacyFormat(dataDir: string): Promise<void> {
  const store = await EmbeddedStore.open({ dataDir });
  let snapshot = '';
  for (const name of COLLECTIONS) for (const d of await store.collection(name).find({})) snapshot += line({ c: name, d });
  const [first] = await store.collection('customers').find({}, { limit: 1 });
  await store.close();
  rmSync(join(dataDir, DATABASE_FILE));
  writeFileSync(join(dataDir, 'snapshot.jsonl'), snapshot);
  const changed = { ...first!, country: 'SE' };
  writeFileSync(join(dataDir, 'wal.jsonl'), `${line({ c: 'customers', op: 'put', d: changed })}${line({ c: 'customers', op: 'put', d: { _id: 'x' } }).slice(0, 20)}`);
}

describe('npm run store:migrate', () => {
  it('converts the previous format; the gateway then serves the same data; the old files are kept', async () => {
    const dataDir = tempDir();
    const original = await everything(dataDir); // first start: seeds
    await toLegacyFormat(dataDir);
    const migrated = await command('src/store/migrateCli.ts', [], dataDir);
    expect(migrated.code).toBe(0);
    expect(JSON.parse(migrated.stdout)).toMatchObject({ logRecords: 1, tornLogAtLine: 2 });
    const kept = readdirSync(dataDir).filter((name) => name.startsWith('legacy-format-'));
    expect(kept).toHaveLength(1);
    expect(readdirSync(join(dataDir, kept[0]!)).sort()).toEqual(['snapshot.jsonl', 'wal.jsonl']);

    const after = await everything(dataDir);
    const changedId = after.edges[0].node.id;
    expect(after.totalCount).toBe(original.totalCount);
    expect(after.edges.map((edge: { node: { id: string } }) => edge.node.id === changedId ? { ...edge.node, country: original.edges[0].node.country } : edge.node))
      .toEqual(original.edges.map((edge: { node: unknown }) => edge.node));
    expect(after.edges[0].node.country).toBe('SE');
  }, 120_000);

  it('refuses a damaged snapshot, naming it, and changes nothing', async () => {
    const dataDir = tempDir();
    writeFileSync(join(dataDir, 'snapshot.jsonl'), `${line({ c: 'customers', d: { _id: 'a' } })}0\t{"c":"customers","d":{"_id":"b"}}\n`);
    const before = readFileSync(join(dataDir, 'snapshot.jsonl'));
    const failed = await command('src/store/migrateCli.ts', [], dataDir);
    expect(failed.code).toBe(1);
    expect(failed.stderr).toContain(`${join(dataDir, 'snapshot.jsonl')}: line 2 is damaged`);
    expect(readdirSync(dataDir)).toEqual(['snapshot.jsonl']);
    expect(existsSync(join(dataDir, DATABASE_FILE))).toBe(false);
    expect(readFileSync(join(dataDir, 'snapshot.jsonl'))).toEqual(before);
  }, 60_000);
});

describe('npm run store:backup', () => {
  it('copies a running gateway\'s store; a gateway on the copy serves the same data', async () => {
    const dataDir = tempDir();
    const officer = await mintToken({ role: 'privacy_officer', purposes: ['LEGAL_COMPLIANCE'], sub: 'po-backup' }, secretKey(JWT_SECRET));
    const server = await startGateway({ DATA_DIR: dataDir });
    let original;
    try {
      original = (await gql(server, officer, LIST, {}, 'LEGAL_COMPLIANCE')).data!.customers;
      const target = join(tempDir(), 'copy.sqlite');
      const backup = await command('src/store/backupCli.ts', [target], dataDir);
      expect(backup.code).toBe(0);
      expect(JSON.parse(backup.stdout)).toMatchObject({ to: target, bytes: expect.any(Number) });
      expect((await command('src/store/backupCli.ts', [target], dataDir)).code).toBe(1); // never overwrites
      const restored = tempDir();
      mkdirSync(restored, { recursive: true });
      copyFileSync(target, join(restored, DATABASE_FILE));
      expect(await everything(restored)).toEqual(original);
    } finally {
      await killHard(server);
    }
  }, 120_000);
});
