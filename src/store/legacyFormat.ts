/**
 * Reads a data directory of the previous embedded format (`snapshot.jsonl` + `wal.jsonl`, one
 * `crc32<TAB>json` record per line) as a stream, so a snapshot of any size can be read (the old
 * reader loaded it as one string and failed above ~512 MB). The snapshot is written whole by rename,
 * so any bad line in it is corruption and stops the read; the log may end in a torn record from a
 * crash, which is reported and skipped, exactly as the old store did on start.
 */
import { createReadStream, existsSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { crc32 } from 'node:zlib';
import { StoreError } from './port';

export type LegacyRecord =
  | { c: string; op: 'put'; d: Record<string, unknown> }
  | { c: string; op: 'del'; id: string };

function decode(line: string): unknown {
  const tab = line.indexOf('\t');
  if (tab <= 0) throw new Error('no checksum');
  const json = line.slice(tab + 1);
  if (crc32(json).toString(16) !== line.slice(0, tab)) throw new Error('checksum mismatch');
  return JSON.parse(json);
}

function isRecord(value: unknown): value is LegacyRecord {
  if (value === null || typeof value !== 'object') return false;
  const record = value as Record<string, unknown>;
  if (typeof record.c !== 'string') return false;
  if (record.op === 'del') return typeof record.id === 'string';
  return record.op === 'put' && typeof record.d === 'object' && record.d !== null;
}

/** The snapshot's documents, in file order, as puts. Throws naming the file and line on a bad line. */
export async function* readLegacySnapshot(dir: string): AsyncGenerator<LegacyRecord> {
  const path = join(dir, 'snapshot.jsonl');
  if (!existsSync(path)) return;
  let number = 0;
  for await (const line of createInterface({ input: createReadStream(path, 'utf8'), crlfDelay: Infinity })) {
    number += 1;
    if (line === '') continue;
    let entry: unknown;
    try {
      entry = decode(line);
    } catch (error) {
      throw new StoreError(`${path}: line ${number} is damaged (${(error as Error).message}); nothing was migrated`);
    }
    const { c, d } = entry as { c?: unknown; d?: unknown };
    if (typeof c !== 'string' || d === null || typeof d !== 'object') throw new StoreError(`${path}: line ${number} is not a snapshot entry; nothing was migrated`);
    yield { c, op: 'put', d: d as Record<string, unknown> };
  }
}

/** The log's records up to the first torn or damaged one; `onTorn` learns where the log was cut. */
export async function* readLegacyLog(dir: string, onTorn: (line: number) => void): AsyncGenerator<LegacyRecord> {
  const path = join(dir, 'wal.jsonl');
  if (!existsSync(path)) return;
  let number = 0;
  for await (const line of createInterface({ input: createReadStream(path, 'utf8'), crlfDelay: Infinity })) {
    number += 1;
    if (line === '') continue;
    let record: unknown;
    try {
      record = decode(line);
    } catch {
      onTorn(number);
      return;
    }
    if (!isRecord(record)) {
      onTorn(number);
      return;
    }
    yield record;
  }
}
