/**
 * The write lock the embedded store's two connections share within one process: the main thread's
 * connection and the append writer's (appendWorker.mjs). SQLite admits one writer at a time; left to
 * itself, a main-thread write that meets the writer thread's transaction sleeps in SQLite's busy
 * handler with growing back-off, and under a steady audit load it could keep missing the short gaps
 * between the writer's transactions. With this lock a main-thread write waits at most for the one
 * transaction the writer is running, and the writer starts no new one while the main thread waits.
 *
 * Layout (an Int32Array over a SharedArrayBuffer): [0] who holds it (0 nobody, 1 the main thread,
 * 2 the writer), [1] main-thread waiters. appendWorker.mjs implements the writer's side.
 * A writer thread that dies holding the lock has it released by its owner (releaseAbandoned); and a
 * main-thread write never waits longer than SQLite's own busy timeout: it fails instead.
 */
import { StoreError } from '../port';

const HOLDER = 0;
const WAITING = 1;
const MAIN = 1;
const WRITER = 2;
/** A bounded wait per round, so a lost wake-up can only delay, never hang. */
const WAIT_MS = 20;

export class WriteLock {
  readonly buffer = new SharedArrayBuffer(2 * Int32Array.BYTES_PER_ELEMENT);
  private readonly state = new Int32Array(this.buffer);
  private depth = 0;

  /** `timeoutMs`: the longest a main-thread write waits (the connections' busy_timeout). */
  constructor(private readonly timeoutMs: number) {}

  /** Runs `body` holding the lock (re-entrant on the main thread); blocks while the writer commits. */
  exclusive<R>(body: () => R): R {
    if (this.depth === 0) this.acquire();
    this.depth += 1;
    try {
      return body();
    } finally {
      this.depth -= 1;
      if (this.depth === 0) this.release();
    }
  }

  /** Called once the writer thread has ended: a lock it still held is free again. */
  releaseAbandoned(): void {
    if (Atomics.compareExchange(this.state, HOLDER, WRITER, 0) === WRITER) Atomics.notify(this.state, HOLDER);
  }

  private acquire(): void {
    const deadline = Date.now() + this.timeoutMs;
    Atomics.add(this.state, WAITING, 1);
    try {
      for (;;) {
        const holder = Atomics.compareExchange(this.state, HOLDER, 0, MAIN);
        if (holder === 0) return;
        if (Date.now() >= deadline) throw new StoreError('embedded store: busy (the append writer held the write lock too long); nothing was written');
        Atomics.wait(this.state, HOLDER, holder, WAIT_MS);
      }
    } finally {
      Atomics.sub(this.state, WAITING, 1);
      Atomics.notify(this.state, WAITING);
    }
  }

  private release(): void {
    Atomics.store(this.state, HOLDER, 0);
    Atomics.notify(this.state, HOLDER);
  }
}
