/**
 * The main thread's side of the embedded store's append writer (appendWorker.mjs): a worker thread
 * with its own connection on the same database file that commits chained appends, so the commit and
 * its fsync never block the event loop. Started on the first append (tools that never append never
 * start it); a writer that dies fails its pending appends and is started afresh by the next one.
 *
 * The thread keeps the process alive only while appends are pending: an idle writer never holds up
 * an exit, and a pending append is never dropped by one.
 */
import { Worker } from 'node:worker_threads';
import { ChainConflictError, type ChainLink } from '../chainedAppend';
import { StoreError } from '../port';
import { storeFailure } from './sqliteCollection';
import type { WriteLock } from './writeLock';

export interface SerializedDocument {
  id: string;
  /** The document as JSON text, checked as every embedded-store write checks it. */
  json: string;
}

export interface WriterStatus {
  synchronous: number;
  journalMode: string;
}

interface Reply {
  id: number;
  ok: boolean;
  code?: string | null;
  name?: string;
  status?: WriterStatus;
}

interface Waiting {
  collection: string;
  resolve: (reply: Reply) => void;
  reject: (error: Error) => void;
}

export interface AppendWriterOptions {
  databasePath: string;
  /** The connection settings of the main connection (WAL, synchronous=FULL, …): the writer uses the same. */
  pragmas: readonly string[];
  /** Shared with the main connection's writes (writeLock.ts). */
  lock: WriteLock;
}

const WORKER_URL = new URL('./appendWorker.mjs', import.meta.url);

export class AppendWriter {
  private worker: Worker | null = null;
  private exited: Promise<void> = Promise.resolve();
  private readonly waiting = new Map<number, Waiting>();
  private nextId = 1;
  private closed = false;

  constructor(private readonly options: AppendWriterOptions) {}

  /** Commits `docs` into `table` after `after` (see chainedAppend.ts); resolves once fsync'd. */
  async append(collection: string, table: string, docs: SerializedDocument[], after: ChainLink | null): Promise<void> {
    const reply = await this.request(collection, { type: 'append', table, docs, after });
    if (reply.ok) return;
    if (reply.code === 'CHAIN_CONFLICT') throw new ChainConflictError(`${collection}: the chain head moved; nothing was written`);
    throw storeFailure(collection, 'insertChained', { code: reply.code ?? undefined, name: reply.name });
  }

  /** The writer connection's durability settings (for tests and diagnostics). */
  async status(): Promise<WriterStatus> {
    const reply = await this.request('embedded store', { type: 'status' });
    if (!reply.ok || reply.status === undefined) throw new StoreError('embedded store: the append writer did not answer');
    return reply.status;
  }

  private request(collection: string, message: Record<string, unknown>): Promise<Reply> {
    if (this.closed) return Promise.reject(new StoreError('the embedded store is closed'));
    const worker = this.worker ?? this.start();
    const id = this.nextId++;
    return new Promise<Reply>((resolve, reject) => {
      this.waiting.set(id, { collection, resolve, reject });
      if (this.waiting.size === 1) worker.ref();
      worker.postMessage({ ...message, id });
    });
  }

  private start(): Worker {
    const worker = new Worker(WORKER_URL, {
      workerData: { path: this.options.databasePath, pragmas: this.options.pragmas, lock: this.options.lock.buffer },
      execArgv: [],
      stdout: false,
      stderr: false,
    });
    this.worker = worker;
    worker.unref();
    worker.on('message', (reply: Reply) => this.settle(reply));
    // An uncaught error ends the thread; 'exit' follows and fails whatever was pending.
    worker.on('error', () => undefined);
    this.exited = new Promise((resolve) => {
      worker.once('exit', () => {
        if (this.worker === worker) this.worker = null;
        this.options.lock.releaseAbandoned();
        this.failPending();
        resolve();
      });
    });
    return worker;
  }

  private settle(reply: Reply): void {
    const waiting = this.waiting.get(reply.id);
    if (waiting === undefined) return;
    this.waiting.delete(reply.id);
    if (this.waiting.size === 0) this.worker?.unref();
    waiting.resolve(reply);
  }

  private failPending(): void {
    const pending = [...this.waiting.values()];
    this.waiting.clear();
    // Outcome unknown (the commit may or may not have happened): the caller fails closed and re-reads.
    for (const waiting of pending) waiting.reject(new StoreError(`${waiting.collection}: the append writer stopped; the write's outcome is unknown`));
  }

  /** Lets every append already sent finish, then ends the thread. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const worker = this.worker;
    if (worker === null) return;
    worker.ref();
    worker.postMessage({ type: 'close' });
    await this.exited;
  }

  /** Ends the thread at once, as a crash would (tests of the failure path). */
  async terminate(): Promise<void> {
    const worker = this.worker;
    if (worker === null) return;
    await worker.terminate();
    await this.exited;
  }
}
