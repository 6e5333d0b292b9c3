/**
 * The write lock the embedded store's two connections share within one process: the main thread's
 * connection and the append writer's (appendWorker.mjs). SQLite admits one writer at a time; left to
 * itself, a main-thread write that meets the writer thread's transaction sleeps in SQLite's busy
 * handler with growing back-off, and under a steady audit load it could keep missing the short gaps
 * between the writer's transactions. With this lock a main-thread write waits at most for the one
 * transaction the writer is running, and the writer starts no new one while the main thread waits.
 *
 * Layout (an Int32Array over a SharedArrayBuffer): [0] 0 free / 1 held, [1] main-thread waiters.
 * appendWorker.mjs implements the writer's side of the same protocol.
 */
const HELD = 0;
const WAITING = 1;
/** A bounded wait per round, so a lost wake-up can only delay, never hang. */
const WAIT_MS = 20;

export class WriteLock {
  readonly buffer = new SharedArrayBuffer(2 * Int32Array.BYTES_PER_ELEMENT);
  private readonly state = new Int32Array(this.buffer);
  private depth = 0;

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

  private acquire(): void {
    Atomics.add(this.state, WAITING, 1);
    try {
      while (Atomics.compareExchange(this.state, HELD, 0, 1) !== 0) Atomics.wait(this.state, HELD, 1, WAIT_MS);
    } finally {
      Atomics.sub(this.state, WAITING, 1);
      Atomics.notify(this.state, WAITING);
    }
  }

  private release(): void {
    Atomics.store(this.state, HELD, 0);
    Atomics.notify(this.state, HELD);
  }
}
