/**
 * `npm run store:backup -- <file>`: a consistent copy of the embedded store's database to a new file,
 * taken with SQLite's online backup API — safe while the gateway runs (it keeps serving and writing).
 * Restore: stop the gateway, put the copy in place as DATA_DIR/gateway.sqlite (with no -wal file
 * next to it), start. Exits 1 with a message on failure; never overwrites an existing file.
 */
import { existsSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import Database from 'better-sqlite3';
import { ConfigError, loadConfig } from '../config/config';
import { StoreError } from './port';
import { inspectDataDir } from './sqlite/dataFiles';

async function main(): Promise<void> {
  const target = process.argv[2];
  if (target === undefined || target.startsWith('-')) throw new StoreError('usage: npm run store:backup -- <new file>');
  const path = resolve(target);
  if (existsSync(path)) throw new StoreError(`${path}: already exists; a backup never overwrites a file`);
  const config = loadConfig();
  if (config.mongodbUri !== undefined) throw new StoreError('MONGODB_URI is set: back MongoDB up with its own tools (mongodump)');
  const { databasePath, existing } = inspectDataDir(config.dataDir);
  if (!existing) throw new StoreError(`${databasePath}: no embedded store to back up`);
  const started = Date.now();
  const db = new Database(databasePath, { fileMustExist: true });
  try {
    await db.backup(path);
  } finally {
    db.close();
  }
  process.stdout.write(`${JSON.stringify({ from: databasePath, to: path, bytes: statSync(path).size, ms: Date.now() - started })}\n`);
}

main().catch((error: unknown) => {
  const message = error instanceof ConfigError ? `configuration error: ${error.message}` : error instanceof Error ? error.message : String(error);
  process.stderr.write(`store:backup: ${message}\n`);
  process.exit(1);
});
