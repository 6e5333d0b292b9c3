/**
 * A hostile caller's inputs, one row each: the HTTP status, the contract code, no stack trace and no
 * echo of the hostile value in the answer, and the process still answers /healthz afterwards.
 */
import { SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { secretKey, TOKEN_AUDIENCE } from '../../src/auth/tokens';
import { startTestGateway, type TestGateway } from '../helpers/gateway';

interface Attempt {
  method?: 'GET' | 'POST';
  /** Query string for GET. */
  search?: Record<string, string>;
  headers?: Record<string, string>;
  /** Sent as is when a string, JSON-encoded otherwise. */
  body?: unknown;
}

interface Row {
  name: string;
  attempt: (ctx: Ctx) => Promise<Attempt> | Attempt;
  status: number;
  code: string;
  /** Text that must not appear anywhere in the response (the hostile value). */
  notEchoed?: string;
}

interface Ctx {
  gw: TestGateway;
  marketer: string;
  officer: string;
}

const QUERY = '{ customers(first: 1) { totalCount } }';

function b64url(value: object): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}

async function signed(ctx: Ctx, claims: Record<string, unknown>, options: { alg?: string; secret?: string; audience?: string; expiresIn?: string | number | null } = {}): Promise<string> {
  let jwt = new SignJWT({ role: 'marketer', purposes: ['MARKETING'], ...claims })
    .setProtectedHeader({ alg: options.alg ?? 'HS256', typ: 'JWT' })
    .setSubject('mk-evil')
    .setAudience(options.audience ?? TOKEN_AUDIENCE)
    .setIssuedAt();
  if (options.expiresIn !== null) jwt = jwt.setExpirationTime(options.expiresIn ?? '1h');
  return jwt.sign(secretKey(options.secret ?? ctx.gw.config.jwtSecret));
}

function bearer(token: string, query = QUERY, variables?: Record<string, unknown>): Attempt {
  return { headers: { authorization: `Bearer ${token}`, 'x-purpose': 'MARKETING' }, body: { query, variables } };
}

function asMarketer(ctx: Ctx, query: string, variables?: Record<string, unknown>): Attempt {
  return bearer(ctx.marketer, query, variables);
}

function asOfficer(ctx: Ctx, query: string, variables?: Record<string, unknown>): Attempt {
  return { headers: { authorization: `Bearer ${ctx.officer}`, 'x-purpose': 'LEGAL_COMPLIANCE' }, body: { query, variables } };
}

const SUMMARY = 'query($s: DateTime) { complianceSummary(since: $s) { since } }';
const REGISTER = 'mutation($at: DateTime!) { registerPartner(input: { id: "p-x", name: "x", purposes: [ANALYTICS], agreementExpiresAt: $at }) { id } }';

const fragmentCycle = 'fragment A on Query { ...B } fragment B on Query { ...A } { ...A }';
const deepIntrospection = `{ __schema { types { ${'fields { type { '.repeat(6)}name${' } }'.repeat(6)} } } }`;
const ofTypeChain = `{ __type(name: "Customer") { ${'ofType { '.repeat(30)}name${' }'.repeat(30)} } }`;

const ROWS: Row[] = [
  // Tokens
  { name: 'token that is not a JWT', attempt: () => bearer('not-a-jwt'), status: 401, code: 'UNAUTHENTICATED' },
  { name: 'three garbage segments', attempt: () => bearer('abc.def.ghi'), status: 401, code: 'UNAUTHENTICATED' },
  { name: 'Basic instead of Bearer', attempt: () => ({ headers: { authorization: 'Basic dXNlcjpwYXNz' }, body: { query: QUERY } }), status: 401, code: 'UNAUTHENTICATED' },
  { name: 'Bearer with no token', attempt: () => ({ headers: { authorization: 'Bearer ' }, body: { query: QUERY } }), status: 401, code: 'UNAUTHENTICATED' },
  { name: 'oversized token (8 KB, over the 4 KB cap)', attempt: () => bearer(`eyJ${'a'.repeat(8_192)}`), status: 401, code: 'UNAUTHENTICATED' },
  { name: 'alg none', attempt: () => bearer(`${b64url({ alg: 'none', typ: 'JWT' })}.${b64url({ sub: 'x', role: 'privacy_officer', purposes: ['LEGAL_COMPLIANCE'], aud: TOKEN_AUDIENCE, exp: Math.floor(Date.now() / 1000) + 3600 })}.`), status: 401, code: 'UNAUTHENTICATED' },
  { name: 'HS512 with the right secret', attempt: async (ctx) => bearer(await signed(ctx, {}, { alg: 'HS512' })), status: 401, code: 'UNAUTHENTICATED' },
  { name: 'signed with another secret', attempt: async (ctx) => bearer(await signed(ctx, {}, { secret: 'another-secret-that-is-long-enough-0123456789' })), status: 401, code: 'UNAUTHENTICATED' },
  { name: 'expired token', attempt: async (ctx) => bearer(await signed(ctx, {}, { expiresIn: Math.floor(Date.now() / 1000) - 60 })), status: 401, code: 'UNAUTHENTICATED' },
  { name: 'token without exp', attempt: async (ctx) => bearer(await signed(ctx, {}, { expiresIn: null })), status: 401, code: 'UNAUTHENTICATED' },
  { name: 'wrong audience', attempt: async (ctx) => bearer(await signed(ctx, {}, { audience: 'someone-else' })), status: 401, code: 'UNAUTHENTICATED' },
  { name: 'not valid yet (nbf in an hour)', attempt: async (ctx) => bearer(await signed(ctx, { nbf: Math.floor(Date.now() / 1000) + 3600 })), status: 401, code: 'UNAUTHENTICATED' },
  { name: 'unknown role claim', attempt: async (ctx) => bearer(await signed(ctx, { role: 'root' })), status: 401, code: 'UNAUTHENTICATED', notEchoed: 'root' },
  { name: 'partner token for an unregistered partner', attempt: async (ctx) => bearer(await signed(ctx, { role: 'partner', partner_id: 'evil-corp', scope: 'segments:read', purposes: ['ANALYTICS'] }), '{ segments { id } }'), status: 403, code: 'FORBIDDEN', notEchoed: 'evil-corp' },
  { name: 'purpose the token does not hold', attempt: (ctx) => ({ headers: { authorization: `Bearer ${ctx.marketer}`, 'x-purpose': 'LEGAL_COMPLIANCE' }, body: { query: QUERY } }), status: 403, code: 'PURPOSE_NOT_ALLOWED' },
  // Query shape
  { name: 'alias bomb', attempt: (ctx) => asMarketer(ctx, `{ ${Array.from({ length: 100 }, (_, i) => `a${i}: customers(first: 500) { totalCount }`).join(' ')} }`), status: 400, code: 'QUERY_TOO_COMPLEX' },
  { name: 'depth bomb through __type.ofType', attempt: (ctx) => asMarketer(ctx, ofTypeChain), status: 400, code: 'QUERY_TOO_COMPLEX' },
  { name: '__schema trick: fields of types of fields, six levels', attempt: () => ({ body: { query: deepIntrospection } }), status: 400, code: 'QUERY_TOO_COMPLEX' },
  { name: 'circular fragments', attempt: (ctx) => asMarketer(ctx, fragmentCycle), status: 400, code: 'BAD_USER_INPUT' },
  { name: 'self-referencing fragment', attempt: (ctx) => asMarketer(ctx, 'fragment A on Query { ...A } { ...A }'), status: 400, code: 'BAD_USER_INPUT' },
  { name: 'syntax error', attempt: (ctx) => asMarketer(ctx, '{ customers(first: 1) { totalCount '), status: 400, code: 'BAD_USER_INPUT' },
  { name: 'two operations, no operationName', attempt: (ctx) => asMarketer(ctx, 'query A { __typename } query B { __typename }'), status: 400, code: 'BAD_USER_INPUT' },
  { name: 'typo in a field: no suggestion for a marketer', attempt: (ctx) => asMarketer(ctx, '{ customers(first: 1) { totalCont } }'), status: 400, code: 'BAD_USER_INPUT', notEchoed: 'Did you mean' },
  { name: 'Int overflow in first', attempt: (ctx) => asMarketer(ctx, '{ customers(first: 99999999999) { totalCount } }'), status: 400, code: 'BAD_USER_INPUT', notEchoed: '99999999999' },
  // Inputs
  { name: 'NoSQL operator object as a String variable', attempt: (ctx) => asMarketer(ctx, 'query($c: String) { customers(first: 1, filter: { country: $c }) { totalCount } }', { c: { $gt: '' } }), status: 400, code: 'BAD_USER_INPUT', notEchoed: '$gt' },
  { name: 'NoSQL $where inside the filter input', attempt: (ctx) => asMarketer(ctx, 'query($f: CustomerFilter) { customers(first: 1, filter: $f) { totalCount } }', { f: { $where: 'sleep(5000) || true' } }), status: 400, code: 'BAD_USER_INPUT', notEchoed: 'sleep(5000)' },
  { name: 'NoSQL $ne in a filter field', attempt: (ctx) => asMarketer(ctx, 'query($f: CustomerFilter) { customers(first: 1, filter: $f) { totalCount } }', { f: { country: { $ne: null } } }), status: 400, code: 'BAD_USER_INPUT', notEchoed: '$ne' },
  { name: 'NoSQL operator as an ID argument', attempt: (ctx) => asMarketer(ctx, 'query($id: ID) { customer(id: $id) { id } }', { id: { $regex: '.*' } }), status: 400, code: 'BAD_USER_INPUT', notEchoed: '$regex' },
  { name: 'unknown enum literal', attempt: (ctx) => asMarketer(ctx, '{ customers(first: 1, filter: { loyaltyTier: DIAMOND }) { totalCount } }'), status: 400, code: 'BAD_USER_INPUT', notEchoed: 'DIAMOND' },
  { name: 'unknown enum in a variable', attempt: (ctx) => asMarketer(ctx, 'query($t: LoyaltyTier) { customers(first: 1, filter: { loyaltyTier: $t }) { totalCount } }', { t: 'DIAMOND_SECRET' }), status: 400, code: 'BAD_USER_INPUT', notEchoed: 'DIAMOND_SECRET' },
  { name: 'huge variables within the body limit', attempt: (ctx) => asMarketer(ctx, 'query($c: String) { customers(first: 1, filter: { country: $c }) { totalCount } }', { c: Array.from({ length: 20_000 }, () => 7) }), status: 400, code: 'BAD_USER_INPUT' },
  { name: 'variables as a string', attempt: (ctx) => ({ ...asMarketer(ctx, QUERY), body: { query: QUERY, variables: '{"a":1}' } }), status: 400, code: 'BAD_USER_INPUT' },
  { name: 'query that is not a string', attempt: (ctx) => ({ ...asMarketer(ctx, QUERY), body: { query: 42 } }), status: 400, code: 'BAD_USER_INPUT' },
  { name: 'no query at all', attempt: (ctx) => ({ ...asMarketer(ctx, QUERY), body: { variables: {} } }), status: 400, code: 'BAD_USER_INPUT' },
  { name: 'invalid DateTime literal', attempt: (ctx) => asOfficer(ctx, '{ complianceSummary(since: "2026-13-45T25:61:00Z-SECRET-LITERAL") { since } }'), status: 400, code: 'BAD_USER_INPUT', notEchoed: 'SECRET-LITERAL' },
  { name: 'invalid DateTime variable', attempt: (ctx) => asOfficer(ctx, SUMMARY, { s: 'jane.doe@example.com' }), status: 400, code: 'BAD_USER_INPUT', notEchoed: 'jane.doe' },
  { name: 'DateTime variable without a time zone', attempt: (ctx) => asOfficer(ctx, SUMMARY, { s: '2026-01-01T00:00:00-SECRET' }), status: 400, code: 'BAD_USER_INPUT', notEchoed: 'SECRET' },
  { name: 'DateTime variable of the wrong type', attempt: (ctx) => asOfficer(ctx, SUMMARY, { s: { $gt: 'SECRET-OBJECT' } }), status: 400, code: 'BAD_USER_INPUT', notEchoed: 'SECRET-OBJECT' },
  { name: 'invalid DateTime in a mutation input', attempt: (ctx) => asOfficer(ctx, REGISTER, { at: '31/12/2099 SECRET-DATE' }), status: 400, code: 'BAD_USER_INPUT', notEchoed: 'SECRET-DATE' },
  // Persisted queries are off: a hash alone, or a document with a hash, is refused alike.
  { name: 'persisted-query hash only', attempt: (ctx) => ({ ...asMarketer(ctx, QUERY), body: { extensions: { persistedQuery: { version: 1, sha256Hash: 'a'.repeat(64) } } } }), status: 200, code: 'BAD_USER_INPUT' },
  { name: 'document with a persisted-query hash', attempt: (ctx) => ({ ...asMarketer(ctx, QUERY), body: { query: QUERY, extensions: { persistedQuery: { version: 1, sha256Hash: 'b'.repeat(64) } } } }), status: 200, code: 'BAD_USER_INPUT' },
  // HTTP
  { name: 'body over the size limit', attempt: (ctx) => asMarketer(ctx, QUERY, { pad: 'x'.repeat(200_000) }), status: 413, code: 'BAD_USER_INPUT' },
  { name: 'malformed JSON', attempt: () => ({ body: '{"query": "{ __typename }"' }), status: 400, code: 'BAD_USER_INPUT' },
  { name: 'JSON with __proto__', attempt: () => ({ body: '{"query": "{ __typename }", "__proto__": {"polluted": true}}' }), status: 400, code: 'BAD_USER_INPUT' },
  { name: 'empty JSON body', attempt: () => ({ body: '' }), status: 400, code: 'BAD_USER_INPUT' },
  { name: 'batched array', attempt: () => ({ body: [{ query: '{ __typename }' }, { query: '{ __typename }' }] }), status: 400, code: 'BAD_USER_INPUT' },
  { name: 'text/plain (CSRF)', attempt: () => ({ headers: { 'content-type': 'text/plain' }, body: JSON.stringify({ query: '{ __typename }' }) }), status: 400, code: 'BAD_USER_INPUT' },
  { name: 'form-urlencoded', attempt: () => ({ headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'query=%7B__typename%7D' }), status: 415, code: 'BAD_USER_INPUT' },
  { name: 'GET without a preflight-forcing header (CSRF)', attempt: () => ({ method: 'GET', search: { query: '{ __typename }' } }), status: 400, code: 'BAD_USER_INPUT' },
  { name: 'mutation over GET', attempt: (ctx) => ({ method: 'GET', headers: { authorization: `Bearer ${ctx.marketer}`, 'x-purpose': 'MARKETING' }, search: { query: 'mutation { createSegment(input: { name: "x", purpose: MARKETING, definition: {} }) { id } }' } }), status: 405, code: 'BAD_USER_INPUT' },
];

describe('bad input never breaks the gateway', () => {
  let ctx: Ctx;

  beforeAll(async () => {
    const gw = await startTestGateway({ customers: 30 });
    ctx = {
      gw,
      marketer: await gw.token({ role: 'marketer', purposes: ['MARKETING', 'ANALYTICS'], sub: 'mk-1' }),
      officer: await gw.token({ role: 'privacy_officer', purposes: ['LEGAL_COMPLIANCE'], sub: 'po-1' }),
    };
  });
  afterAll(async () => ctx?.gw.close());

  it('has at least 30 cases', () => {
    expect(ROWS.length).toBeGreaterThanOrEqual(30);
  });

  it.each(ROWS)('$name → $status $code', async (row) => {
    const attempt = await row.attempt(ctx);
    const method = attempt.method ?? 'POST';
    const url = new URL(`${ctx.gw.url}/graphql`);
    for (const [key, value] of Object.entries(attempt.search ?? {})) url.searchParams.set(key, value);
    const headers: Record<string, string> = method === 'POST' ? { 'content-type': 'application/json', ...attempt.headers } : { ...attempt.headers };
    const body = method === 'GET' ? undefined : typeof attempt.body === 'string' ? attempt.body : JSON.stringify(attempt.body);
    const response = await fetch(url, { method, headers, body });
    const text = await response.text();
    expect(response.status).toBe(row.status);
    expect(response.headers.get('content-type')).toMatch(/^application\/(graphql-response\+)?json/);
    const parsed = JSON.parse(text) as { data?: unknown; errors?: { message: string; extensions?: { code?: string } }[] };
    expect(parsed.data ?? null).toBeNull();
    expect(parsed.errors?.length).toBeGreaterThan(0);
    expect(parsed.errors?.[0]?.extensions?.code).toBe(row.code);
    expect(text).not.toMatch(/stacktrace|\bat .*\.(ts|js):\d+/);
    if (row.notEchoed !== undefined) expect(text).not.toContain(row.notEchoed);
    const health = await fetch(`${ctx.gw.url}/healthz`);
    expect(health.status).toBe(200);
    expect(await health.json()).toEqual({ status: 'ok' });
  });
});
