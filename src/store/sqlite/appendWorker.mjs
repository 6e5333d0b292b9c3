// The embedded store's append writer: a worker thread with its own better-sqlite3 connection on the
// gateway's database file (WAL lets it write while the main thread's connection reads). It commits
// chained appends (see src/store/chainedAppend.ts) in the order they arrive, fsync'd (synchronous=FULL)
// before it answers; appends that queued up during a commit share the next one. Started and spoken to
// by appendWriter.ts.
//
// Plain JavaScript on purpose: a worker thread does not inherit a TypeScript loader (tsx, vitest).
//
// Messages in:  { type: 'append', id, table, docs: [{ id, json }], after: { _id, hash } | null }
//               { type: 'status', id }            → { id, ok: true, status: { synchronous, journalMode } }
//               { type: 'close' }                 → closes the connection; the thread then ends
// Messages out: { id, ok: true } | { id, ok: false, code, name }  (never a document or a value)
import { parentPort, receiveMessageOnPort, workerData } from 'node:worker_threads';
import Database from 'better-sqlite3';

const { path, pragmas, lock } = workerData;

// The write lock shared with the main thread (writeLock.ts): [0] holder (0 nobody, 1 main, 2 this
// writer), [1] main-thread waiters.
const state = new Int32Array(lock);
const HOLDER = 0;
const WAITING = 1;
const WRITER = 2;
const WAIT_MS = 20;

function acquire() {
  for (;;) {
    // The main thread goes first: start no transaction while it waits for the lock.
    let waiting = Atomics.load(state, WAITING);
    while (waiting !== 0) {
      Atomics.wait(state, WAITING, waiting, WAIT_MS);
      waiting = Atomics.load(state, WAITING);
    }
    const holder = Atomics.compareExchange(state, HOLDER, 0, WRITER);
    if (holder === 0) return;
    Atomics.wait(state, HOLDER, holder, WAIT_MS);
  }
}

function release() {
  Atomics.store(state, HOLDER, 0);
  Atomics.notify(state, HOLDER);
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

const begin = db.prepare('BEGIN IMMEDIATE');
const commit = db.prepare('COMMIT');
const rollback = db.prepare('ROLLBACK');
const savepoint = db.prepare('SAVEPOINT batch');
const releaseSavepoint = db.prepare('RELEASE batch');
const rollbackToSavepoint = db.prepare('ROLLBACK TO batch');

function insertBatch({ table, docs, after }) {
  const { last, insert } = statementsFor(table);
  const head = last.get();
  const linked = after === null ? head === undefined : head !== undefined && head.id === after._id && head.hash === after.hash;
  if (!linked) throw new ChainConflict('the chain head is not the one this batch was linked onto');
  for (const doc of docs) insert.run(doc.id, doc.json);
}

function failure(id, error) {
  const code = error !== null && typeof error === 'object' && typeof error.code === 'string' ? error.code : null;
  const name = error instanceof Error ? error.name : 'Error';
  return { id, ok: false, code, name };
}

// Group commit: every append that arrived while the previous commit ran goes into one transaction,
// each batch in its own savepoint (a batch that fails, or is refused, leaves no trace and the
// batches after it are checked against what is really there), then one COMMIT: one fsync for all.
function commitGroup(group) {
  if (group.length === 0) return;
  let replies = [];
  acquire();
  try {
    begin.run();
    for (const message of group) {
      savepoint.run();
      try {
        insertBatch(message);
        releaseSavepoint.run();
        replies.push({ id: message.id, ok: true });
      } catch (error) {
        rollbackToSavepoint.run();
        releaseSavepoint.run();
        replies.push(failure(message.id, error));
      }
    }
    commit.run();
  } catch (error) {
    // BEGIN or COMMIT failed, or SQLite rolled the whole transaction back: nothing of the group is stored.
    if (db.inTransaction) rollback.run();
    replies = group.map((message) => failure(message.id, error));
  } finally {
    release();
  }
  for (const reply of replies) parentPort.postMessage(reply);
}

function handleOther(message) {
  if (message.type === 'status') {
    const synchronous = db.pragma('synchronous', { simple: true });
    const journalMode = db.pragma('journal_mode', { simple: true });
    parentPort.postMessage({ id: message.id, ok: true, status: { synchronous, journalMode } });
  } else if (message.type === 'close') {
    db.close();
    parentPort.close();
  } else {
    parentPort.postMessage(failure(message.id, new Error('unknown message')));
  }
}

parentPort.on('message', (first) => {
  // Everything already waiting joins this round; appends are committed together, in arrival order.
  const messages = [first];
  for (let next = receiveMessageOnPort(parentPort); next !== undefined; next = receiveMessageOnPort(parentPort)) messages.push(next.message);
  let group = [];
  for (const message of messages) {
    if (message.type === 'append') {
      group.push(message);
      continue;
    }
    commitGroup(group);
    group = [];
    handleOther(message);
  }
  commitGroup(group);
});
