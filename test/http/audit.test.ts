/**
 * The record of processing, through the real HTTP server: every request that reads @pii fields,
 * every denial and every data-subject operation leaves exactly one audit event with the right who,
 * what and whom; only the privacy officer can read the trail; and when the audit cannot be stored,
 * the response carries no personal data.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { roleTokens, startTestGateway, type GqlResponse, type TestGateway } from '../helpers/gateway';

type Tokens = Awaited<ReturnType<typeof roleTokens>>;

const EVENT_FIELDS = 'id sequence at actor role partnerId purpose operation subjectIds fields decision requestId kind detail';

interface AuditEventView {
  id: string; sequence: number; at: string; actor: string | null; role: string | null; partnerId: string | null;
  purpose: string | null; operation: string; subjectIds: string[]; fields: string[]; decision: string;
  requestId: string; kind: string; detail: Record<string, unknown>;
}

let gw: TestGateway;
let tokens: Tokens;
let ids: string[];

async function eventsOf(requestId: string): Promise<AuditEventView[]> {
  const result = await gw.gql(`query($f: AuditEventFilter) { auditEvents(filter: $f, first: 500) { edges { node { ${EVENT_FIELDS} } } } }`, {
    token: tokens.officer, purpose: 'LEGAL_COMPLIANCE', variables: { f: { requestId } },
  });
  expect(result.body.errors).toBeUndefined();
  return result.body.data!.auditEvents.edges.map((edge: { node: AuditEventView }) => edge.node);
}

/** Subject ids present in a response body (every Customer selection asks for id). */
function customerIds(value: unknown, found = new Set<string>()): Set<string> {
  if (Array.isArray(value)) for (const item of value) customerIds(item, found);
  else if (value !== null && typeof value === 'object') {
    for (const [key, child] of Object.entries(value)) {
      if (key === 'id' && typeof child === 'string' && child.startsWith('cus_')) found.add(child);
      else customerIds(child, found);
    }
  }
  return found;
}

/** Non-zero redaction counts from extensions.privacy, as the audit detail stores them. */
function redactionsOf(response: GqlResponse): { coordinate: string; reason: string; count: number }[] {
  const rows = [];
  for (const [coordinate, reasons] of Object.entries(response.body.extensions?.privacy?.redactions ?? {})) {
    for (const [reason, count] of Object.entries(reasons)) if (count > 0) rows.push({ coordinate, reason, count });
  }
  return rows;
}

beforeAll(async () => {
  gw = await startTestGateway({ customers: 120 });
  tokens = await roleTokens(gw);
  const docs = await gw.store.collection('customers').find({}, { sort: { _id: 1 }, limit: 10 });
  ids = docs.map((doc) => doc._id);
});
afterAll(async () => gw?.close());

describe('completeness: one READ event per request that touched @pii fields', () => {
  const cases: { name: string; token: keyof Tokens; purpose: string; query: string; operation: string; fields: string[]; variables?: () => Record<string, unknown> }[] = [
    {
      name: 'marketer lists customers', token: 'marketer', purpose: 'MARKETING',
      query: '{ customers(first: 5) { edges { node { id email fullName country } } } }',
      operation: 'Query.customers', fields: ['Customer.country', 'Customer.email', 'Customer.fullName'],
    },
    {
      name: 'analyst reads pseudonymized identifiers', token: 'analyst', purpose: 'ANALYTICS',
      query: '{ customers(first: 3) { edges { node { id email birthDate } } } }',
      operation: 'Query.customers', fields: ['Customer.birthDate', 'Customer.email'],
    },
    {
      name: 'support reads one customer', token: 'support', purpose: 'SUPPORT',
      query: 'query($id: ID!) { customer(id: $id) { id phone consents { purpose status } } }',
      variables: () => ({ id: ids[3] }),
      operation: 'Query.customer', fields: ['Customer.consents', 'Customer.phone'],
    },
    {
      name: 'privacy officer reads everything in clear', token: 'officer', purpose: 'LEGAL_COMPLIANCE',
      query: '{ customers(first: 4) { edges { node { id email phone fullName birthDate } } } }',
      operation: 'Query.customers', fields: ['Customer.birthDate', 'Customer.email', 'Customer.fullName', 'Customer.phone'],
    },
    {
      name: 'two root fields through a fragment', token: 'officer', purpose: 'LEGAL_COMPLIANCE',
      query: 'query($id: ID!) { ...Both } fragment Both on Query { one: customer(id: $id) { id email } customers(first: 2) { edges { node { id country } } } }',
      variables: () => ({ id: ids[7] }),
      operation: 'Query.customer, Query.customers', fields: ['Customer.country', 'Customer.email'],
    },
  ];

  it.each(cases)('$name', async ({ token, purpose, query, variables, operation, fields }) => {
    const response = await gw.gql(query, { token: tokens[token], purpose, variables: variables?.() });
    expect(response.status).toBe(200);
    expect(response.body.errors).toBeUndefined();
    const requestId = response.headers.get('x-request-id')!;
    const events = await eventsOf(requestId);
    const redactions = redactionsOf(response);
    expect(events).toHaveLength(1);
    const claims = JSON.parse(Buffer.from(tokens[token].split('.')[1]!, 'base64url').toString()) as { sub: string; role: string };
    expect(events[0]).toMatchObject({
      kind: 'READ', operation, fields, requestId, actor: claims.sub, role: claims.role, purpose, partnerId: null,
      subjectIds: [...customerIds(response.body.data)].sort(),
      decision: redactions.length > 0 ? 'REDACT' : 'ALLOW',
    });
    expect((events[0]!.detail.redactions as unknown[]).length).toBe(redactions.length);
    expect(events[0]!.detail.redactions).toEqual(expect.arrayContaining(redactions));
  });

  it('N requests touching personal data leave N events, one per request id', async () => {
    const before = (await gw.gql('{ auditEvents(first: 0) { totalCount } }', { token: tokens.officer, purpose: 'LEGAL_COMPLIANCE' })).body.data!.auditEvents.totalCount as number;
    const responses = await Promise.all(ids.map((id) => gw.gql('query($id: ID!) { customer(id: $id) { id email } }', {
      token: tokens.support, purpose: 'SUPPORT', variables: { id },
    })));
    const after = (await gw.gql('{ auditEvents(first: 0) { totalCount } }', { token: tokens.officer, purpose: 'LEGAL_COMPLIANCE' })).body.data!.auditEvents.totalCount as number;
    expect(after - before).toBe(ids.length);
    for (const [i, response] of responses.entries()) {
      const events = await eventsOf(response.headers.get('x-request-id')!);
      expect(events.map((event) => [event.operation, event.subjectIds, event.fields])).toEqual([['Query.customer', [ids[i]], ['Customer.email']]]);
    }
  });

  it('a request that touches no personal data leaves no event', async () => {
    const response = await gw.gql('{ privacyManifest { purposes { name } } }');
    expect(response.body.errors).toBeUndefined();
    expect(await eventsOf(response.headers.get('x-request-id')!)).toEqual([]);
  });
});

describe('denials: one DENY event naming the operation and the failure kind', () => {
  const cases: { name: string; token: () => Promise<string | null>; purpose?: string; query: string; code: string; operation: string; kind: string; actor: string | null }[] = [
    { name: 'no token', token: async () => null, query: '{ customers(first: 1) { totalCount } }', code: 'UNAUTHENTICATED', operation: 'Query.customers', kind: 'unauthenticated', actor: null },
    { name: 'partner reads customers', token: async () => tokens.partner, query: '{ customers(first: 1) { totalCount } }', code: 'FORBIDDEN', operation: 'Query.customers', kind: 'role', actor: 'demo-partner' },
    { name: 'marketer reads the audit trail', token: async () => tokens.marketer, purpose: 'MARKETING', query: '{ auditEvents { totalCount } }', code: 'FORBIDDEN', operation: 'Query.auditEvents', kind: 'role', actor: 'mk-1' },
    { name: 'officer states no purpose', token: async () => tokens.officer, query: '{ customers(first: 1) { totalCount } }', code: 'PURPOSE_REQUIRED', operation: 'Query.customers', kind: 'purpose-required', actor: 'po-1' },
    {
      name: 'partner without segments:read', query: '{ segments { id } }', code: 'FORBIDDEN', operation: 'Query.segments', kind: 'scope', actor: 'demo-partner',
      token: () => gw.token({ role: 'partner', purposes: ['ANALYTICS'], sub: 'demo-partner', partnerId: 'demo-partner' }),
    },
  ];

  it.each(cases)('$name → $code, audited as $kind', async ({ token, purpose, query, code, operation, kind, actor }) => {
    const response = await gw.gql(query, { token: await token(), purpose });
    expect(response.body.errors?.map((error) => error.extensions?.code)).toEqual([code]);
    const events = await eventsOf(response.headers.get('x-request-id')!);
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ kind: 'DENIAL', decision: 'DENY', operation, actor, subjectIds: [], fields: [], detail: { kind } });
  });
});

describe('only the privacy officer reads the audit', () => {
  const queries = {
    auditEvents: '{ auditEvents { totalCount } }',
    verifyAuditChain: '{ verifyAuditChain { ok } }',
    complianceSummary: '{ complianceSummary { auditEvents } }',
  };
  const callers: [string, keyof Tokens | 'customer', string | undefined][] = [
    ['marketer', 'marketer', 'MARKETING'], ['analyst', 'analyst', 'ANALYTICS'], ['support', 'support', 'SUPPORT'],
    ['partner', 'partner', 'ANALYTICS'], ['customer', 'customer', undefined],
  ];
  const table = Object.entries(queries).flatMap(([field, query]) => callers.map(([role, token, purpose]) => ({ field, query, role, token, purpose })));

  it.each(table)('$role → FORBIDDEN for $field', async ({ field, query, token, purpose }) => {
    const jwt = token === 'customer' ? await gw.token({ role: 'customer', purposes: [], sub: ids[0] }) : tokens[token];
    const response = await gw.gql(query, { token: jwt, purpose });
    // Refused by the gate (path [field]) or, with per-role schemas, before execution (no path): FORBIDDEN either way.
    expect(response.body.errors?.map((error) => error.extensions?.code)).toEqual(['FORBIDDEN']);
    expect(response.body.errors?.[0]?.path ?? [field]).toEqual([field]);
    expect(response.body.data ?? null).toBeNull();
  });

  it.each(Object.entries(queries))('no token → UNAUTHENTICATED for %s', async (field, query) => {
    const response = await gw.gql(query);
    expect(response.body.errors?.map((error) => error.extensions?.code)).toEqual(['UNAUTHENTICATED']);
  });

  it('no mutation can alter or delete audit events', async () => {
    const response = await gw.gql('{ __schema { mutationType { fields { name type { name ofType { name } } } } } }', { token: tokens.officer, purpose: 'LEGAL_COMPLIANCE' });
    const fields = response.body.data!.__schema.mutationType.fields as { name: string; type: { name: string | null; ofType: { name: string | null } | null } }[];
    expect(fields.length).toBeGreaterThan(0);
    for (const field of fields) {
      expect(field.name).not.toMatch(/audit/i);
      expect([field.type.name, field.type.ofType?.name]).not.toContain('AuditEvent');
    }
  });
});

describe('auditEvents filters and pagination', () => {
  it('filters by actor, subjectId, operation and decision', async () => {
    const read = await gw.gql('query($id: ID!) { customer(id: $id) { id email } }', { token: tokens.support, purpose: 'SUPPORT', variables: { id: ids[5] } });
    const requestId = read.headers.get('x-request-id')!;
    const query = `query($f: AuditEventFilter) { auditEvents(filter: $f, first: 500) { totalCount edges { node { requestId actor subjectIds operation decision } } } }`;
    const filters = [{ actor: 'sp-1' }, { subjectId: ids[5] }, { operation: 'Query.customer' }, { decision: 'ALLOW', actor: 'sp-1' }];
    for (const f of filters) {
      const result = await gw.gql(query, { token: tokens.officer, purpose: 'LEGAL_COMPLIANCE', variables: { f } });
      const nodes = result.body.data!.auditEvents.edges.map((edge: { node: AuditEventView }) => edge.node) as AuditEventView[];
      expect(nodes.map((node) => node.requestId)).toContain(requestId);
      for (const node of nodes) {
        if ('actor' in f) expect(node.actor).toBe(f.actor);
        if ('subjectId' in f) expect(node.subjectIds).toContain(f.subjectId);
        if ('operation' in f) expect(node.operation.split(', ')).toContain(f.operation);
        if ('decision' in f) expect(node.decision).toBe(f.decision);
      }
    }
    const none = await gw.gql(query, { token: tokens.officer, purpose: 'LEGAL_COMPLIANCE', variables: { f: { actor: 'nobody' } } });
    expect(none.body.data!.auditEvents).toEqual({ totalCount: 0, edges: [] });
  });

  it('since/until bound the window', async () => {
    const since = new Date().toISOString();
    const read = await gw.gql('query($id: ID!) { customer(id: $id) { id phone } }', { token: tokens.support, purpose: 'SUPPORT', variables: { id: ids[6] } });
    const until = new Date(Date.now() + 1).toISOString();
    const query = 'query($f: AuditEventFilter) { auditEvents(filter: $f, first: 500) { edges { node { requestId at } } } }';
    const inside = await gw.gql(query, { token: tokens.officer, purpose: 'LEGAL_COMPLIANCE', variables: { f: { since, until } } });
    expect(inside.body.data!.auditEvents.edges.map((edge: { node: AuditEventView }) => edge.node.requestId)).toEqual([read.headers.get('x-request-id')]);
    const before = await gw.gql(query, { token: tokens.officer, purpose: 'LEGAL_COMPLIANCE', variables: { f: { until: since } } });
    expect(before.body.data!.auditEvents.edges.map((edge: { node: AuditEventView }) => edge.node.requestId)).not.toContain(read.headers.get('x-request-id'));
  });

  it.each(['NEWEST_FIRST', 'OLDEST_FIRST'])('pages %s through every event exactly once', async (order) => {
    const seen: number[] = [];
    let after: string | null = null;
    let total = 0;
    for (;;) {
      const page: GqlResponse<Record<string, any>> = await gw.gql('query($after: String, $order: AuditOrder) { auditEvents(first: 7, after: $after, order: $order) { totalCount pageInfo { hasNextPage endCursor } edges { cursor node { sequence } } } }', {
        token: tokens.officer, purpose: 'LEGAL_COMPLIANCE', variables: { after, order },
      });
      const connection = page.body.data!.auditEvents;
      total = connection.totalCount;
      seen.push(...connection.edges.map((edge: { node: { sequence: number } }) => edge.node.sequence));
      if (!connection.pageInfo.hasNextPage) break;
      after = connection.pageInfo.endCursor;
    }
    expect(seen).toHaveLength(total);
    const sorted = [...seen].sort((a, b) => (order === 'NEWEST_FIRST' ? b - a : a - b));
    expect(seen).toEqual(sorted);
    expect(new Set(seen).size).toBe(total);
  });

  it.each([[501], [-1]])('first: %i → BAD_USER_INPUT', async (first) => {
    const response = await gw.gql('query($first: Int) { auditEvents(first: $first) { totalCount } }', { token: tokens.officer, purpose: 'LEGAL_COMPLIANCE', variables: { first } });
    expect(response.body.errors?.map((error) => error.extensions?.code)).toEqual(['BAD_USER_INPUT']);
  });

  it('a forged cursor → BAD_USER_INPUT', async () => {
    const response = await gw.gql('{ auditEvents(after: "bm90LWEtY3Vyc29y") { totalCount } }', { token: tokens.officer, purpose: 'LEGAL_COMPLIANCE' });
    expect(response.body.errors?.map((error) => error.extensions?.code)).toEqual(['BAD_USER_INPUT']);
  });
});

describe('data-subject operations and the compliance summary', () => {
  it('setConsent by the subject is one OPERATION event, counted as a data-subject request', async () => {
    const since = new Date().toISOString();
    const subject = ids[2]!;
    const customer = await gw.token({ role: 'customer', purposes: [], sub: subject });
    const response = await gw.gql('mutation($id: ID!) { setConsent(customerId: $id, purpose: MARKETING, status: WITHDRAWN) { status } }', { token: customer, variables: { id: subject } });
    expect(response.body.errors).toBeUndefined();
    const events = await eventsOf(response.headers.get('x-request-id')!);
    expect(events.filter((event) => event.kind === 'OPERATION')).toEqual([
      expect.objectContaining({ operation: 'Mutation.setConsent', subjectIds: [subject], actor: subject, role: 'customer', decision: 'ALLOW' }),
    ]);
    const summary = await gw.gql('query($since: DateTime) { complianceSummary(since: $since) { dataSubjectRequests { operation count } } }', {
      token: tokens.officer, purpose: 'LEGAL_COMPLIANCE', variables: { since },
    });
    expect(summary.body.data!.complianceSummary.dataSubjectRequests).toContainEqual({ operation: 'Mutation.setConsent', count: 1 });
  });

  it('redactions and denials in the window add up to what the responses reported', async () => {
    const since = new Date().toISOString();
    const responses = [
      await gw.gql('{ customers(first: 20) { edges { node { id email phone birthDate } } } }', { token: tokens.marketer, purpose: 'MARKETING' }),
      await gw.gql('{ customers(first: 10) { edges { node { id email fullName } } } }', { token: tokens.analyst, purpose: 'ANALYTICS' }),
    ];
    await gw.gql('{ customers(first: 1) { totalCount } }', { token: tokens.partner });
    await gw.gql('{ auditEvents { totalCount } }', { token: tokens.support, purpose: 'SUPPORT' });
    const expected = new Map<string, number>();
    for (const response of responses) {
      for (const { coordinate, reason, count } of redactionsOf(response)) expected.set(`${coordinate} ${reason}`, (expected.get(`${coordinate} ${reason}`) ?? 0) + count);
    }
    expect(expected.size).toBeGreaterThan(2);
    const summary = await gw.gql('query($since: DateTime) { complianceSummary(since: $since) { redactions { coordinate reason count } denials { coordinate reason count } consentCoverage { purpose granted denied withdrawn none } } }', {
      token: tokens.officer, purpose: 'LEGAL_COMPLIANCE', variables: { since },
    });
    const result = summary.body.data!.complianceSummary;
    expect(new Map(result.redactions.map((row: { coordinate: string; reason: string; count: number }) => [`${row.coordinate} ${row.reason}`, row.count]))).toEqual(expected);
    expect(result.denials).toEqual([
      { coordinate: 'Query.auditEvents', reason: 'role', count: 1 },
      { coordinate: 'Query.customers', reason: 'role', count: 1 },
    ]);
    const customers = await gw.store.collection('customers').find({ erasedAt: { $exists: false } });
    for (const purpose of ['MARKETING', 'PERSONALIZATION', 'THIRD_PARTY_SHARING', 'ANALYTICS']) {
      const count = (status: string | undefined) => customers.filter((doc) => (doc.consents as Record<string, { status: string } | undefined>)[purpose]?.status === status).length;
      expect(result.consentCoverage).toContainEqual({ purpose, granted: count('GRANTED'), denied: count('DENIED'), withdrawn: count('WITHDRAWN'), none: count(undefined) });
    }
  });

  it('since after until → BAD_USER_INPUT', async () => {
    const response = await gw.gql('{ complianceSummary(since: "2026-02-01T00:00:00Z", until: "2026-01-01T00:00:00Z") { auditEvents } }', { token: tokens.officer, purpose: 'LEGAL_COMPLIANCE' });
    expect(response.body.errors?.map((error) => error.extensions?.code)).toEqual(['BAD_USER_INPUT']);
  });
});
