/**
 * Failures are not refusals. A store that throws inside a gated resolver answers
 * INTERNAL_SERVER_ERROR ("Internal server error", nothing of the thrown message), is logged with the
 * request id (never the message), counted in the metrics and recorded in the request's audit as an
 * ERROR. Refusals stay FORBIDDEN even while the store is failing.
 */
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AuditEventDocument } from '../../src/audit/auditEvent';
import type { Collection, Document, Store } from '../../src/store/port';
import { startTestGateway, type GqlResponse, type TestGateway } from '../helpers/gateway';

/** A message a careless driver might produce: it quotes personal data. */
const SECRET_MESSAGE = 'connection lost while reading jane.leak@example.com +49 151 999 0000';

const failing = { customers: false, segments: false };

class BrokenStoreError extends Error {
  override name = 'BrokenStoreError';
}

function failingCollection<T extends Document>(collection: Collection<T>, broken: () => boolean): Collection<T> {
  const fail = () => { throw new BrokenStoreError(SECRET_MESSAGE); };
  return {
    ...collection,
    find: (...args) => (broken() ? Promise.reject(new BrokenStoreError(SECRET_MESSAGE)) : collection.find(...args)),
    findOne: (...args) => (broken() ? Promise.reject(new BrokenStoreError(SECRET_MESSAGE)) : collection.findOne(...args)),
    countDocuments: (...args) => (broken() ? Promise.reject(new BrokenStoreError(SECRET_MESSAGE)) : collection.countDocuments(...args)),
    aggregate: (pipeline) => (broken() ? fail() : collection.aggregate(pipeline)),
    insertOne: (doc) => collection.insertOne(doc),
    insertMany: (docs) => collection.insertMany(docs),
    updateOne: (...args) => collection.updateOne(...args),
    updateMany: (...args) => collection.updateMany(...args),
    replaceOne: (...args) => collection.replaceOne(...args),
    deleteOne: (filter) => collection.deleteOne(filter),
    deleteMany: (filter) => collection.deleteMany(filter),
  };
}

function wrapStore(store: Store): Store {
  return {
    kind: store.kind,
    ping: () => store.ping(),
    close: () => store.close(),
    purgeDeleted: () => store.purgeDeleted(),
    atRest: store.atRest,
    collection: <T extends Document>(name: Parameters<Store['collection']>[0]) => {
      const inner = store.collection<T>(name);
      if (name === 'customers') return failingCollection(inner, () => failing.customers);
      if (name === 'segments') return failingCollection(inner, () => failing.segments);
      return inner;
    },
  };
}

let gw: TestGateway;
const lines: Record<string, unknown>[] = [];
const tokens: Record<string, string> = {};

beforeAll(async () => {
  const capture = new Writable({ write(chunk, _encoding, done) { for (const line of String(chunk).split('\n').filter(Boolean)) lines.push(JSON.parse(line)); done(); } });
  gw = await startTestGateway({ customers: 30, wrapStore, logStream: capture, env: { LOG_LEVEL: 'error' } });
  tokens.support = await gw.token({ role: 'support', purposes: ['SUPPORT'], sub: 'sp-1' });
  tokens.marketer = await gw.token({ role: 'marketer', purposes: ['MARKETING', 'ANALYTICS'], sub: 'mk-1' });
  tokens.partner = await gw.token({ role: 'partner', purposes: ['ANALYTICS'], sub: 'demo-partner', scope: 'segments:read', partnerId: 'demo-partner' });
  tokens.officer = await gw.token({ role: 'privacy_officer', purposes: ['LEGAL_COMPLIANCE'], sub: 'po-1' });
  await gw.store.collection('segments').insertOne({ _id: 'seg_f_all', name: 'all', purpose: 'ANALYTICS', definition: {}, createdAt: '2026-01-01T00:00:00.000Z', createdBy: 'test' });
});
afterAll(async () => gw?.close());

async function internalErrors(): Promise<number> {
  const text = await (await fetch(`${gw.url}/metrics`)).text();
  const match = /^privacy_gateway_graphql_errors_total\{code="INTERNAL_SERVER_ERROR"\} (\d+)/m.exec(text);
  return match ? Number(match[1]) : 0;
}

async function auditOf(response: GqlResponse): Promise<AuditEventDocument[]> {
  return gw.store.collection<AuditEventDocument>('audit').find({ requestId: response.headers.get('x-request-id')! });
}

type Row = [name: string, token: string, purpose: string, query: string, broken: keyof typeof failing, operation: string];

const ROWS: Row[] = [
  ['support reads a customer by id', 'support', 'SUPPORT', '{ customer(id: "cus_000001") { id email } }', 'customers', 'Query.customer'],
  ['support looks a customer up by email', 'support', 'SUPPORT', '{ customer(email: "someone@example.com") { id } }', 'customers', 'Query.customer'],
  ['a marketer lists customers', 'marketer', 'MARKETING', '{ customers(first: 5) { totalCount edges { node { id } } } }', 'customers', 'Query.customers'],
  ['a marketer lists customers under an alias, inside a fragment', 'marketer', 'MARKETING', '{ ...F } fragment F on Query { list: customers(first: 5) { totalCount } }', 'customers', 'Query.customers'],
  ['a partner asks for a report', 'partner', 'ANALYTICS', '{ segmentReport(segmentId: "seg_f_all", groupBy: [COUNTRY]) { total } }', 'customers', 'Query.segmentReport'],
  ['a partner lists segments', 'partner', 'ANALYTICS', '{ segments { id } }', 'segments', 'Query.segments'],
];

describe('an unexpected error inside a gated resolver', () => {
  it.each(ROWS)('%s while the store fails → INTERNAL_SERVER_ERROR, logged, counted, audited', async (_name, role, purpose, query, broken, operation) => {
    const before = await internalErrors();
    const logged = lines.length;
    failing[broken] = true;
    let response: GqlResponse;
    try {
      response = await gw.gql(query, { token: tokens[role], purpose });
    } finally {
      failing[broken] = false;
    }
    expect(response.body.errors).toEqual([expect.objectContaining({ message: 'Internal server error', extensions: { code: 'INTERNAL_SERVER_ERROR' } })]);
    expect(JSON.stringify(response.body)).not.toMatch(/leak|151 999|BrokenStore|stack/);

    const requestId = response.headers.get('x-request-id');
    const errorLines = lines.slice(logged).filter((line) => line.requestId === requestId);
    expect(errorLines.length).toBeGreaterThanOrEqual(1);
    expect(errorLines[0]).toMatchObject({ level: 50, err: { name: 'BrokenStoreError' } });
    expect(JSON.stringify(lines)).not.toMatch(/leak@|151 999/);

    expect(await internalErrors()).toBe(before + 1);
    const events = await auditOf(response);
    expect(events).toContainEqual(expect.objectContaining({ kind: 'operation', operation, decision: 'ERROR', requestId }));
  });

  it('a refusal stays FORBIDDEN while the store is failing, and is no error in the metrics', async () => {
    const before = await internalErrors();
    failing.customers = true;
    let response: GqlResponse;
    try {
      response = await gw.gql('{ customers(first: 5) { totalCount } }', { token: tokens.partner, purpose: 'ANALYTICS' });
    } finally {
      failing.customers = false;
    }
    expect(response.body.errors?.map((error) => error.extensions?.code)).toEqual(['FORBIDDEN']);
    expect(await internalErrors()).toBe(before);
    expect((await auditOf(response)).map((event) => event.decision)).toEqual(['DENY']);
  });
});
