/**
 * The server a team would otherwise run: a plain Apollo Server 5 standalone (`startStandaloneServer`,
 * its defaults), the same SDL shape for what the benchmark asks (Customer with the same field names
 * and types, a cursor connection, `customer(id)`), and the same 100 customers as an in-memory JSON
 * array. No store, no token, no privacy layer, no limits, no audit.
 */
import { readFileSync } from 'node:fs';
import { ApolloServer } from '@apollo/server';
import { startStandaloneServer } from '@apollo/server/standalone';
import { DateTimeResolver } from 'graphql-scalars';

const typeDefs = `#graphql
  scalar DateTime
  enum LoyaltyTier { BRONZE SILVER GOLD PLATINUM }
  type Customer {
    id: ID!
    email: String
    phone: String
    fullName: String
    birthDate: String
    postalCode: String
    country: String
    loyaltyTier: LoyaltyTier
    lifetimeValue: Float
    orderCount: Int
    lastPurchaseAt: DateTime
    interests: [String!]
  }
  type CustomerEdge { cursor: String! node: Customer! }
  type PageInfo { hasNextPage: Boolean! endCursor: String }
  type CustomerConnection { edges: [CustomerEdge!]! pageInfo: PageInfo! totalCount: Int! }
  type Query {
    customer(id: ID!): Customer
    customers(first: Int = 50, after: String): CustomerConnection!
  }
`;

type Customer = Record<string, unknown> & { id: string };

const cursorOf = (id: string) => Buffer.from(`c1:${id}`, 'utf8').toString('base64url');

export function plainResolvers(customers: readonly Customer[]) {
  return {
    DateTime: DateTimeResolver,
    Query: {
      customer: (_: unknown, args: { id: string }) => customers.find((customer) => customer.id === args.id) ?? null,
      customers: (_: unknown, args: { first: number; after?: string | null }) => {
        const afterId = args.after ? Buffer.from(args.after, 'base64url').toString('utf8').slice(3) : null;
        const start = afterId === null ? 0 : customers.findIndex((customer) => customer.id === afterId) + 1;
        const nodes = customers.slice(start, start + args.first);
        const edges = nodes.map((node) => ({ cursor: cursorOf(node.id), node }));
        return { edges, pageInfo: { hasNextPage: start + args.first < customers.length, endCursor: edges.at(-1)?.cursor ?? null }, totalCount: customers.length };
      },
    },
  };
}

/** Starts the plain server on an ephemeral port over the customers in `dataFile` (a JSON array). */
export async function startPlainApollo(dataFile: string): Promise<{ url: string; close(): Promise<void> }> {
  const customers = JSON.parse(readFileSync(dataFile, 'utf8')) as Customer[];
  const server = new ApolloServer({ typeDefs, resolvers: plainResolvers(customers) });
  const { url } = await startStandaloneServer(server, { listen: { port: 0, host: '127.0.0.1' } });
  return { url: url.replace(/\/$/, ''), close: () => server.stop() };
}
