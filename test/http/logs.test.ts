/**
 * No personal data in any log line: a PII-heavy sequence of requests (clear reads, lookups by email,
 * an email in a GET query string, malformed bodies and bad variables that quote it, a 404 with it in
 * the URL) against the real server logging at debug level into a captured stream; then none of the
 * demo customers' emails, phones or names may appear in what was logged, while the request lines
 * (with request ids) must be there.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/config';
import { createLogger } from '../../src/config/logger';
import { createGateway, type Gateway } from '../../src/server/createGateway';
import { mintToken, secretKey } from '../../src/auth/tokens';
import { buildGatewaySchema } from '../../src/server/buildSchema';
import { openStore } from '../../src/store/openStore';

/** The schema and policy, compiled once for this test file as the gateway's entry point compiles them. */
const COMPILED = buildGatewaySchema();
import type { Store } from '../../src/store/port';
import type { CustomerDocument } from '../../src/store/documents';

describe.each(['debug', 'info'])('logs at LOG_LEVEL=%s', (level) => {
  const lines: string[] = [];
  let dataDir: string;
  let store: Store;
  let gateway: Gateway;
  let url: string;
  let customers: CustomerDocument[];
  let support: string;
  let officer: string;

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'pg-logs-'));
    const config = loadConfig({ NODE_ENV: 'test', LOG_LEVEL: level, PORT: '0', DATA_DIR: dataDir, DEMO_CUSTOMERS: '60' });
    const capture = new Writable({ write(chunk, _encoding, done) { lines.push(...String(chunk).split('\n').filter(Boolean)); done(); } });
    const logger = createLogger(config, capture);
    store = await openStore(config, logger, COMPILED.policy);
    gateway = await createGateway({ config, store, logger, compiled: COMPILED });
    url = await gateway.app.listen({ port: 0, host: '127.0.0.1' });
    customers = await store.collection<CustomerDocument>('customers').find({});
    const key = secretKey(config.jwtSecret);
    support = await mintToken({ role: 'support', purposes: ['SUPPORT'], sub: 'sp-1' }, key);
    officer = await mintToken({ role: 'privacy_officer', purposes: ['LEGAL_COMPLIANCE'], sub: 'po-1' }, key);
  });
  afterAll(async () => {
    await gateway?.close();
    await store?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  async function post(body: string, token: string, extra: Record<string, string> = {}) {
    const response = await fetch(`${url}/graphql`, {
      method: 'POST', body, headers: { 'content-type': 'application/json', authorization: `Bearer ${token}`, ...extra },
    });
    return response.status;
  }

  it('none of the customers\' emails, phones or names appear in any log line', async () => {
    const [first, second, third] = customers as [CustomerDocument, CustomerDocument, CustomerDocument];
    const statuses: number[] = [];
    // The officer reads everyone in clear.
    statuses.push(await post(JSON.stringify({ query: '{ customers(first: 500) { edges { node { id email phone fullName birthDate postalCode } } } }' }), officer));
    // Support looks a customer up by email (in variables and inline), and reads the consents.
    statuses.push(await post(JSON.stringify({ query: 'query($e: String) { customer(email: $e) { id email phone fullName consents { purpose status } } }', variables: { e: first.email } }), support));
    statuses.push(await post(JSON.stringify({ query: `{ customer(email: "${second.email}") { id fullName } }` }), support));
    // GET with the email in the query string, with and without the CSRF preflight header.
    const getQuery = encodeURIComponent(`{ customer(email: "${third.email}") { id email phone } }`);
    for (const headers of [{ 'apollo-require-preflight': 'true' }, {}] as Record<string, string>[]) {
      const response = await fetch(`${url}/graphql?query=${getQuery}`, { headers: { authorization: `Bearer ${support}`, accept: 'application/json', ...headers } });
      statuses.push(response.status);
    }
    // Malformed JSON quoting personal data, a variable of the wrong type holding it, a parse error.
    statuses.push(await post(`{"query": "{ customer(email: \\"${first.email}\\") { id } }", "variables": {"phone": "${first.phone}"`, support));
    statuses.push(await post(JSON.stringify({ query: 'query($id: ID!) { customer(id: $id) { id } }', variables: { id: { email: second.email, name: second.fullName } } }), support));
    statuses.push(await post(JSON.stringify({ query: `{ customer(email: "${third.email}" { id }` }), support));
    // A bad token, a purpose header carrying personal data, an unknown route with it in the URL.
    statuses.push(await post(JSON.stringify({ query: '{ me { id } }' }), `${first.email}.${first.phone}`));
    statuses.push(await post(JSON.stringify({ query: '{ customers(first: 1) { totalCount } }' }), officer, { 'x-purpose': String(second.fullName) }));
    statuses.push((await fetch(`${url}/lookup?email=${encodeURIComponent(String(third.email))}&name=${encodeURIComponent(String(third.fullName))}`)).status);

    expect(statuses.filter((status) => status === 200).length).toBeGreaterThanOrEqual(4);
    expect(statuses.filter((status) => status >= 400).length).toBeGreaterThanOrEqual(5);

    const text = lines.join('\n');
    const leaks: string[] = [];
    for (const customer of customers) {
      for (const value of [customer.email, customer.phone, customer.fullName]) {
        if (typeof value === 'string' && text.includes(value)) leaks.push(value);
      }
      if (typeof customer.email === 'string' && text.includes(encodeURIComponent(customer.email))) leaks.push(`urlencoded ${customer.email}`);
    }
    expect(leaks).toEqual([]);

    // The logs are not empty: each request was logged with its id, every line is JSON.
    const records = lines.map((line) => JSON.parse(line) as Record<string, unknown>);
    const requestIds = new Set(records.map((record) => record.reqId).filter((id) => typeof id === 'string'));
    expect(requestIds.size).toBeGreaterThanOrEqual(statuses.length);
    expect(records.some((record) => (record.req as { path?: string } | undefined)?.path === '/graphql')).toBe(true);
  });
});

describe('the logger itself', () => {
  function capture(): { logger: ReturnType<typeof createLogger>; text: () => string } {
    const chunks: string[] = [];
    const stream = new Writable({ write(chunk, _encoding, done) { chunks.push(String(chunk)); done(); } });
    return { logger: createLogger({ logLevel: 'debug' }, stream), text: () => chunks.join('') };
  }

  it('logs errors by name, code and stack frames, never by message', () => {
    const { logger, text } = capture();
    const error = Object.assign(new SyntaxError('Unexpected token in JSON: "jane.doe@example.com", +49 151 234 5612'), { code: 'FST_ERR_CTP_INVALID_JSON' });
    logger.error({ err: error }, 'body parse failed');
    const record = JSON.parse(text()) as { err: { name: string; code: string; stack: string[] } };
    expect(record.err.name).toBe('SyntaxError');
    expect(record.err.code).toBe('FST_ERR_CTP_INVALID_JSON');
    expect(record.err.stack.length).toBeGreaterThan(0);
    expect(text()).not.toMatch(/jane\.doe|151 234/);
  });

  it('scrubs query strings and email addresses from messages, and never logs headers', () => {
    const { logger, text } = capture();
    logger.info('Route GET:/graphql?query={customer(email:"jane.doe@example.com"){id}} not found');
    logger.warn('lookup for Jane.Doe+news@mail.example.org failed');
    logger.info({ req: { id: 'r1', method: 'GET', url: '/graphql?email=jane.doe%40example.com', headers: { authorization: 'Bearer secret' } } }, 'incoming request');
    expect(text()).not.toMatch(/jane\.doe|Jane\.Doe|secret|%40/);
    expect(text()).toContain('/graphql?[redacted]');
    expect(text()).toContain('[redacted-email]');
    expect(text()).toContain('"path":"/graphql"');
  });
});
