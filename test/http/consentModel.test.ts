/**
 * One consent model: for every consent-based purpose and every consent state, a subject's value is
 * shown in clear, matched by a filter, listed as a segment member and counted in a report exactly
 * when the purpose's consent model allows processing — the four answers never disagree.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ConsentStatus, Purpose } from '../../src/policy/purposes';
import { customerDocument, insertCustomers } from '../helpers/fixtures';
import { startTestGateway, type TestGateway } from '../helpers/gateway';

const COUNTRY = 'XQ';
const STATES: (ConsentStatus | 'MISSING')[] = ['GRANTED', 'DENIED', 'WITHDRAWN', 'MISSING'];
const PER_STATE = 3;
const PURPOSES: [Purpose, allowed: (ConsentStatus | 'MISSING')[]][] = [
  ['MARKETING', ['GRANTED']],
  ['PERSONALIZATION', ['GRANTED']],
  ['THIRD_PARTY_SHARING', ['GRANTED']],
  ['ANALYTICS', ['GRANTED', 'MISSING']],
];

let gw: TestGateway;
let marketer: string;
const subjectsByState = new Map<string, string[]>();

beforeAll(async () => {
  gw = await startTestGateway({ customers: 0, env: { K_ANONYMITY: '2' } });
  marketer = await gw.token({ role: 'marketer', purposes: ['MARKETING', 'PERSONALIZATION', 'THIRD_PARTY_SHARING', 'ANALYTICS'], sub: 'mk-1' });
  const docs = STATES.flatMap((state) => Array.from({ length: PER_STATE }, (_, i) => {
    const id = `cus_cm_${state.toLowerCase()}_${i}`;
    subjectsByState.set(state, [...(subjectsByState.get(state) ?? []), id]);
    const consents = state === 'MISSING' ? {} : Object.fromEntries(PURPOSES.map(([purpose]) => [purpose, state]));
    return customerDocument(id, consents, { country: COUNTRY });
  }));
  await insertCustomers(gw, docs);
  for (const [purpose] of PURPOSES) {
    await gw.store.collection('segments').insertOne({
      _id: `seg_cm_${purpose}`, name: purpose, purpose, definition: { countries: [COUNTRY] }, createdAt: '2026-01-01T00:00:00.000Z', createdBy: 'test',
    });
  }
});
afterAll(async () => gw?.close());

describe('field decisions, filters, segment membership and reports share one consent model', () => {
  it.each(PURPOSES)('%s allows exactly %j', async (purpose, allowed) => {
    const expected = allowed.flatMap((state) => subjectsByState.get(state)!).sort();
    const all = [...subjectsByState.values()].flat();

    const clear: string[] = [];
    for (const id of all) {
      const response = await gw.gql('query($id: ID!) { customer(id: $id) { id country } }', { token: marketer, purpose, variables: { id } });
      if (response.body.data?.customer?.country === COUNTRY) clear.push(id);
    }
    const filtered = await gw.gql(`{ customers(first: 500, filter: { country: "${COUNTRY}" }) { totalCount edges { node { id } } } }`, { token: marketer, purpose });
    const members = await gw.gql(`{ segment(id: "seg_cm_${purpose}") { members(first: 500) { totalCount edges { node { id } } } } }`, { token: marketer, purpose });
    const report = await gw.gql(`{ segmentReport(segmentId: "seg_cm_${purpose}", groupBy: [COUNTRY]) { total } }`, { token: marketer, purpose });
    for (const response of [filtered, members, report]) expect(response.body.errors).toBeUndefined();

    const ids = (connection: { edges: { node: { id: string } }[] }) => connection.edges.map((edge) => edge.node.id).sort();
    expect(clear.sort()).toEqual(expected);
    expect(ids(filtered.body.data!.customers)).toEqual(expected);
    expect(ids(members.body.data!.segment.members)).toEqual(expected);
    expect(report.body.data!.segmentReport.total).toBe(expected.length);
  });
});
