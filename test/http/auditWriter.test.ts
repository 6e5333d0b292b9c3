/**
 * The audit trail on the embedded store is committed by a writer thread, off the event loop, through
 * the real server: every answered request's events are readable the moment it is answered (by event,
 * by subject, in the compliance summary), the chain stays linear under concurrent traffic, and a
 * write that SQLite refuses fails exactly the requests it carried — closed, with no data — while the
 * chain goes on from what was stored. The refusal is real: a trigger aborts inserts of one caller's
 * events (test/helpers/auditFailures.ts).
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DATABASE_FILE } from '../../src/store/sqlite/dataFiles';
import { allowAuditActor, refuseAuditActor } from '../helpers/auditFailures';
import { roleTokens, startTestGateway, type GqlResponse, type TestGateway } from '../helpers/gateway';

const EMBEDDED = process.env.MONGODB_URI === undefined || process.env.MONGODB_URI === '';
const CHAIN = '{ verifyAuditChain { ok checked firstBrokenAt { id sequence reason } headSequence } }';
const PAGE = '{ customers(first: 100) { edges { node { id email phone fullName birthDate } } } }';
const ONE = 'query($id: ID!) { customer(id: $id) { id email phone fullName } }';
const EVENTS = 'query($r: String, $s: ID) { auditEvents(filter: { requestId: $r, subjectId: $s }) { totalCount edges { node { requestId subjectIds decision } } } }';

describe.runIf(EMBEDDED)('audit appends committed off the event loop (embedded store)', () => {
  let gw: TestGateway;
  let tokens: Awaited<ReturnType<typeof roleTokens>>;
  let ids: string[];
  beforeAll(async () => {
    gw = await startTestGateway({ customers: 150 });
    tokens = await roleTokens(gw);
    const page = await gw.gql('{ customers(first: 100) { edges { node { id } } } }', { token: tokens.officer, purpose: 'LEGAL_COMPLIANCE' });
    ids = page.body.data!.customers.edges.map((edge: { node: { id: string } }) => edge.node.id);
  });
  afterAll(async () => gw?.close());

  const audited = (requestId: string, subjectId?: string) =>
    gw.gql(EVENTS, { token: tokens.officer, purpose: 'LEGAL_COMPLIANCE', variables: { r: requestId, s: subjectId } });
  const chain = async () => (await gw.gql(CHAIN, { token: tokens.officer, purpose: 'LEGAL_COMPLIANCE' })).body.data!.verifyAuditChain;

  it('every answered request has its events readable the moment it is answered; the chain stays linear', async () => {
    const checks: Promise<void>[] = [];
    const answered = await Promise.all(Array.from({ length: 48 }, async (_, i) => {
      const subject = ids[i % ids.length]!;
      const response: GqlResponse = i % 3 === 0
        ? await gw.gql(PAGE, { token: tokens.marketer, purpose: 'MARKETING' })
        : i % 3 === 1
          ? await gw.gql(ONE, { token: tokens.support, purpose: 'SUPPORT', variables: { id: subject } })
          : await gw.gql('{ customers(first: 1) { totalCount } }', { token: tokens.partner });
      if (i % 3 === 2) expect(response.body.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
      else expect(response.body.errors).toBeUndefined();
      const requestId = response.headers.get('x-request-id')!;
      // Read back at once, by request and by one of its subjects.
      checks.push(audited(requestId, i % 3 === 2 ? undefined : subject).then((found) => {
        expect(found.body.data!.auditEvents.totalCount, `request ${i}`).toBeGreaterThan(0);
        const event = found.body.data!.auditEvents.edges[0].node;
        expect(event.requestId).toBe(requestId);
        if (i % 3 === 0) expect(event.subjectIds).toHaveLength(100);
        if (i % 3 === 2) expect(event.decision).toBe('DENY');
      }));
      return requestId;
    }));
    await Promise.all(checks);
    expect(new Set(answered).size).toBe(48);
    const summary = await gw.gql('{ complianceSummary { auditEvents } }', { token: tokens.officer, purpose: 'LEGAL_COMPLIANCE' });
    const report = await chain();
    expect(report).toMatchObject({ ok: true, firstBrokenAt: null });
    expect(summary.body.data!.complianceSummary.auditEvents).toBeGreaterThanOrEqual(48);
    expect(report.checked).toBeGreaterThanOrEqual(summary.body.data!.complianceSummary.auditEvents);
  });

  it('a refused audit write fails its requests closed; the others are stored and the chain goes on from what was stored', async () => {
    const databasePath = join(gw.dataDir, DATABASE_FILE);
    const doomed = await gw.token({ role: 'support', purposes: ['SUPPORT'], sub: 'doomed' });
    const failuresBefore = await auditWriteFailures(gw);
    refuseAuditActor(databasePath, 'doomed');
    try {
      const responses = await Promise.all(Array.from({ length: 30 }, (_, i) => gw.gql(ONE, {
        token: i % 3 === 0 ? doomed : tokens.support, purpose: 'SUPPORT', variables: { id: ids[i]! },
      }).then((response) => ({ i, response }))));
      for (const { i, response } of responses) {
        if (i % 3 === 0 || response.status !== 200) {
          // Fails closed: no data, no extensions, the bare internal error.
          expect(response.status, `request ${i}`).toBe(500);
          expect(response.body).toEqual({ errors: [{ message: 'Internal server error', extensions: { code: 'INTERNAL_SERVER_ERROR' } }] });
        } else {
          expect(response.body.data!.customer.id).toBe(ids[i]);
          const found = await audited(response.headers.get('x-request-id')!, ids[i]!);
          expect(found.body.data!.auditEvents.totalCount, `request ${i}`).toBe(1);
        }
      }
      expect(await auditWriteFailures(gw)).toBeGreaterThan(failuresBefore);
      // Later batches link onto what is stored, never onto the refused events.
      const alone = await gw.gql(ONE, { token: tokens.support, purpose: 'SUPPORT', variables: { id: ids[99]! } });
      expect(alone.status).toBe(200);
      expect((await audited(alone.headers.get('x-request-id')!)).body.data!.auditEvents.totalCount).toBe(1);
      expect(await chain()).toMatchObject({ ok: true, firstBrokenAt: null });
    } finally {
      allowAuditActor(databasePath, 'doomed');
    }
    const recovered = await gw.gql(ONE, { token: doomed, purpose: 'SUPPORT', variables: { id: ids[0]! } });
    expect(recovered.status).toBe(200);
    expect(await chain()).toMatchObject({ ok: true, firstBrokenAt: null });
  });
});

async function auditWriteFailures(gw: TestGateway): Promise<number> {
  const text = await (await fetch(`${gw.url}/metrics`)).text();
  const line = text.split('\n').find((row) => row.startsWith('privacy_gateway_audit_write_failures_total'));
  return Number(line?.split(' ').at(-1) ?? 0);
}
