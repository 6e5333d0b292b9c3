/**
 * REPORT_EPSILON through HTTP: noise is off by default (the exact figures are asserted in
 * segmentReport.test.ts) and on when set: figures move, suppression does not, and asking again
 * returns the same noisy figures (keyed noise cannot be averaged away by repetition).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestGateway, type TestGateway } from '../helpers/gateway';
import { craftCustomers } from './segmentReportFixtures';

const REPORT = `query($groupBy: [ReportDimension!]!) { segmentReport(segmentId: "seg_n_all", groupBy: $groupBy) { k total groups { keys count avgLifetimeValue suppressed } } }`;
const YEAR = new Date().getUTCFullYear();

let gw: TestGateway;
let partner: string;

beforeAll(async () => {
  gw = await startTestGateway({ customers: 0, env: { REPORT_EPSILON: '0.5' } });
  partner = await gw.token({ role: 'partner', purposes: ['ANALYTICS'], sub: 'demo-partner', scope: 'segments:read', partnerId: 'demo-partner' });
  await gw.store.collection('customers').insertMany(craftCustomers([
    { n: 40, country: 'DE', ltv: 100, birthYear: YEAR - 30, postalPrefix: '101', interests: ['books'] },
    { n: 25, country: 'FR', ltv: 200, birthYear: YEAR - 30, postalPrefix: '750', interests: ['books'] },
    { n: 20, country: 'US', ltv: 300, birthYear: YEAR - 30, postalPrefix: '100', interests: ['books'] },
    { n: 4, country: 'SE', ltv: 50, birthYear: YEAR - 30, postalPrefix: '111', interests: ['books'] },
  ]));
  await gw.store.collection('segments').insertOne({ _id: 'seg_n_all', name: 'all', purpose: 'ANALYTICS', definition: {}, createdAt: '2026-01-01T00:00:00.000Z', createdBy: 'test' });
});
afterAll(async () => { await gw?.close(); });

describe('segmentReport with REPORT_EPSILON', () => {
  it('adds noise to the published figures but suppresses on the true counts', async () => {
    const response = await gw.gql(REPORT, { token: partner, variables: { groupBy: ['COUNTRY'] } });
    expect(response.body.errors).toBeUndefined();
    const report = response.body.data!.segmentReport;
    expect(gw.config.reportEpsilon).toBe(0.5);
    // True: DE 40, FR 25, SE 4, US 20 → SE suppressed and, by the guard, US (the smallest visible) too.
    expect(report.groups.map((group: { keys: string[]; suppressed: boolean }) => [group.keys[0], group.suppressed]))
      .toEqual([['DE', false], ['FR', false], ['SE', true], ['US', true]]);
    const exact = { DE: [40, 100], FR: [25, 200] } as Record<string, [number, number]>;
    let moved = 0;
    for (const group of report.groups.filter((g: { suppressed: boolean }) => !g.suppressed)) {
      expect(Number.isInteger(group.count) && group.count >= 0).toBe(true);
      const [count, avg] = exact[group.keys[0]]!;
      if (group.count !== count) moved += 1;
      if (group.avgLifetimeValue !== avg) moved += 1;
    }
    // Averages get noise of scale 10000 / (count × ε) ≥ 500: they move with overwhelming probability.
    expect(moved).toBeGreaterThanOrEqual(2);
    expect(report.groups.filter((g: { suppressed: boolean; count: number | null }) => g.suppressed).every((g: { count: number | null }) => g.count === null)).toBe(true);
  });

  it('returns the same noisy figures when the same report is asked again', async () => {
    const first = await gw.gql(REPORT, { token: partner, variables: { groupBy: ['COUNTRY'] } });
    const second = await gw.gql(REPORT, { token: partner, variables: { groupBy: ['COUNTRY'] } });
    expect(second.body.data).toEqual(first.body.data);
  });
});
