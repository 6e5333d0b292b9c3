/**
 * Query limits are enforced before execution: a refused query answers QUERY_TOO_COMPLEX (or
 * BAD_USER_INPUT for `first` out of range) and never reaches the store. The store is watched through
 * a counting wrapper around `collection()`; the positive control proves the wrapper sees reads.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { roleTokens, startTestGateway, type TestGateway } from '../helpers/gateway';
import type { Store } from '../../src/store/port';

const DATA_COLLECTIONS = new Set(['customers', 'consentEvents', 'segments']);

/** Counts reads of data collections made through `store.collection(name)`. */
function countStoreReads(store: Store): { reads: () => number } {
  let reads = 0;
  const original = store.collection.bind(store);
  (store as { collection: Store['collection'] }).collection = ((name: Parameters<Store['collection']>[0]) => {
    const collection = original(name);
    if (!DATA_COLLECTIONS.has(name)) return collection;
    return new Proxy(collection, {
      get(target, property, receiver) {
        const value = Reflect.get(target, property, receiver);
        if (typeof value !== 'function') return value;
        return (...args: unknown[]) => {
          if (['find', 'findOne', 'countDocuments', 'aggregate'].includes(String(property))) reads += 1;
          return (value as (...a: unknown[]) => unknown).apply(target, args);
        };
      },
    });
  }) as Store['collection'];
  return { reads: () => reads };
}

const CUSTOMER_FIELDS = 'id email phone fullName birthDate postalCode country loyaltyTier lifetimeValue orderCount lastPurchaseAt interests consents { purpose status source updatedAt }';

function aliases(count: number, field: string): string {
  return `{ ${Array.from({ length: count }, (_, i) => `a${i}: ${field}`).join(' ')} }`;
}

function nested(depth: number): string {
  // __Type.ofType nests without repeating `fields`, so only the depth limit stops it.
  return `{ __type(name: "Query") { ${'ofType { '.repeat(depth)}name${' }'.repeat(depth)} } }`;
}

describe('query limits, before execution', () => {
  let gw: TestGateway;
  let marketer: string;
  let store: { reads: () => number };

  beforeAll(async () => {
    gw = await startTestGateway({ customers: 60 });
    marketer = (await roleTokens(gw)).marketer;
    store = countStoreReads(gw.gateway.services.store);
  });
  afterAll(async () => gw?.close());

  it('positive control: an accepted query reads the store', async () => {
    const before = store.reads();
    const response = await gw.gql(`{ customers(first: 500) { totalCount edges { node { ${CUSTOMER_FIELDS} } } } }`, { token: marketer, purpose: 'MARKETING' });
    expect(response.status).toBe(200);
    expect(response.body.errors).toBeUndefined();
    expect(store.reads()).toBeGreaterThan(before);
  });

  it.each([
    { name: 'first above 500 (literal) → BAD_USER_INPUT', query: '{ customers(first: 501) { totalCount } }', variables: {}, code: 'BAD_USER_INPUT', message: /first must be between 0 and 500/ },
    { name: 'first above 500 (variable) → BAD_USER_INPUT', query: 'query($n: Int) { customers(first: $n) { totalCount } }', variables: { n: 100000 }, code: 'BAD_USER_INPUT', message: /first must be between 0 and 500/ },
    { name: 'negative first → BAD_USER_INPUT', query: '{ customers(first: -1) { totalCount } }', variables: {}, code: 'BAD_USER_INPUT', message: /first must be between 0 and 500/ },
    { name: 'cost: three full pages of every field → QUERY_TOO_COMPLEX', query: `{ ${['a', 'b', 'c'].map((a) => `${a}: customers(first: 500) { edges { node { ${CUSTOMER_FIELDS} } } }`).join(' ')} }`, variables: {}, code: 'QUERY_TOO_COMPLEX', message: /^Query cost \d+ exceeds the limit of 50000$/ },
    { name: 'alias bomb → QUERY_TOO_COMPLEX', query: aliases(16, 'customers(first: 1) { totalCount }'), variables: {}, code: 'QUERY_TOO_COMPLEX', message: /Aliases limit of 15 exceeded/ },
    { name: 'depth bomb → QUERY_TOO_COMPLEX', query: nested(16), variables: {}, code: 'QUERY_TOO_COMPLEX', message: /Query depth limit of 15 exceeded/ },
    { name: 'directive bomb → QUERY_TOO_COMPLEX', query: `{ customers(first: 1) { totalCount ${'@include(if: true) '.repeat(21)} } }`, variables: {}, code: 'QUERY_TOO_COMPLEX', message: /Directives limit of 20 exceeded/ },
    { name: 'token bomb → QUERY_TOO_COMPLEX', query: `{ customers(first: 1) { ${'totalCount '.repeat(2100)} } }`, variables: {}, code: 'QUERY_TOO_COMPLEX', message: /Document contains more tha[nt] 2000 tokens/ },
  ])('$name, and the store is not touched', async ({ query, variables, code, message }) => {
    const before = store.reads();
    const response = await gw.gql(query, { token: marketer, purpose: 'MARKETING', variables });
    expect(response.status).toBe(400);
    expect(response.body.data ?? null).toBeNull();
    expect(response.body.errors?.[0]?.extensions?.code).toBe(code);
    expect(response.body.errors?.[0]?.message).toMatch(message);
    expect(store.reads()).toBe(before);
  });

  it('a full page of 500 customers with every field stays under the default cost limit', async () => {
    const response = await gw.gql(`{ customers(first: 500) { edges { node { ${CUSTOMER_FIELDS} } } } }`, { token: marketer, purpose: 'MARKETING' });
    expect(response.status).toBe(200);
    expect(response.body.errors).toBeUndefined();
  });

  it("GraphiQL's own introspection query fits the depth and token limits", async () => {
    const { getIntrospectionQuery } = await import('graphql');
    const response = await gw.gql(getIntrospectionQuery({ descriptions: true, inputValueDeprecation: true, schemaDescription: true, specifiedByUrl: true, directiveIsRepeatable: true }), { token: marketer, purpose: 'MARKETING' });
    expect(response.status).toBe(200);
    expect(response.body.errors).toBeUndefined();
  });
});

describe('limits are configuration', () => {
  let gw: TestGateway;
  afterAll(async () => gw?.close());

  it('MAX_QUERY_ALIASES, MAX_QUERY_DEPTH and MAX_QUERY_COST change what is refused', async () => {
    gw = await startTestGateway({ customers: 20, env: { MAX_QUERY_ALIASES: '1', MAX_QUERY_DEPTH: '4', MAX_QUERY_COST: '100' } });
    const { marketer } = await roleTokens(gw);
    const options = { token: marketer, purpose: 'MARKETING' };
    expect((await gw.gql(aliases(2, 'privacyManifest { generatedFrom }'), options)).body.errors?.[0]?.extensions?.code).toBe('QUERY_TOO_COMPLEX');
    expect((await gw.gql(nested(4), options)).body.errors?.[0]?.extensions?.code).toBe('QUERY_TOO_COMPLEX');
    const costly = await gw.gql('{ customers(first: 50) { edges { node { id email } } } }', options);
    expect(costly.body.errors?.[0]).toMatchObject({ message: 'Query cost 201 exceeds the limit of 100', extensions: { code: 'QUERY_TOO_COMPLEX' } });
    const cheap = await gw.gql('{ customers(first: 10) { edges { node { id email } } } }', options);
    expect(cheap.body.errors).toBeUndefined();
  });
});

describe('the cost of a document is remembered per variable set, never across them', () => {
  let gw: TestGateway;
  afterAll(async () => gw?.close());

  it.each([1, 2])('round %i: the same document is accepted or refused by its variables alone', async () => {
    gw ??= await startTestGateway({ customers: 20, env: { MAX_QUERY_COST: '100' } });
    const { marketer } = await roleTokens(gw);
    const query = 'query Page($n: Int, $withEmail: Boolean!) { customers(first: $n) { edges { node { id email @include(if: $withEmail) } } } }';
    const ask = (variables: Record<string, unknown>) => gw.gql(query, { token: marketer, purpose: 'MARKETING', variables });
    const table: [Record<string, unknown>, string | undefined][] = [
      [{ n: 10, withEmail: true }, undefined],
      [{ n: 50, withEmail: true }, 'Query cost 201 exceeds the limit of 100'],
      [{ n: 30, withEmail: false }, undefined],
      [{ n: 30, withEmail: true }, 'Query cost 121 exceeds the limit of 100'],
      [{ n: 10, withEmail: true }, undefined],
      [{ n: 501, withEmail: true }, 'Query.customers: first must be between 0 and 500'],
      [{ n: 24, withEmail: true }, undefined],
      [{ n: 'many', withEmail: true }, undefined],
    ];
    for (const [variables, refusal] of table) {
      const response = await ask(variables);
      if (variables.n === 'many') {
        expect(response.body.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
        continue;
      }
      expect(response.body.errors?.[0]?.message, JSON.stringify(variables)).toBe(refusal);
    }
  });
});

describe('rate limit per caller', () => {
  let gw: TestGateway;
  afterAll(async () => gw?.close());

  it('answers RATE_LIMITED with HTTP 429 and Retry-After past RATE_LIMIT_PER_MINUTE, per caller, and keeps serving others', async () => {
    gw = await startTestGateway({ customers: 10, env: { RATE_LIMIT_PER_MINUTE: '3' } });
    const first = await gw.token({ role: 'marketer', purposes: ['MARKETING'], sub: 'mk-a' });
    const second = await gw.token({ role: 'marketer', purposes: ['MARKETING'], sub: 'mk-b' });
    const query = '{ privacyManifest { generatedFrom } }';
    for (let i = 0; i < 3; i += 1) expect((await gw.gql(query, { token: first })).status).toBe(200);
    const limited = await gw.gql(query, { token: first });
    expect(limited.status).toBe(429);
    expect(limited.body).toEqual({ errors: [{ message: 'Too many requests: slow down', extensions: { code: 'RATE_LIMITED' } }] });
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(limited.headers.get('x-ratelimit-limit')).toBeNull();
    const metrics = await (await fetch(`${gw.url}/metrics`)).text();
    expect(metrics).toMatch(/privacy_gateway_graphql_errors_total\{code="RATE_LIMITED"\} 1\n/);
    // Another caller has its own window; the process still answers.
    expect((await gw.gql(query, { token: second })).status).toBe(200);
    expect((await fetch(`${gw.url}/healthz`)).status).toBe(200);
  });

  it('keys requests without a valid token by address: a forged token does not buy a fresh window', async () => {
    const query = '{ privacyManifest { generatedFrom } }';
    const statuses: number[] = [];
    for (const token of [null, 'forged.token.value', null, 'another.forged.token']) {
      statuses.push((await gw.gql(query, { token })).status);
    }
    expect(statuses.slice(0, 3)).toEqual([200, 401, 200]);
    expect(statuses[3]).toBe(429);
  });
});
