/**
 * Crash-safe persistence for the embedded store: a snapshot file plus a write-ahead log.
 *
 * - Each log record is one line `crc32<TAB>json`; a write resolves only after the bytes are
 *   fdatasync'd, and concurrent writes share one fsync (group commit).
 * - On open, records are replayed until the first line that is incomplete or fails its checksum: that
 *   is a torn write from a crash, so the log is truncated there and start-up continues.
 * - A snapshot is written to a temporary file, fsync'd, renamed over the old one, and the directory
 *   fsync'd; only then is the log emptied. Replaying a log over a newer snapshot is harmless because
 *   every record carries the whole document (puts and deletes are idempotent).
 */
import { closeSync, fsyncSync, openSync } from 'node:fs';
import { mkdir, open, readFile, rename, stat, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { crc32 } from 'node:zlib';

export type LogRecord =
  | { c: string; op: 'put'; d: Record<string, unknown> }
  | { c: string; op: 'del'; id: string };

export interface SnapshotEntry {
  c: string;
  d: Record<string, unknown>;
}

const SNAPSHOT = 'snapshot.jsonl';
const LOG = 'wal.jsonl';

function encodeLine(value: unknown): string {
  const json = JSON.stringify(value);
  return `${crc32(json).toString(16)}\t${json}\n`;
}

function decodeLine(line: string): unknown {
  const tab = line.indexOf('\t');
  if (tab <= 0) throw new Error('no checksum');
  const json = line.slice(tab + 1);
  if (crc32(json).toString(16) !== line.slice(0, tab)) throw new Error('checksum mismatch');
  return JSON.parse(json);
}

export interface OpenedLog {
  log: DurableLog;
  snapshot: SnapshotEntry[];
  records: LogRecord[];
  /** Bytes of torn or corrupt tail discarded on open (0 normally). */
  discardedBytes: number;
  /** True when the directory held no data at all (first start). */
  fresh: boolean;
}

interface Pending {
  data: string;
  resolve: () => void;
  reject: (error: Error) => void;
}

export class DurableLog {
  private pending: Pending[] = [];
  private flushing: Promise<void> | null = null;
  private broken: Error | null = null;
  /** While a snapshot is written, appends queue up (they land in the log after it is emptied). */
  private paused = false;
  /** Records appended since the last snapshot; drives compaction. */
  recordsSinceSnapshot = 0;

  private constructor(private readonly dir: string, private handle: FileHandle) {}

  static async open(dir: string): Promise<OpenedLog> {
    await mkdir(dir, { recursive: true });
    const snapshotPath = join(dir, SNAPSHOT);
    const logPath = join(dir, LOG);
    const snapshotText = await readFile(snapshotPath, 'utf8').catch(() => null);
    const logText = await readFile(logPath, 'utf8').catch(() => null);
    const snapshot: SnapshotEntry[] = [];
    if (snapshotText !== null) {
      // A snapshot only ever appears by rename after fsync, so it is whole; a bad line is real corruption.
      for (const line of snapshotText.split('\n')) {
        if (line !== '') snapshot.push(decodeLine(line) as SnapshotEntry);
      }
    }
    const records: LogRecord[] = [];
    let goodBytes = 0;
    if (logText !== null) {
      let offset = 0;
      while (offset < logText.length) {
        const end = logText.indexOf('\n', offset);
        if (end === -1) break; // torn: no newline yet
        const line = logText.slice(offset, end);
        try {
          records.push(decodeLine(line) as LogRecord);
        } catch {
          break;
        }
        offset = end + 1;
        goodBytes += Buffer.byteLength(line, 'utf8') + 1;
      }
    }
    const totalBytes = logText === null ? 0 : Buffer.byteLength(logText, 'utf8');
    const handle = await open(logPath, 'a+');
    if (goodBytes < totalBytes) {
      await handle.truncate(goodBytes);
      await handle.datasync();
    }
    const log = new DurableLog(dir, handle);
    log.recordsSinceSnapshot = records.length;
    return { log, snapshot, records, discardedBytes: totalBytes - goodBytes, fresh: snapshotText === null && logText === null };
  }

  /** Appends records; resolves once they are on disk. */
  append(records: readonly LogRecord[]): Promise<void> {
    if (this.broken !== null) return Promise.reject(this.broken);
    if (records.length === 0) return Promise.resolve();
    this.recordsSinceSnapshot += records.length;
    return new Promise<void>((resolve, reject) => {
      this.pending.push({ data: records.map(encodeLine).join(''), resolve, reject });
      this.startFlush();
    });
  }

  private startFlush(): void {
    if (this.flushing === null && !this.paused && this.pending.length > 0) this.flushing = this.flushLoop();
  }

  private async flushLoop(): Promise<void> {
    try {
      while (this.pending.length > 0) {
        const batch = this.pending;
        this.pending = [];
        try {
          await this.handle.write(batch.map((item) => item.data).join(''));
          await this.handle.datasync();
          for (const item of batch) item.resolve();
        } catch (cause) {
          // Memory and disk may now disagree: refuse every later write rather than acknowledge lies.
          this.broken = new Error('embedded store write failed; the store is read-only until restart');
          for (const item of [...batch, ...this.pending]) item.reject(this.broken);
          this.pending = [];
          void cause;
        }
      }
    } finally {
      this.flushing = null;
    }
  }

  /** Waits for every acknowledged-in-progress write. */
  async drain(): Promise<void> {
    while (this.flushing !== null) await this.flushing;
  }

  get healthy(): boolean {
    return this.broken === null;
  }

  /** Replaces the snapshot with `entries` and empties the log (call only when no writes are in flight). */
  async writeSnapshot(entries: Iterable<SnapshotEntry>): Promise<void> {
    await this.drain();
    this.paused = true;
    try {
      await this.replaceSnapshot(entries);
    } finally {
      this.paused = false;
      this.startFlush();
    }
  }

  private async replaceSnapshot(entries: Iterable<SnapshotEntry>): Promise<void> {
    const snapshotPath = join(this.dir, SNAPSHOT);
    const tmpPath = `${snapshotPath}.tmp`;
    const tmp = await open(tmpPath, 'w');
    try {
      let chunk = '';
      for (const entry of entries) {
        chunk += encodeLine(entry);
        if (chunk.length > 1 << 20) {
          await tmp.write(chunk);
          chunk = '';
        }
      }
      if (chunk !== '') await tmp.write(chunk);
      await tmp.sync();
    } finally {
      await tmp.close();
    }
    await rename(tmpPath, snapshotPath);
    syncDirectory(this.dir);
    await this.handle.truncate(0);
    await this.handle.datasync();
    this.recordsSinceSnapshot = 0;
  }

  async logSize(): Promise<number> {
    return (await stat(join(this.dir, LOG))).size;
  }

  async close(): Promise<void> {
    await this.drain();
    await this.handle.close();
  }
}

/** fsync a directory so a rename in it is durable (no-op where the platform refuses). */
function syncDirectory(dir: string): void {
  try {
    const fd = openSync(dir, 'r');
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  } catch {
    // Some filesystems do not allow fsync on directories; the rename is still atomic.
  }
}
