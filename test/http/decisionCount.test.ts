/**
 * The request-level half of every field decision (role, purpose, the field's purposes and legal
 * basis) is computed once per coordinate per request, however many subjects the request reads; only
 * the consent check runs per subject. Proven by counting the calls of decideForRequest through the
 * real server.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { startTestGateway, type TestGateway } from '../helpers/gateway';

const calls = vi.hoisted(() => ({ byCoordinate: new Map<string, number>(), subjectChecks: 0 }));

vi.mock('../../src/policy/decide', async (importOriginal) => {
  const actual = await importOriginal<typeof import('../../src/policy/decide')>();
  return {
    ...actual,
    decideForRequest: (...args: Parameters<typeof actual.decideForRequest>) => {
      const coordinate = args[0]?.coordinate ?? '(none)';
      calls.byCoordinate.set(coordinate, (calls.byCoordinate.get(coordinate) ?? 0) + 1);
      return actual.decideForRequest(...args);
    },
    decideForSubject: (...args: Parameters<typeof actual.decideForSubject>) => {
      calls.subjectChecks += 1;
      return actual.decideForSubject(...args);
    },
  };
});

const COUNT = 80;
const FIELDS = ['email', 'phone', 'fullName', 'birthDate', 'postalCode', 'country', 'loyaltyTier', 'lifetimeValue', 'orderCount', 'lastPurchaseAt'];
const PAGE = `{ customers(first: ${COUNT}) { edges { node { id ${FIELDS.join(' ')} } } } }`;
const COORDINATES = FIELDS.map((field) => `Customer.${field}`).sort();

let gw: TestGateway;
let marketer: string;

beforeAll(async () => {
  gw = await startTestGateway({ customers: COUNT });
  marketer = await gw.token({ role: 'marketer', purposes: ['MARKETING'], sub: 'mk-count' });
});
afterAll(async () => gw?.close());
beforeEach(() => {
  calls.byCoordinate.clear();
  calls.subjectChecks = 0;
});

describe('one request-level decision per coordinate per request', () => {
  it.each([1, 3])(`%i request(s), each reading ${COUNT} subjects x 10 personal fields`, async (requests) => {
    for (let i = 0; i < requests; i += 1) {
      const response = await gw.gql(PAGE, { token: marketer, purpose: 'MARKETING' });
      expect(response.body.errors).toBeUndefined();
      expect(response.body.data!.customers.edges).toHaveLength(COUNT);
    }
    expect([...calls.byCoordinate.keys()].sort()).toEqual(COORDINATES);
    for (const coordinate of COORDINATES) expect(calls.byCoordinate.get(coordinate)).toBe(requests);
    // The per-subject half runs once per value.
    expect(calls.subjectChecks).toBe(requests * COUNT * FIELDS.length);
  });
});
