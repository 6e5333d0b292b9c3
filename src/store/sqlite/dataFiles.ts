/**
 * What is in DATA_DIR before the embedded store opens it, and whether it can be read. Anything that
 * exists but cannot be read — a truncated or foreign file, a directory where the database should be,
 * files of the previous embedded format — stops start-up with a message naming the file: the gateway
 * never starts empty over existing data, and never overwrites it.
 */
import { accessSync, constants, closeSync, existsSync, mkdirSync, openSync, readSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { StoreError } from '../port';

/** The database file inside DATA_DIR (SQLite adds `-wal` and `-shm` next to it while open). */
export const DATABASE_FILE = 'gateway.sqlite';
/** Files of the previous embedded format (a JSON-lines snapshot and log). */
export const LEGACY_FILES = ['snapshot.jsonl', 'wal.jsonl'] as const;
export const MIGRATE_COMMAND = 'npm run store:migrate';

const HEADER = Buffer.from('SQLite format 3\0', 'latin1');

export class UnreadableDataError extends StoreError {
  constructor(readonly file: string, reason: string) {
    super(`${file}: ${reason}. The gateway does not start over data it cannot read; nothing was changed`);
  }
}

/** The legacy files present in `dir` (empty when none). */
export function legacyFilesIn(dir: string): string[] {
  return LEGACY_FILES.map((name) => join(dir, name)).filter((path) => existsSync(path));
}

function readHeader(path: string): Buffer {
  const fd = openSync(path, 'r');
  try {
    const header = Buffer.alloc(100);
    const read = readSync(fd, header, 0, 100, 0);
    return header.subarray(0, read);
  } finally {
    closeSync(fd);
  }
}

/** Checks the database file's header and size: a foreign or truncated file is refused. */
function checkDatabaseFile(path: string): void {
  const stats = statSync(path);
  if (!stats.isFile()) throw new UnreadableDataError(path, 'is not a regular file');
  try {
    accessSync(path, constants.R_OK | constants.W_OK);
  } catch {
    throw new UnreadableDataError(path, 'cannot be read and written by this process (check its owner and permissions)');
  }
  if (stats.size === 0) return;
  let header: Buffer;
  try {
    header = readHeader(path);
  } catch (error) {
    throw new UnreadableDataError(path, `cannot be read (${(error as NodeJS.ErrnoException).code ?? 'I/O error'})`);
  }
  if (header.length < 100 || !header.subarray(0, 16).equals(HEADER)) throw new UnreadableDataError(path, 'is not an SQLite database of this gateway (corrupt, or another format)');
  const rawPageSize = header.readUInt16BE(16);
  const pageSize = rawPageSize === 1 ? 65536 : rawPageSize;
  const pages = header.readUInt32BE(28);
  // The in-header size is valid when the change counter matches "version valid for" (SQLite >= 3.7.0).
  const sizeValid = header.readUInt32BE(24) === header.readUInt32BE(92);
  if (sizeValid && pages * pageSize > stats.size) {
    throw new UnreadableDataError(path, `is truncated (${stats.size} bytes, its header says ${pages * pageSize})`);
  }
}

export interface DataDirState {
  databasePath: string;
  /** True when the database file already held data (not a first start). */
  existing: boolean;
}

/** Creates DATA_DIR if needed and checks what it holds; throws UnreadableDataError/StoreError otherwise. */
export function inspectDataDir(dir: string): DataDirState {
  try {
    mkdirSync(dir, { recursive: true });
  } catch (error) {
    throw new UnreadableDataError(dir, `cannot be created (${(error as NodeJS.ErrnoException).code ?? 'I/O error'})`);
  }
  const legacy = legacyFilesIn(dir);
  if (legacy.length > 0) {
    throw new StoreError(`${legacy[0]}: DATA_DIR holds data in the previous embedded-store format. Convert it with \`${MIGRATE_COMMAND}\` `
      + '(same DATA_DIR); the gateway does not start over it and has changed nothing');
  }
  const databasePath = join(dir, DATABASE_FILE);
  const walPath = `${databasePath}-wal`;
  if (!existsSync(databasePath)) {
    if (existsSync(walPath)) throw new UnreadableDataError(walPath, `holds writes but ${DATABASE_FILE} is missing`);
    return { databasePath, existing: false };
  }
  checkDatabaseFile(databasePath);
  if (existsSync(walPath)) {
    try {
      accessSync(walPath, constants.R_OK | constants.W_OK);
    } catch {
      throw new UnreadableDataError(walPath, 'cannot be read and written by this process (check its owner and permissions)');
    }
  }
  return { databasePath, existing: statSync(databasePath).size > 0 };
}
