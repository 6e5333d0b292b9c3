/**
 * The embedded store's chained appends (src/store/chainedAppend.ts), committed by the append writer
 * thread on the real SQLite file: durable settings, call order, the head precondition, a failure in
 * the middle of a pipeline, a crashed writer, closing, and main-thread writes alongside.
 * Failures are real SQLite failures: a trigger the test installs aborts inserts of marked events.
 */
import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { chainEvent, type AuditEventDocument, type AuditEventDraft } from '../../src/audit/auditEvent';
import { verifyAuditChain } from '../../src/audit/verifyChain';
import { ChainConflictError, chainedAppendsOf, type ChainLink } from '../../src/store/chainedAppend';
import { EmbeddedStore } from '../../src/store/embedded';
import { StoreError } from '../../src/store/port';
import { refuseAuditActor } from '../helpers/auditFailures';

function auditDraft(n: number, actor = `actor-${n}`): AuditEventDraft {
  return {
    kind: 'read', at: new Date(1_700_000_000_000 + n).toISOString(), actor, role: 'support', partnerId: null, purpose: 'SUPPORT',
    operation: 'Query.customer', subjectIds: [`cus_${n}`, `cus_${n + 1}`], fields: ['Customer.email'], decision: 'ALLOW', requestId: `req-${n}`, detail: {},
  };
}

/** `count` events linked onto `after` (null: the start of the chain). */
function linked(from: number, count: number, after: AuditEventDocument | null, actor?: string): AuditEventDocument[] {
  const events: AuditEventDocument[] = [];
  let previous = after;
  for (let i = 0; i < count; i += 1) {
    previous = chainEvent(auditDraft(from + i, actor), previous);
    events.push(previous);
  }
  return events;
}

const linkOf = (event: AuditEventDocument | null | undefined): ChainLink | null => (event ? { _id: event._id, hash: event.hash } : null);

describe('chained appends on the embedded store', () => {
  let dir: string;
  let store: EmbeddedStore;
  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'pg-append-writer-'));
    store = await EmbeddedStore.open({ dataDir: dir });
  });
  afterEach(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });
  const audit = () => store.collection<AuditEventDocument>('audit');
  const appends = () => chainedAppendsOf(audit())!;

  it('the writer thread commits with synchronous=FULL on the write-ahead log', async () => {
    expect(await store.appendWriterStatus()).toEqual({ synchronous: 2, journalMode: 'wal' });
  });

  it('appends sent back to back are committed in call order, each linked onto the one before', async () => {
    const batches: AuditEventDocument[][] = [];
    let previous: AuditEventDocument | null = null;
    for (let i = 0; i < 25; i += 1) {
      batches.push(linked(i * 4, 4, previous));
      previous = batches.at(-1)!.at(-1)!;
    }
    await Promise.all(batches.map((batch, i) => appends().insertChained(batch, linkOf(batches[i - 1]?.at(-1)))));
    const stored = await audit().find({}, { sort: { _id: 1 } });
    expect(stored.map((event) => event.requestId)).toEqual(batches.flat().map((event) => event.requestId));
    expect(await verifyAuditChain(audit())).toMatchObject({ ok: true, checked: 100 });
    // The per-subject index sees the events the writer stored.
    expect((await audit().find({ subjectIds: 'cus_50' })).map((event) => event.requestId)).toEqual(['req-49', 'req-50']);
  });

  it.each<[string, (head: AuditEventDocument) => ChainLink | null]>([
    ['onto an empty chain while it has events', () => null],
    ['onto an event that is not the last one', (head) => ({ _id: '000000000000', hash: head.hash })],
    ['onto the last event with another hash', (head) => ({ _id: head._id, hash: '1'.repeat(64) })],
  ])('refuses a batch linked %s, storing nothing of it', async (_name, after) => {
    const [head] = linked(0, 1, null);
    await appends().insertChained([head!], null);
    const batch = linked(1, 3, head!);
    await expect(appends().insertChained(batch, after(head!))).rejects.toBeInstanceOf(ChainConflictError);
    expect(await audit().countDocuments({})).toBe(1);
  });

  it('a batch linked onto a batch that failed is refused whole; the chain continues from what is stored', async () => {
    refuseAuditActor(store.databasePath, 'doomed');
    const [first] = linked(0, 1, null);
    await appends().insertChained([first!], null);
    const failing = linked(1, 2, first!, 'doomed');
    const behind = linked(3, 3, failing.at(-1)!);
    // Both are sent before either is committed: the second is linked onto events that never get stored.
    const results = await Promise.allSettled([appends().insertChained(failing, linkOf(first)), appends().insertChained(behind, linkOf(failing.at(-1)))]);
    expect(results[0]).toMatchObject({ status: 'rejected', reason: expect.any(StoreError) });
    expect((results[0] as PromiseRejectedResult).reason).not.toBeInstanceOf(ChainConflictError);
    expect(results[1]).toMatchObject({ status: 'rejected', reason: expect.any(ChainConflictError) });
    expect((await audit().find({})).map((event) => event._id)).toEqual([first!._id]);
    const relinked = linked(3, 3, first!);
    await appends().insertChained(relinked, linkOf(first));
    expect(await verifyAuditChain(audit())).toMatchObject({ ok: true, checked: 4, headSequence: 4 });
  });

  it('appends that queue up during a commit share the next one; a failing batch among them leaves no trace, the ones before it stay', async () => {
    refuseAuditActor(store.databasePath, 'doomed');
    // Another connection holds the write lock: the first append waits, the next three queue behind it.
    const blocker = new Database(store.databasePath);
    blocker.prepare('BEGIN IMMEDIATE').run();
    const x = linked(0, 1, null);
    const a = linked(1, 2, x[0]!);
    const b = linked(3, 2, a[1]!, 'doomed');
    const c = linked(5, 2, b[1]!);
    const sent = [[x, null], [a, x[0]], [b, a[1]], [c, b[1]]] as const;
    const results = Promise.allSettled(sent.map(([docs, after]) => appends().insertChained([...docs], linkOf(after))));
    await new Promise((resolve) => setTimeout(resolve, 50));
    blocker.prepare('COMMIT').run();
    blocker.close();
    const [rx, ra, rb, rc] = await results;
    expect([rx!.status, ra!.status]).toEqual(['fulfilled', 'fulfilled']);
    expect(rb).toMatchObject({ status: 'rejected', reason: expect.any(StoreError) });
    expect((rb as PromiseRejectedResult).reason).not.toBeInstanceOf(ChainConflictError);
    expect(rc).toMatchObject({ status: 'rejected', reason: expect.any(ChainConflictError) });
    expect((await audit().find({}, { sort: { _id: 1 } })).map((event) => event.requestId)).toEqual(['req-0', 'req-1', 'req-2']);
    expect(await verifyAuditChain(audit())).toMatchObject({ ok: true, checked: 3 });
  });

  it('a writer that dies fails what it had pending; the next append starts a new writer', async () => {
    const batch = linked(0, 2, null);
    const pending = appends().insertChained(batch, null).then(() => 'stored', (error: unknown) => error);
    await store.crashAppendWriter();
    const outcome = await pending;
    // Either it was committed before the thread died, or the caller is told the outcome is unknown.
    if (outcome !== 'stored') expect(outcome).toBeInstanceOf(StoreError);
    const head = await audit().findOne({}, { sort: { _id: -1 } });
    if (outcome === 'stored') expect(head?.seq).toBe(2);
    else expect([undefined, 2]).toContain(head?.seq);
    await appends().insertChained(linked(10, 1, head), linkOf(head));
    expect(await verifyAuditChain(audit())).toMatchObject({ ok: true, checked: (head?.seq ?? 0) + 1 });
  });

  it('closing the store commits the appends already sent', async () => {
    const batches = [linked(0, 2, null)];
    batches.push(linked(2, 2, batches[0]!.at(-1)!));
    const sent = batches.map((batch, i) => appends().insertChained(batch, linkOf(batches[i - 1]?.at(-1))));
    await store.close();
    await Promise.all(sent);
    store = await EmbeddedStore.open({ dataDir: dir });
    expect(await verifyAuditChain(audit())).toMatchObject({ ok: true, checked: 4 });
  });

  it('main-thread writes go through while appends stream in', async () => {
    let previous: AuditEventDocument | null = null;
    let stop = false;
    let appended = 0;
    const stream = (async () => {
      while (!stop) {
        const batch = linked(appended, 5, previous);
        await appends().insertChained(batch, linkOf(previous));
        previous = batch.at(-1)!;
        appended += 5;
      }
    })();
    for (let i = 0; i < 20; i += 1) {
      await store.collection('segments').updateOne({ _id: `seg-${i}` }, { $set: { name: `segment ${i}` } }, { upsert: true });
    }
    stop = true;
    await stream;
    expect(await store.collection('segments').countDocuments({})).toBe(20);
    expect(appended).toBeGreaterThan(0);
    expect(await verifyAuditChain(audit())).toMatchObject({ ok: true, checked: appended });
  });
});
