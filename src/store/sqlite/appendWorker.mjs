// The embedded store's append writer: a worker thread with its own better-sqlite3 connection on the
// gateway's database file (WAL lets it write while the main thread's connection reads). It commits
// chained appends (see src/store/chainedAppend.ts) one transaction at a time, in the order they
// arrive, each fsync'd (synchronous=FULL) before it answers. Started and spoken to by appendWriter.ts.
//
// Plain JavaScript on purpose: a worker thread does not inherit a TypeScript loader (tsx, vitest).
//
// Messages in:  { type: 'append', id, table, docs: [{ id, json }], after: { _id, hash } | null }
//               { type: 'status', id }            → { id, ok: true, status: { synchronous, journalMode } }
//               { type: 'close' }                 → closes the connection; the thread then ends
// Messages out: { id, ok: true } | { id, ok: false, code, name }  (never a document or a value)
import { parentPort, workerData } from 'node:worker_threads';
import Database from 'better-sqlite3';

const { path, pragmas, lock } = workerData;

// The write lock shared with the main thread (writeLock.ts): [0] held, [1] main-thread waiters.
const state = new Int32Array(lock);
const HELD = 0;
const WAITING = 1;
const WAIT_MS = 20;

function acquire() {
  for (;;) {
    // The main thread goes first: start no transaction while it waits for the lock.
    let waiting = Atomics.load(state, WAITING);
    while (waiting !== 0) {
      Atomics.wait(state, WAITING, waiting, WAIT_MS);
      waiting = Atomics.load(state, WAITING);
    }
    if (Atomics.compareExchange(state, HELD, 0, 1) === 0) return;
    Atomics.wait(state, HELD, 1, WAIT_MS);
  }
}

function release() {
  Atomics.store(state, HELD, 0);
  Atomics.notify(state, HELD);
}

const db = new Database(path, { fileMustExist: true });
for (const pragma of pragmas) db.pragma(pragma);

const statements = new Map();
function statementsFor(table) {
  let prepared = statements.get(table);
  if (prepared === undefined) {
    prepared = {
      last: db.prepare(`SELECT id, json_extract(doc, '$.hash') AS hash FROM ${table} ORDER BY id DESC LIMIT 1`),
      insert: db.prepare(`INSERT INTO ${table} (id, doc) VALUES (?, jsonb(?))`),
    };
    statements.set(table, prepared);
  }
  return prepared;
}

class ChainConflict extends Error {
  code = 'CHAIN_CONFLICT';
}

function append({ table, docs, after }) {
  const { last, insert } = statementsFor(table);
  const commit = db.transaction(() => {
    const head = last.get();
    const linked = after === null ? head === undefined : head !== undefined && head.id === after._id && head.hash === after.hash;
    if (!linked) throw new ChainConflict('the chain head is not the one this batch was linked onto');
    for (const doc of docs) insert.run(doc.id, doc.json);
  });
  acquire();
  try {
    commit.immediate();
  } finally {
    release();
  }
}

function failure(id, error) {
  const code = error !== null && typeof error === 'object' && typeof error.code === 'string' ? error.code : null;
  const name = error instanceof Error ? error.name : 'Error';
  return { id, ok: false, code, name };
}

parentPort.on('message', (message) => {
  if (message.type === 'close') {
    db.close();
    parentPort.close();
    return;
  }
  try {
    if (message.type === 'append') {
      append(message);
      parentPort.postMessage({ id: message.id, ok: true });
    } else if (message.type === 'status') {
      const synchronous = db.pragma('synchronous', { simple: true });
      const journalMode = db.pragma('journal_mode', { simple: true });
      parentPort.postMessage({ id: message.id, ok: true, status: { synchronous, journalMode } });
    } else {
      parentPort.postMessage(failure(message.id, new Error('unknown message')));
    }
  } catch (error) {
    parentPort.postMessage(failure(message.id, error));
  }
});
