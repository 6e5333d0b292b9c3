/**
 * The audit chain writer on the real embedded store: appends from one writer and from two writers
 * racing over the same collection (as two gateway processes on one MongoDB would) always leave one
 * linear chain with every event stored exactly once.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'graphql';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { auditIdOf, chainEvent, hashAuditEvent, type AuditEventDocument, type AuditEventDraft } from '../../src/audit/auditEvent';
import { AuditLog, AuditLogWriteError } from '../../src/audit/auditLog';
import { rootCoordinates } from '../../src/audit/requestEvents';
import { verifyAuditChain } from '../../src/audit/verifyChain';
import { EmbeddedStore } from '../../src/store/embedded';
import type { ChainLink } from '../../src/store/chainedAppend';
import Database from 'better-sqlite3';
import { refuseAuditActor } from '../helpers/auditFailures';

function draft(n: number): AuditEventDraft {
  return {
    kind: 'read', at: new Date(1_700_000_000_000 + n).toISOString(), actor: `actor-${n}`, role: 'support', partnerId: null, purpose: 'SUPPORT',
    operation: 'Query.customer', subjectIds: [`cus_${n}`], fields: ['Customer.email'], decision: 'ALLOW', requestId: `req-${n}`, detail: { n },
  };
}

describe('AuditLog', () => {
  let dir: string;
  let store: EmbeddedStore;
  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'pg-audit-log-'));
    store = await EmbeddedStore.open({ dataDir: dir });
  });
  afterEach(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('concurrent appends from one writer form one chain, each batch contiguous and in its own order', async () => {
    const log = new AuditLog(store.collection<AuditEventDocument>('audit'));
    const batches = await Promise.all(Array.from({ length: 30 }, (_, i) => log.append([draft(i * 3), draft(i * 3 + 1), draft(i * 3 + 2)])));
    for (const [i, batch] of batches.entries()) {
      expect(batch.map((event) => event.requestId)).toEqual([`req-${i * 3}`, `req-${i * 3 + 1}`, `req-${i * 3 + 2}`]);
      expect(batch[1]!.seq).toBe(batch[0]!.seq + 1);
    }
    expect(await verifyAuditChain(store.collection<AuditEventDocument>('audit'))).toMatchObject({ ok: true, checked: 90, headSequence: 90 });
  });

  it('two writers on one collection never fork the chain: the loser re-links after the new head', async () => {
    const collection = store.collection<AuditEventDocument>('audit');
    const a = new AuditLog(collection);
    const b = new AuditLog(collection);
    await a.append([draft(0)]);
    await b.append([draft(1)]); // b learns the head, then both believe they know it
    const writes = Array.from({ length: 20 }, (_, i) => (i % 2 === 0 ? a : b).append([draft(100 + i)]));
    await Promise.all(writes);
    const stored = await collection.find({}, { sort: { _id: 1 } });
    expect(stored.map((event) => event.seq)).toEqual(Array.from({ length: 22 }, (_, i) => i + 1));
    expect(new Set(stored.map((event) => event.requestId)).size).toBe(22);
    expect(await verifyAuditChain(collection)).toMatchObject({ ok: true, checked: 22 });
  });

  it('without chained appends (the MongoDB path): a failed write rejects the batch and the next append continues the chain', async () => {
    const collection = store.collection<AuditEventDocument>('audit');
    let fail = true;
    const flaky = new Proxy(collection, {
      get: (target, key) => {
        if (key === 'insertChained') return undefined;
        return key === 'insertMany' && fail ? async () => { throw new Error('disk full'); } : Reflect.get(target, key, target);
      },
    });
    const log = new AuditLog(flaky);
    await expect(log.append([draft(1)])).rejects.toThrow(/audit write failed/);
    fail = false;
    await log.append([draft(2)]);
    expect(await verifyAuditChain(collection)).toMatchObject({ ok: true, checked: 1 });
  });
});

describe('AuditLog, pipelined on the embedded store', () => {
  let dir: string;
  let store: EmbeddedStore;
  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'pg-audit-pipeline-'));
    store = await EmbeddedStore.open({ dataDir: dir });
  });
  afterEach(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  /** The audit collection, recording the head each chained append was linked onto. */
  function recordingAudit() {
    const collection = store.collection<AuditEventDocument>('audit');
    const sentAfter: (ChainLink | null)[] = [];
    const recording = new Proxy(collection, {
      get(target, key) {
        const member = Reflect.get(target, key, target) as unknown;
        if (key !== 'insertChained' || typeof member !== 'function') return member;
        return (docs: AuditEventDocument[], after: ChainLink | null) => {
          sentAfter.push(after);
          return (member as (d: AuditEventDocument[], a: ChainLink | null) => Promise<void>)(docs, after);
        };
      },
    });
    return { collection, recording, sentAfter };
  }

  it('a batch sent behind a failing one is not stored linked onto it: it is re-linked onto the stored head', async () => {
    refuseAuditActor(store.databasePath, 'doomed');
    const { collection, recording, sentAfter } = recordingAudit();
    const log = new AuditLog(recording);
    const [first] = await log.append([draft(0)]);
    // Another connection holds SQLite's write lock, so both batches are sent before either commits.
    const blocker = new Database(store.databasePath);
    blocker.prepare('BEGIN IMMEDIATE').run();
    const failing = log.append([{ ...draft(1), actor: 'doomed' }]).then(() => 'stored', (error: unknown) => error);
    while (sentAfter.length < 2) await new Promise((resolve) => setImmediate(resolve));
    const behind = log.append([draft(2), draft(3)]);
    while (sentAfter.length < 3) await new Promise((resolve) => setImmediate(resolve));
    blocker.prepare('COMMIT').run();
    blocker.close();

    expect(await failing).toBeInstanceOf(AuditLogWriteError);
    const stored = await behind;
    expect(stored.map((event) => [event.seq, event.requestId])).toEqual([[2, 'req-2'], [3, 'req-3']]);
    // Sent once linked onto the failing batch (refused), then again onto the first event.
    expect(sentAfter.slice(2)).toEqual([expect.objectContaining({ _id: auditIdOf(2) }), { _id: first!._id, hash: first!.hash }]);
    expect(await verifyAuditChain(collection)).toMatchObject({ ok: true, checked: 3, headSequence: 3 });
  });

  it('a writer crash fails the requests in flight; later appends link onto what is stored', async () => {
    const { collection } = recordingAudit();
    const log = new AuditLog(collection);
    await log.append([draft(0)]);
    const outcomes = await Promise.all(Array.from({ length: 10 }, async (_, i) => {
      const pending = log.append([draft(10 + i)]).then((events) => events, () => null);
      if (i === 5) await store.crashAppendWriter();
      return pending;
    }));
    const after = await log.append([draft(99)]);
    const answered = outcomes.filter((events) => events !== null).flat();
    const stored = await collection.find({}, { sort: { _id: 1 } });
    for (const event of [...answered, ...after]) expect(stored.map((s) => s.hash)).toContain(event.hash);
    expect(await verifyAuditChain(collection)).toMatchObject({ ok: true, checked: stored.length });
  });
});

describe('hashing', () => {
  it('does not depend on key order, and covers every field', () => {
    const event = chainEvent(draft(1), null);
    const reordered = Object.fromEntries(Object.entries(event).reverse()) as AuditEventDocument;
    expect(hashAuditEvent(reordered)).toBe(event.hash);
    for (const key of Object.keys(event).filter((name) => name !== 'hash')) {
      expect(hashAuditEvent({ ...event, [key]: 'changed' } as never), key).not.toBe(event.hash);
    }
  });
});

describe('rootCoordinates', () => {
  it.each([
    ['{ customers { totalCount } }', ['Query.customers']],
    ['query { __typename a: customer(id: "x") { id } ...F } fragment F on Query { customers { totalCount } ... on Query { me { id } } }', ['Query.customer', 'Query.customers', 'Query.me']],
    ['mutation { setConsent(customerId: "x", purpose: MARKETING, status: GRANTED) { status } }', ['Mutation.setConsent']],
    ['{ __schema { types { name } } }', []],
  ])('%s → %j', (source, expected) => {
    const document = parse(source);
    const operation = document.definitions.find((definition) => definition.kind === 'OperationDefinition');
    expect(rootCoordinates(operation as never, document)).toEqual(expected);
  });
});
