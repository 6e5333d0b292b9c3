/**
 * What the benchmark asks every server. Each scenario is one GraphQL request sent over and over; the
 * gateways get a real token for the role and the purpose header, the plain server ignores both.
 */
import type { MintOptions } from '../src/auth/tokens';

type Body = { data?: Record<string, any> | null; errors?: unknown[] };

export interface Scenario {
  name: string;
  /** Who asks, as the token CLI would mint it. */
  token: MintOptions;
  purpose: string;
  query: string;
  variables?: Record<string, unknown>;
  /** Checks one answer before measuring; returns why it is unusable, or null. */
  check(body: Body): string | null;
}

/** The 11 fields both scenarios select: the record without consents and interests. */
export const ELEVEN_FIELDS = 'id email phone fullName birthDate postalCode country loyaltyTier lifetimeValue orderCount lastPurchaseAt';

const PAGE = `query Page { customers(first: 100) { pageInfo { hasNextPage endCursor } edges { cursor node { ${ELEVEN_FIELDS} } } } }`;
const ONE = `query One($id: ID!) { customer(id: $id) { ${ELEVEN_FIELDS} } }`;

function errorsOrData(body: Body, key: string): string | null {
  if (body.errors !== undefined) return `errors: ${JSON.stringify(body.errors).slice(0, 200)}`;
  if (body.data?.[key] === undefined || body.data[key] === null) return `no ${key} in the answer`;
  return null;
}

export function scenarios(customerId: string): Scenario[] {
  return [
    {
      name: 'page',
      token: { role: 'marketer', purposes: ['MARKETING'], sub: 'bench-marketer' },
      purpose: 'MARKETING',
      query: PAGE,
      check: (body) => errorsOrData(body, 'customers') ?? (body.data!.customers.edges.length === 100 ? null : 'the page does not hold 100 customers'),
    },
    {
      name: 'one',
      token: { role: 'support', purposes: ['SUPPORT'], sub: 'bench-support' },
      purpose: 'SUPPORT',
      query: ONE,
      variables: { id: customerId },
      check: (body) => errorsOrData(body, 'customer'),
    },
  ];
}

export const SCENARIO_TITLES: Record<string, string> = {
  page: 'customers(first: 100), 11 fields, marketer/MARKETING',
  one: 'customer(id), 11 fields, support/SUPPORT',
};

/** What the plain server gets: the gateway's first 100 customers in clear, read once by the privacy officer. */
export const PLAIN_DATA_QUERY = `{ customers(first: 100) { edges { node { ${ELEVEN_FIELDS} interests } } } }`;
