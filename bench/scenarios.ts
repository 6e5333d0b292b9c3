/**
 * What the benchmark asks both servers. Each scenario is one GraphQL request sent over and over; the
 * gateway gets a real token for the role, the baseline ignores it (it has no auth).
 */
import type { MintOptions } from '../src/auth/tokens';

export interface Scenario {
  name: string;
  /** Who asks, as the token CLI would mint it. */
  token: MintOptions;
  purpose: string;
  query: string;
  variables?: Record<string, unknown>;
  /** Checks one answer before measuring; returns why it is unusable, or null. */
  check(body: { data?: Record<string, any> | null; errors?: unknown[] }): string | null;
}

const ALL_CUSTOMER_FIELDS = `id email phone fullName birthDate postalCode country loyaltyTier lifetimeValue orderCount lastPurchaseAt interests
  consents { purpose status source updatedAt }`;

const PAGE = `query Page { customers(first: 100) { totalCount pageInfo { hasNextPage endCursor } edges { cursor node { ${ALL_CUSTOMER_FIELDS} } } } }`;

function errorsOrData(body: { data?: Record<string, any> | null; errors?: unknown[] }, key: string): string | null {
  if (body.errors !== undefined) return `errors: ${JSON.stringify(body.errors).slice(0, 200)}`;
  if (body.data?.[key] === undefined || body.data[key] === null) return `no ${key} in the answer`;
  return null;
}

const pageOf100 = (body: Parameters<Scenario['check']>[0]) =>
  errorsOrData(body, 'customers') ?? (body.data!.customers.edges.length === 100 ? null : 'the page does not hold 100 customers');

export function scenarios(customerId: string): Scenario[] {
  return [
    {
      name: 'customers(first: 100), all fields, marketer',
      token: { role: 'marketer', purposes: ['MARKETING'], sub: 'bench-marketer' },
      purpose: 'MARKETING',
      query: PAGE,
      check: pageOf100,
    },
    {
      name: 'customers(first: 100), all fields, privacy officer',
      token: { role: 'privacy_officer', purposes: ['LEGAL_COMPLIANCE'], sub: 'bench-officer' },
      purpose: 'LEGAL_COMPLIANCE',
      query: PAGE,
      check: pageOf100,
    },
    {
      name: 'segmentReport(seg_all, [COUNTRY, LOYALTY_TIER]), analyst',
      token: { role: 'analyst', purposes: ['ANALYTICS'], sub: 'bench-analyst' },
      purpose: 'ANALYTICS',
      query: 'query Report { segmentReport(segmentId: "seg_all", groupBy: [COUNTRY, LOYALTY_TIER]) { segmentId k total groups { keys count avgLifetimeValue suppressed } } }',
      check: (body) => errorsOrData(body, 'segmentReport'),
    },
    {
      name: 'customer(id), all fields, support',
      token: { role: 'support', purposes: ['SUPPORT'], sub: 'bench-support' },
      purpose: 'SUPPORT',
      query: 'query One($id: ID!) { customer(id: $id) { ' + ALL_CUSTOMER_FIELDS + ' } }',
      variables: { id: customerId },
      check: (body) => errorsOrData(body, 'customer'),
    },
  ];
}
