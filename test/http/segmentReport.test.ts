/**
 * segmentReport through HTTP over crafted data: k-anonymity (k = 10 by default), the differencing
 * guard, consent per request purpose, overlapping INTEREST groups, purpose limitation of dimensions,
 * exact figures without REPORT_EPSILON, the audit event.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { roleTokens, startTestGateway, type TestGateway } from '../helpers/gateway';
import { craftCustomers, type Craft } from './segmentReportFixtures';

const REPORT = `query($id: ID!, $groupBy: [ReportDimension!]!) { segmentReport(segmentId: $id, groupBy: $groupBy) { segmentId k total groups { keys count avgLifetimeValue suppressed } } }`;
const YEAR = new Date().getUTCFullYear();

/**
 * The crafted population (ANALYTICS counted unless DENIED/WITHDRAWN):
 * DE 30 (ltv 100, age 30, prefix 101, outdoor+books, 11 of them MARKETING GRANTED), FR 12 (ltv 200, outdoor),
 * US 15 (ltv 300, travel), SE 3 (pets), NL 2 (pets), PL 3 (cooking); plus DE subjects that must never count:
 * 5 ANALYTICS DENIED, 2 WITHDRAWN, 1 erased.
 */
const POPULATION: Craft[] = [
  { n: 11, country: 'DE', ltv: 100, birthYear: YEAR - 30, postalPrefix: '101', interests: ['books', 'outdoor'], consents: { MARKETING: 'GRANTED' } },
  { n: 19, country: 'DE', ltv: 100, birthYear: YEAR - 30, postalPrefix: '101', interests: ['books', 'outdoor'], consents: { ANALYTICS: 'GRANTED', MARKETING: 'DENIED' } },
  { n: 12, country: 'FR', ltv: 200, birthYear: YEAR - 50, postalPrefix: '750', interests: ['outdoor'] },
  { n: 15, country: 'US', ltv: 300, birthYear: YEAR - 70, postalPrefix: '100', interests: ['travel'] },
  { n: 3, country: 'SE', ltv: 50, birthYear: YEAR - 20, postalPrefix: '111', interests: ['pets'] },
  { n: 2, country: 'NL', ltv: 50, birthYear: YEAR - 40, postalPrefix: '101', interests: ['pets'] },
  { n: 3, country: 'PL', ltv: 50, birthYear: YEAR - 40, postalPrefix: '001', interests: ['cooking'] },
  { n: 5, country: 'DE', ltv: 9999, birthYear: YEAR - 30, postalPrefix: '101', interests: ['books'], consents: { ANALYTICS: 'DENIED', MARKETING: 'GRANTED' } },
  { n: 2, country: 'DE', ltv: 9999, birthYear: YEAR - 30, postalPrefix: '101', interests: ['books'], consents: { ANALYTICS: 'WITHDRAWN' } },
  { n: 1, country: 'DE', ltv: 9999, birthYear: YEAR - 30, postalPrefix: '101', interests: ['books'], erased: true, consents: { MARKETING: 'GRANTED' } },
];

const SEGMENTS = [
  { _id: 'seg_t_all', name: 'all', purpose: 'ANALYTICS', definition: {}, createdAt: '2026-01-01T00:00:00.000Z', createdBy: 'test' },
  { _id: 'seg_t_se', name: 'se', purpose: 'ANALYTICS', definition: { countries: ['SE'] }, createdAt: '2026-01-01T00:00:00.000Z', createdBy: 'test' },
  { _id: 'seg_t_four', name: 'four', purpose: 'ANALYTICS', definition: { countries: ['DE', 'FR', 'NL', 'PL'] }, createdAt: '2026-01-01T00:00:00.000Z', createdBy: 'test' },
  { _id: 'seg_t_age', name: 'age', purpose: 'PERSONALIZATION', definition: { ageBands: ['25-34'] }, createdAt: '2026-01-01T00:00:00.000Z', createdBy: 'test' },
];

let gw: TestGateway;
let tokens: Awaited<ReturnType<typeof roleTokens>>;

beforeAll(async () => {
  gw = await startTestGateway({ customers: 0 });
  tokens = await roleTokens(gw);
  await gw.store.collection('customers').insertMany(craftCustomers(POPULATION));
  await gw.store.collection('segments').insertMany(SEGMENTS);
});
afterAll(async () => { await gw?.close(); });

interface Group { keys: (string | null)[]; count: number | null; avgLifetimeValue: number | null; suppressed: boolean }
interface Report { segmentId: string; k: number; total: number | null; groups: Group[] }

async function report(id: string, groupBy: string[], token = tokens.partner, purpose = 'ANALYTICS'): Promise<Report> {
  const response = await gw.gql<{ segmentReport: Report }>(REPORT, { token, purpose, variables: { id, groupBy } });
  expect(response.body.errors).toBeUndefined();
  return response.body.data!.segmentReport;
}

const visible = (keys: string[], count: number, avg: number): Group => ({ keys, count, avgLifetimeValue: avg, suppressed: false });
const hidden = (keys: (string | null)[]): Group => ({ keys, count: null, avgLifetimeValue: null, suppressed: true });

/** What the README promises for a report whose groups partition the audience. */
function expectNoDifferencing(result: Report): void {
  const suppressed = result.groups.filter((group) => group.suppressed);
  for (const group of result.groups) if (!group.suppressed) expect(group.count).toBeGreaterThanOrEqual(result.k);
  if (suppressed.length > 0) expect(suppressed.length).toBeGreaterThanOrEqual(2);
  if (result.total !== null) {
    const remainder = result.total - result.groups.reduce((sum, group) => sum + (group.count ?? 0), 0);
    expect(remainder === 0 || remainder >= result.k).toBe(true);
  }
}

describe('segmentReport: k-anonymity and the differencing guard', () => {
  it('suppresses the one small group, then the next smallest, and reports the total (remainder 15 >= k)', async () => {
    const result = await report('seg_t_all', ['COUNTRY']);
    expect(result).toEqual({
      segmentId: 'seg_t_all', k: 10, total: 65,
      groups: [visible(['DE'], 30, 100), hidden(['FR']), hidden(['NL']), hidden(['PL']), hidden(['SE']), visible(['US'], 15, 300)],
    });
    expectNoDifferencing(result);
  });

  it('with exactly one small group among large ones, suppresses the smallest large one too', async () => {
    const result = await report('seg_t_four', ['COUNTRY']);
    // NL 2 + PL 3 = 5 < k, so FR (12) joins them: remainder 17; DE stays visible.
    expect(result).toEqual({
      segmentId: 'seg_t_four', k: 10, total: 47,
      groups: [visible(['DE'], 30, 100), hidden(['FR']), hidden(['NL']), hidden(['PL'])],
    });
    expectNoDifferencing(result);
  });

  it('reports no total when the whole audience is under k', async () => {
    const result = await report('seg_t_se', ['COUNTRY']);
    expect(result).toEqual({ segmentId: 'seg_t_se', k: 10, total: null, groups: [hidden(['SE'])] });
  });

  it('groups by several dimensions, keys in the requested order (AGE_BAND from birth year, POSTAL_PREFIX)', async () => {
    const result = await report('seg_t_all', ['AGE_BAND', 'POSTAL_PREFIX']);
    expect(result.groups).toEqual([
      hidden(['18-24', '111']), visible(['25-34', '101'], 30, 100), hidden(['35-44', '001']), hidden(['35-44', '101']),
      hidden(['45-54', '750']), visible(['65+', '100'], 15, 300),
    ]);
    expect(result.total).toBe(65);
    expectNoDifferencing(result);
  });

  it('counts a subject in each of its INTEREST groups; the total stays distinct subjects', async () => {
    const result = await report('seg_t_all', ['INTEREST']);
    expect(result.total).toBe(65);
    // cooking 3 + pets 5 < k, so the smallest visible group (travel, 15) is suppressed with them.
    expect(result.groups).toEqual([
      visible(['books'], 30, 100), hidden(['cooking']), visible(['outdoor'], 42, 128.57), hidden(['pets']), hidden(['travel']),
    ]);
  });

  it('allows an empty groupBy: one group, the audience', async () => {
    expect(await report('seg_t_all', [])).toEqual({ segmentId: 'seg_t_all', k: 10, total: 65, groups: [visible([], 65, 158.46)] });
  });
});

describe('segmentReport: consent follows the request purpose', () => {
  it('for MARKETING (opt-in) counts only GRANTED subjects', async () => {
    // 11 DE granted (ltv 100) + 5 DE granted but ANALYTICS-denied (ltv 9999) = 16; the erased one never counts.
    const result = await report('seg_t_all', ['COUNTRY'], tokens.marketer, 'MARKETING');
    // Average (11 × 100 + 5 × 9999) / 16 = 3193.4375, published to the cent.
    expect(result).toEqual({ segmentId: 'seg_t_all', k: 10, total: 16, groups: [visible(['DE'], 16, 3193.44)] });
  });

  it('for ANALYTICS (opt-out) excludes DENIED and WITHDRAWN, and erased subjects', async () => {
    const result = await report('seg_t_all', ['COUNTRY'], tokens.analyst, 'ANALYTICS');
    expect(result.groups.find((group) => group.keys[0] === 'DE')).toEqual(visible(['DE'], 30, 100));
  });
});

describe('segmentReport: refusals', () => {
  it.each([
    ['a dimension twice', ['COUNTRY', 'COUNTRY'], 'BAD_USER_INPUT'],
    ['more than three dimensions', ['COUNTRY', 'LOYALTY_TIER', 'AGE_BAND', 'INTEREST'], 'BAD_USER_INPUT'],
    ['an unknown dimension', ['EMAIL'], 'BAD_USER_INPUT'],
  ])('refuses %s', async (_label, groupBy, code) => {
    const response = await gw.gql(REPORT, { token: tokens.partner, purpose: 'ANALYTICS', variables: { id: 'seg_t_all', groupBy } });
    expect(response.body.errors?.[0]?.extensions?.code).toBe(code);
  });

  it('answers BAD_USER_INPUT for an unknown segment', async () => {
    const response = await gw.gql(REPORT, { token: tokens.partner, purpose: 'ANALYTICS', variables: { id: 'seg_nope', groupBy: ['COUNTRY'] } });
    expect(response.body.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
  });

  it.each([
    ['AGE_BAND for MARKETING (birthDate is not processed for marketing)', 'seg_t_all', ['AGE_BAND']],
    ['a segment selecting on age, for MARKETING', 'seg_t_age', ['COUNTRY']],
  ])('is FORBIDDEN: %s', async (_label, id, groupBy) => {
    const response = await gw.gql(REPORT, { token: tokens.marketer, purpose: 'MARKETING', variables: { id, groupBy } });
    expect(response.body.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    expect(response.body.errors?.[0]?.message).not.toMatch(/birthDate|Customer\./);
  });

  it('is FORBIDDEN to support (no aggregates)', async () => {
    // Inline arguments: support's visible schema has no ReportDimension type to declare a variable with.
    const response = await gw.gql('{ segmentReport(segmentId: "seg_t_all", groupBy: [COUNTRY]) { total } }', { token: tokens.support, purpose: 'SUPPORT' });
    expect(response.body.errors?.map((error) => error.extensions?.code)).toEqual(['FORBIDDEN']);
    expect(response.body.data ?? null).toBeNull();
  });
});

describe('segmentReport: audit', () => {
  it('records the report with the segment id and no subject ids', async () => {
    const partner = await gw.token({ role: 'partner', purposes: ['ANALYTICS'], sub: 'audit-probe', scope: 'segments:read', partnerId: 'demo-partner' });
    const response = await gw.gql(REPORT, { token: partner, variables: { id: 'seg_t_four', groupBy: ['COUNTRY'] } });
    expect(response.body.errors).toBeUndefined();
    const audit = await gw.gql(`{ auditEvents(filter: { actor: "audit-probe", operation: "Query.segmentReport" }, first: 10) { edges { node { operation partnerId purpose subjectIds fields decision kind detail } } } }`,
      { token: tokens.officer, purpose: 'LEGAL_COMPLIANCE' });
    expect(audit.body.errors).toBeUndefined();
    const events = audit.body.data!.auditEvents.edges.map((edge: { node: unknown }) => edge.node);
    expect(events).toEqual([{
      operation: 'Query.segmentReport', partnerId: 'demo-partner', purpose: 'ANALYTICS', subjectIds: [],
      fields: ['Customer.country', 'Customer.lifetimeValue'], decision: 'ALLOW', kind: 'OPERATION',
      detail: { segmentId: 'seg_t_four', groupBy: ['COUNTRY'], k: 10, noise: false, groups: 4, suppressedGroups: 3 },
    }]);
  });
});
