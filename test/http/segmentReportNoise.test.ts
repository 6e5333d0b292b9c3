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

/**
 * The same cells get the same noise however the request is written: noise is keyed on the canonical
 * identity of a cell (each dimension with its value, in a fixed order), not on the request's order,
 * so asking every ordering of the same dimensions and averaging gains nothing.
 */
describe('segmentReport noise does not depend on how groupBy is written', () => {
  let local: TestGateway;
  let token: string;
  const DIMENSIONS = ['COUNTRY', 'LOYALTY_TIER', 'AGE_BAND'] as const;
  const permutations = <T,>(items: readonly T[]): T[][] => items.length <= 1
    ? [[...items]]
    : items.flatMap((item, i) => permutations([...items.slice(0, i), ...items.slice(i + 1)]).map((rest) => [item, ...rest]));

  beforeAll(async () => {
    local = await startTestGateway({ customers: 0, env: { REPORT_EPSILON: '0.5' } });
    token = await local.token({ role: 'partner', purposes: ['ANALYTICS'], sub: 'demo-partner', scope: 'segments:read', partnerId: 'demo-partner' });
    await local.store.collection('customers').insertMany(craftCustomers([
      { n: 30, country: 'NL', tier: 'BRONZE', ltv: 100, birthYear: YEAR - 30, postalPrefix: '101', interests: ['books'] },
      { n: 15, country: 'NL', tier: 'GOLD', ltv: 900, birthYear: YEAR - 30, postalPrefix: '102', interests: ['books'] },
      { n: 22, country: 'BE', tier: 'BRONZE', ltv: 150, birthYear: YEAR - 30, postalPrefix: '103', interests: ['books'] },
      { n: 12, country: 'BE', tier: 'GOLD', ltv: 700, birthYear: YEAR - 30, postalPrefix: '104', interests: ['books'] },
    ]));
    await local.store.collection('segments').insertOne({ _id: 'seg_n_all', name: 'all', purpose: 'ANALYTICS', definition: {}, createdAt: '2026-01-01T00:00:00.000Z', createdBy: 'test' });
  });
  afterAll(async () => { await local?.close(); });

  async function cells(groupBy: readonly string[]) {
    const response = await local.gql(REPORT, { token, variables: { groupBy } });
    expect(response.body.errors).toBeUndefined();
    const report = response.body.data!.segmentReport as { total: number | null; groups: { keys: string[]; count: number | null; avgLifetimeValue: number | null }[] };
    // Each cell by its canonical identity: dimension=value pairs sorted by dimension.
    const byCell = Object.fromEntries(report.groups.map((group) => [
      groupBy.map((dimension, i) => `${dimension}=${group.keys[i]}`).sort().join('|'),
      [group.count, group.avgLifetimeValue],
    ]));
    return { total: report.total, byCell };
  }

  it('every ordering of three dimensions gives identical noisy figures, cell by cell', async () => {
    const orderings = permutations(DIMENSIONS);
    expect(orderings).toHaveLength(6);
    const results = [];
    for (const ordering of orderings) results.push(await cells(ordering));
    for (const result of results.slice(1)) expect(result).toEqual(results[0]);
    // Noise is on: the NL×BRONZE cell's true average is 100.
    expect(Object.values(results[0]!.byCell).some(([, avg]) => avg !== 100 && avg !== 900 && avg !== 150 && avg !== 700)).toBe(true);
  });

  it('the same audience\'s total gets the same noise whatever it is grouped by', async () => {
    const totals = [];
    for (const groupBy of [['COUNTRY'], ['LOYALTY_TIER'], ['AGE_BAND'], ['COUNTRY', 'LOYALTY_TIER'], ['LOYALTY_TIER', 'COUNTRY']]) {
      totals.push((await cells(groupBy)).total);
    }
    expect(new Set(totals).size).toBe(1);
    expect(totals[0]).not.toBeNull();
  });
});
