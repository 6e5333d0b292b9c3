/**
 * The compiled executor (docs/execution.md) through the real server. The same documents, callers and
 * variables go to two gateways over the same deterministic demo data: one compiling operations with
 * graphql-jit (the default), one running graphql-js for everything (GRAPHQL_EXECUTOR=graphql-js). The
 * answers must be identical to the byte: values, redactions, `extensions.privacy`, errors, paths,
 * codes and HTTP statuses. The executions counter shows which engine ran each request, so a compiled
 * executor that were bypassed fails the tests as surely as one that answered differently.
 */
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AuditEventDocument } from '../../src/audit/auditEvent';
import type { Collection, Document, Store } from '../../src/store/port';
import { roleTokens, startTestGateway, type GqlOptions, type GqlResponse, type TestGateway } from '../helpers/gateway';

/** What a careless driver might say: personal data in an error message. */
const SECRET_MESSAGE = 'count failed near jane.leak@example.com';
const failing = { count: false };

function failingCount<T extends Document>(collection: Collection<T>): Collection<T> {
  return new Proxy(collection, {
    get(target, property, receiver) {
      if (property === 'countDocuments' && failing.count) return () => Promise.reject(new Error(SECRET_MESSAGE));
      return Reflect.get(target, property, receiver) as unknown;
    },
  });
}

function wrapStore(store: Store): Store {
  return new Proxy(store, {
    get(target, property, receiver) {
      if (property !== 'collection') return Reflect.get(target, property, receiver) as unknown;
      return <T extends Document>(name: Parameters<Store['collection']>[0]) => {
        const inner = target.collection<T>(name);
        return name === 'customers' ? failingCount(inner) : inner;
      };
    },
  });
}

let compiled: TestGateway;
let reference: TestGateway;
let tokens: Awaited<ReturnType<typeof roleTokens>> & { customer: string; referenceCustomer: string };
let subjectId: string;
const logLines: Record<string, unknown>[] = [];

beforeAll(async () => {
  const capture = new Writable({ write(chunk, _encoding, done) { for (const line of String(chunk).split('\n').filter(Boolean)) logLines.push(JSON.parse(line)); done(); } });
  [compiled, reference] = await Promise.all([
    // Compiled on first sight, so every request of the tables below runs its compiled plan.
    startTestGateway({ customers: 60, wrapStore, logStream: capture, env: { LOG_LEVEL: 'error', GRAPHQL_EXECUTOR: 'compiled', EXECUTION_COMPILE_AFTER: '1' } }),
    startTestGateway({ customers: 60, wrapStore, env: { GRAPHQL_EXECUTOR: 'graphql-js' } }),
  ]);
  const roles = await roleTokens(compiled);
  const first = await compiled.gql<{ customers: { edges: { node: { id: string } }[] } }>('{ customers(first: 1) { edges { node { id } } } }', { token: roles.officer, purpose: 'LEGAL_COMPLIANCE' });
  subjectId = first.body.data!.customers.edges[0]!.node.id;
  tokens = { ...roles, customer: await compiled.token({ role: 'customer', purposes: [], sub: subjectId }), referenceCustomer: await reference.token({ role: 'customer', purposes: [], sub: subjectId }) };
});
afterAll(async () => Promise.all([compiled?.close(), reference?.close()]));

type Counts = Map<string, number>;

/** `privacy_gateway_graphql_executions_total` and `…_execution_plan_cache_total` samples, keyed by their labels. */
async function executionCounts(gw: TestGateway): Promise<Counts> {
  const text = await (await fetch(`${gw.url}/metrics`)).text();
  const counts: Counts = new Map();
  for (const match of text.matchAll(/^privacy_gateway_(graphql_executions_total|execution_plan_cache_total)\{([^}]*)\} (\d+)/gm)) {
    const labels = [...match[2]!.matchAll(/(\w+)="([^"]*)"/g)].map(([, key, value]) => `${key}=${value}`).sort().join(',');
    counts.set(`${match[1]}{${labels}}`, Number(match[3]));
  }
  return counts;
}

function delta(before: Counts, after: Counts): Record<string, number> {
  const changed: Record<string, number> = {};
  for (const [key, value] of after) if (value !== (before.get(key) ?? 0)) changed[key] = value - (before.get(key) ?? 0);
  return changed;
}

const COMPILED = 'graphql_executions_total{engine=compiled,fallback=none}';
const fallback = (reason: string) => `graphql_executions_total{engine=graphql-js,fallback=${reason}}`;
const HIT = 'execution_plan_cache_total{result=hit}';
const MISS = 'execution_plan_cache_total{result=miss}';
const COLD = 'execution_plan_cache_total{result=cold}';

type Caller = 'officer' | 'marketer' | 'analyst' | 'support' | 'partner' | 'customer' | 'none';
const PURPOSE: Record<Caller, string | undefined> = { officer: 'LEGAL_COMPLIANCE', marketer: 'MARKETING', analyst: 'ANALYTICS', support: 'SUPPORT', partner: 'ANALYTICS', customer: undefined, none: undefined };

function options(caller: Caller, gw: TestGateway, variables?: Record<string, unknown>): GqlOptions {
  const token = caller === 'none' ? null : caller === 'customer' && gw === reference ? tokens.referenceCustomer : tokens[caller];
  return { token, purpose: PURPOSE[caller], variables };
}

/** Runs the request on both gateways; returns both answers and what the compiled gateway counted. */
async function both(query: string, caller: Caller, variables?: Record<string, unknown> | ((id: string) => Record<string, unknown>)) {
  const vars = typeof variables === 'function' ? variables(subjectId) : variables;
  const before = await executionCounts(compiled);
  const ours = await compiled.gql(query, options(caller, compiled, vars));
  const counted = delta(before, await executionCounts(compiled));
  const theirs = await reference.gql(query, options(caller, reference, vars));
  return { ours, theirs, counted };
}

function comparable(response: GqlResponse) {
  return { status: response.status, body: response.body };
}

const ELEVEN = 'id email phone fullName birthDate postalCode country loyaltyTier lifetimeValue orderCount lastPurchaseAt';

/** Documents the compiled executor runs; each answer must equal graphql-js's. */
const COMPILED_CASES: [string, Caller, string, Record<string, unknown>?][] = [
  ['the benchmark page: 11 fields, marketer', 'marketer', `{ customers(first: 60) { pageInfo { hasNextPage endCursor } edges { cursor node { ${ELEVEN} } } } }`],
  ['every field in clear with lists and consents, officer', 'officer', `{ customers(first: 25) { totalCount edges { node { ${ELEVEN} interests consents { purpose status source updatedAt } } } } }`],
  ['pseudonyms and nulls, analyst', 'analyst', `{ customers(first: 40) { edges { node { ${ELEVEN} interests } } } }`],
  ['aliases, fragments, inline fragments and __typename', 'marketer', '{ a: customers(first: 5) { ...page } b: customers(first: 3, filter: { country: "DE" }) { edges { node { ... on Customer { __typename id where: country } } } } } fragment page on CustomerConnection { __typename edges { node { __typename mail: email ...more } } } fragment more on Customer { tier: loyaltyTier }'],
  ['@skip and @include from variables (true)', 'marketer', 'query($yes: Boolean!, $no: Boolean!) { customers(first: 4) { edges { node { id email @include(if: $yes) phone @skip(if: $yes) ...f @include(if: $no) } } totalCount @skip(if: $no) } } fragment f on Customer { fullName }', { yes: true, no: false }],
  ['@skip and @include from variables (false)', 'marketer', 'query($yes: Boolean!, $no: Boolean!) { customers(first: 4) { edges { node { id email @include(if: $yes) phone @skip(if: $yes) ...f @include(if: $no) } } totalCount @skip(if: $no) } } fragment f on Customer { fullName }', { yes: false, no: true }],
  ['variables with defaults and an input object', 'marketer', 'query($n: Int = 7, $filter: CustomerFilter) { customers(first: $n, filter: $filter) { totalCount edges { node { id country loyaltyTier } } } }', { filter: { loyaltyTier: 'GOLD' } }],
  ['one record by id, support', 'support', `query($id: ID) { customer(id: $id) { ${ELEVEN} consents { purpose status } } }`],
  ['a record that does not exist is null', 'support', '{ customer(id: "cus_does_not_exist") { id email } }'],
  ['own record, customer', 'customer', `{ me { ${ELEVEN} interests consents { purpose status source } } }`],
  ['a mutation the gate refuses inside execution: FORBIDDEN, nothing written', 'customer', 'mutation { setConsent(customerId: "cus_someone_else", purpose: MARKETING, status: GRANTED) { purpose status } }'],
  ['purpose missing for a purpose-bound operation', 'analyst', '{ segments { id name } }'],
  ['the data map', 'marketer', '{ privacyManifest { purposes { name legalBasis consent } fields { type field category purposes redact roles } } }'],
];

describe('the compiled executor answers exactly as graphql-js', () => {
  it.each(COMPILED_CASES)('%s', async (_name, caller, query, variables) => {
    const withSubject = query.includes('$id') ? { ...variables, id: subjectId } : variables;
    const { ours, theirs, counted } = await both(query, caller, withSubject);
    expect(comparable(ours)).toEqual(comparable(theirs));
    expect(ours.body.errors?.some((error) => error.extensions?.code === 'INTERNAL_SERVER_ERROR') ?? false).toBe(false);
    expect(counted[COMPILED]).toBe(1);
  });

  it('the refused mutation is FORBIDDEN from the gate, through the compiled plan', async () => {
    const { ours, counted } = await both(COMPILED_CASES.find(([name]) => name.startsWith('a mutation'))![2], 'customer');
    expect(counted[COMPILED]).toBe(1);
    expect(ours.body.errors?.map((error) => [error.extensions?.code, error.path])).toEqual([['FORBIDDEN', ['setConsent']]]);
  });

  it('the page really carries values in clear, masked and generalized (the comparison is not between two empty answers)', async () => {
    const { ours } = await both(`{ customers(first: 60) { edges { node { ${ELEVEN} } } } }`, 'marketer');
    const nodes = (ours.body.data as { customers: { edges: { node: Record<string, unknown> }[] } }).customers.edges.map((edge) => edge.node);
    expect(nodes).toHaveLength(60);
    const emails = nodes.map((node) => String(node.email));
    expect(emails.some((value) => value.includes('***'))).toBe(true);
    expect(emails.some((value) => !value.includes('***'))).toBe(true);
    expect(ours.body.extensions?.privacy?.redactions['Customer.email']?.CONSENT_MISSING ?? 0).toBeGreaterThan(0);
  });
});

/** Refused at validation (names hidden from the caller's schema): nothing executes, the answer is unchanged. */
const REFUSED_BEFORE_EXECUTION: [string, Caller, string][] = [
  ['a hidden root field next to an allowed one: FORBIDDEN', 'marketer', '{ customers(first: 2) { edges { node { id } } } auditEvents(first: 1) { totalCount } }'],
  ['a hidden operation: FORBIDDEN, data null', 'partner', '{ customers(first: 2) { edges { node { id } } } }'],
  ['no token: UNAUTHENTICATED', 'none', '{ customers(first: 2) { edges { node { id } } } }'],
];

describe('refusals before execution are unchanged', () => {
  it.each(REFUSED_BEFORE_EXECUTION)('%s', async (_name, caller, query) => {
    const { ours, theirs, counted } = await both(query, caller);
    expect(comparable(ours)).toEqual(comparable(theirs));
    expect(ours.body.errors?.length).toBeGreaterThan(0);
    expect(counted).toEqual({});
  });
});

/** Requests graphql-js runs, by rule; the answer is still the reference's. */
const FALLBACK_CASES: [string, Caller, string, Record<string, unknown> | undefined, string][] = [
  ['introspection', 'marketer', '{ __schema { queryType { name } types { name } } }', undefined, 'introspection'],
  ['introspection through a fragment', 'marketer', '{ ...i } fragment i on Query { __type(name: "Customer") { fields { name } } }', undefined, 'introspection'],
  ['variables that do not coerce', 'marketer', 'query($n: Int) { customers(first: $n) { totalCount } }', { n: 'ten' }, 'variables'],
  ['a missing non-null variable', 'support', 'query($id: ID!) { customer(id: $id) { id } }', {}, 'variables'],
];

describe('explicit fallbacks to graphql-js', () => {
  it.each(FALLBACK_CASES)('%s → graphql-js', async (_name, caller, query, variables, reason) => {
    const { ours, theirs, counted } = await both(query, caller, variables);
    expect(comparable(ours)).toEqual(comparable(theirs));
    expect(counted[fallback(reason)]).toBe(1);
    expect(counted[COMPILED]).toBeUndefined();
  });

  it('bad variables stay BAD_USER_INPUT with HTTP 400', async () => {
    const { ours } = await both('query($n: Int) { customers(first: $n) { totalCount } }', 'marketer', { n: 'ten' });
    expect(ours.status).toBe(400);
    expect(ours.body.errors?.map((error) => error.extensions?.code)).toEqual(['BAD_USER_INPUT']);
  });

  it('a document with two operations and no operationName is refused as before, executing nothing', async () => {
    const { ours, theirs, counted } = await both('query A { me { id } } query B { me { id } }', 'customer');
    expect(comparable(ours)).toEqual(comparable(theirs));
    expect(ours.body.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect(counted[COMPILED]).toBeUndefined();
  });

  it('GRAPHQL_EXECUTOR=graphql-js runs everything on graphql-js', async () => {
    const before = await executionCounts(reference);
    await reference.gql('{ customers(first: 2) { edges { node { id } } } }', options('marketer', reference));
    expect(delta(before, await executionCounts(reference))).toEqual({ [fallback('disabled')]: 1 });
  });
});

describe('unexpected errors inside compiled execution', () => {
  it('a failing store behind a function-valued field (totalCount) is INTERNAL_SERVER_ERROR, masked, logged and audited, like graphql-js', async () => {
    failing.count = true;
    let result: Awaited<ReturnType<typeof both>>;
    try {
      result = await both('{ customers(first: 3) { totalCount edges { node { id } } } }', 'marketer');
    } finally {
      failing.count = false;
    }
    const { ours, theirs, counted } = result;
    expect(counted[COMPILED]).toBe(1);
    expect(comparable(ours)).toEqual(comparable(theirs));
    expect(ours.body.data).toBeNull();
    expect(ours.body.errors).toEqual([{ message: 'Internal server error', locations: [{ line: 1, column: 25 }], path: ['customers', 'totalCount'], extensions: { code: 'INTERNAL_SERVER_ERROR' } }]);
    expect(JSON.stringify(ours.body)).not.toContain('jane.leak');
    const requestId = ours.headers.get('x-request-id');
    const logged = logLines.filter((line) => line.requestId === requestId && line.msg === 'unexpected error');
    expect(logged).toHaveLength(1);
    expect(JSON.stringify(logLines)).not.toContain('jane.leak');
    const audit = await compiled.store.collection<AuditEventDocument>('audit').find({ requestId: requestId! });
    expect(audit.filter((event) => event.decision === 'ERROR').map((event) => event.operation)).toEqual(['Query.customers']);
  });
});

describe('the plan cache', () => {
  it('compiles a document once per visibility class and reuses the plan', async () => {
    const query = '{ customers(first: 2) { edges { node { id country } } } plansCacheProbe: customers(first: 1) { totalCount } }';
    const first = await both(query, 'marketer');
    expect(first.counted).toMatchObject({ [MISS]: 1, [COMPILED]: 1 });
    const second = await both(query, 'marketer');
    expect(second.counted).toMatchObject({ [HIT]: 1, [COMPILED]: 1 });
    expect(second.counted[MISS]).toBeUndefined();
    // Another class never gets the marketer's plan: its own cache compiles it afresh.
    const analyst = await both(query, 'analyst');
    expect(analyst.counted).toMatchObject({ [MISS]: 1, [COMPILED]: 1 });
    expect(comparable(analyst.ours)).toEqual(comparable(analyst.theirs));
  });

  it('is bounded by EXECUTION_PLAN_CACHE_SIZE: the least recently used plan is compiled again', async () => {
    const small = await startTestGateway({ customers: 5, env: { GRAPHQL_EXECUTOR: 'compiled', EXECUTION_PLAN_CACHE_SIZE: '2', EXECUTION_COMPILE_AFTER: '1' } });
    try {
      const token = await small.token({ role: 'marketer', purposes: ['MARKETING'], sub: 'mk-1' });
      const run = async (query: string) => {
        const before = await executionCounts(small);
        const response = await small.gql(query, { token });
        expect(response.body.errors).toBeUndefined();
        const changed = delta(before, await executionCounts(small));
        return changed[HIT] === 1 ? 'hit' : changed[MISS] === 1 ? 'miss' : changed[COLD] === 1 ? 'cold' : 'none';
      };
      const [a, b, c] = ['{ customers(first: 1) { totalCount } }', '{ customers(first: 2) { totalCount } }', '{ customers(first: 3) { totalCount } }'];
      // a and b fill the cache; using a again makes b the least recently used, so c evicts b, not a.
      expect([await run(a!), await run(b!), await run(a!), await run(c!), await run(a!), await run(b!)]).toEqual(['miss', 'miss', 'hit', 'miss', 'hit', 'miss']);
    } finally {
      await small.close();
    }
  });

  it('compiles a document only when it comes back (EXECUTION_COMPILE_AFTER, default 2): one-off documents never compile', async () => {
    const defaults = await startTestGateway({ customers: 5, env: { GRAPHQL_EXECUTOR: 'compiled', EXECUTION_COMPILE_AFTER: '' } });
    try {
      expect(defaults.config.execution.compileAfter).toBe(2);
      const token = await defaults.token({ role: 'marketer', purposes: ['MARKETING'], sub: 'mk-1' });
      const run = async (query: string) => {
        const before = await executionCounts(defaults);
        const response = await defaults.gql(query, { token });
        expect(response.body.errors).toBeUndefined();
        return delta(before, await executionCounts(defaults));
      };
      const page = '{ customers(first: 4) { edges { node { id country } } } }';
      expect(await run(page)).toEqual({ [COLD]: 1, [fallback('cold')]: 1 });
      expect(await run(page)).toEqual({ [MISS]: 1, [COMPILED]: 1 });
      expect(await run(page)).toEqual({ [HIT]: 1, [COMPILED]: 1 });
      for (let first = 5; first < 10; first += 1) {
        expect(await run(`{ customers(first: ${first}) { totalCount } }`)).toEqual({ [COLD]: 1, [fallback('cold')]: 1 });
      }
    } finally {
      await defaults.close();
    }
  });
});
