/**
 * Starts the real gateway (Fastify + Apollo) on port 0 and speaks HTTP to it. Every HTTP-level suite
 * uses this; nothing is mocked. The store is a fresh embedded store in a temporary directory, or,
 * when MONGODB_URI is set, a database of its own on that server (named after the data directory,
 * seeded with the demo data like a first embedded start, dropped when the test file ends).
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import type { DestinationStream } from 'pino';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MongoClient } from 'mongodb';
import { afterAll } from 'vitest';
import { loadConfig, type Config } from '../../src/config/config';
import { createLogger } from '../../src/config/logger';
import { createGateway, type Gateway } from '../../src/server/createGateway';
import { mintToken, secretKey, type MintOptions } from '../../src/auth/tokens';
import { buildGatewaySchema } from '../../src/server/buildSchema';
import { openStore } from '../../src/store/openStore';

/** The schema and policy, compiled once for this test file as the gateway's entry point compiles them. */
const COMPILED = buildGatewaySchema();
import type { Store } from '../../src/store/port';
import { seedStore } from '../../src/store/seed';

const MONGODB_URI = process.env.MONGODB_URI === '' ? undefined : process.env.MONGODB_URI;
const mongoDatabases = new Set<string>();

/** The MongoDB database standing for a data directory (never the default database). */
function databaseFor(dataDir: string): string {
  return `gwtest_${createHash('sha256').update(dataDir).digest('hex').slice(0, 16)}`;
}

/**
 * Environment for a child process (a CLI, a second gateway) that must use the same store as a test
 * gateway started on `dataDir`: the directory, and with MONGODB_URI the same test database.
 */
export function storeEnv(dataDir: string): Record<string, string> {
  if (MONGODB_URI === undefined) return { DATA_DIR: dataDir };
  mongoDatabases.add(databaseFor(dataDir));
  return { DATA_DIR: dataDir, MONGODB_URI, MONGODB_DB: databaseFor(dataDir) };
}

if (MONGODB_URI !== undefined) {
  afterAll(async () => {
    if (mongoDatabases.size === 0) return;
    const client = await MongoClient.connect(MONGODB_URI);
    try {
      for (const name of mongoDatabases) await client.db(name).dropDatabase();
    } finally {
      await client.close();
      mongoDatabases.clear();
    }
  });
}

/**
 * The executor settings of the test run (docs/execution.md), so the whole suite can run on either
 * engine: `EXECUTION_COMPILE_AFTER=1 npm test` compiles every document on first sight,
 * `GRAPHQL_EXECUTOR=graphql-js npm test` runs it all on graphql-js.
 */
function executionEnv(): Record<string, string> {
  const env: Record<string, string> = {};
  for (const name of ['GRAPHQL_EXECUTOR', 'EXECUTION_COMPILE_AFTER', 'EXECUTION_PLAN_CACHE_SIZE']) {
    const value = process.env[name];
    if (value !== undefined && value !== '') env[name] = value;
  }
  return env;
}

export interface GqlResponse<T = Record<string, unknown>> {
  status: number;
  headers: Headers;
  body: {
    data?: T | null;
    errors?: { message: string; path?: (string | number)[]; extensions?: { code?: string } & Record<string, unknown> }[];
    extensions?: Record<string, unknown> & { privacy?: { purpose: string | null; redactions: Record<string, Record<string, number>> } };
  };
}

export interface GqlOptions {
  token?: string | null;
  purpose?: string;
  variables?: Record<string, unknown>;
  headers?: Record<string, string>;
}

export interface TestGateway {
  url: string;
  config: Config;
  store: Store;
  gateway: Gateway;
  dataDir: string;
  token(options: MintOptions): Promise<string>;
  gql<T = Record<string, any>>(query: string, options?: GqlOptions): Promise<GqlResponse<T>>;
  close(): Promise<void>;
}

export interface StartOptions {
  customers?: number;
  env?: Record<string, string>;
  dataDir?: string;
  /** Wraps the opened store before the gateway gets it (e.g. a decorator that counts store calls). */
  wrapStore?: (store: Store) => Store;
  /** Where the gateway's log lines go (default: the process's stdout at LOG_LEVEL, silent in tests). */
  logStream?: DestinationStream;
}

export async function startTestGateway(options: StartOptions = {}): Promise<TestGateway> {
  const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), 'pg-test-'));
  const config = loadConfig({
    NODE_ENV: 'test',
    LOG_LEVEL: 'silent',
    PORT: '0',
    DEMO_CUSTOMERS: String(options.customers ?? 300),
    ...storeEnv(dataDir),
    ...executionEnv(),
    ...options.env,
  });
  const logger = createLogger(config, options.logStream);
  const store = await openStore(config, logger, COMPILED.policy);
  // MongoDB is never seeded by the gateway itself: a test database gets what a first embedded start gets.
  if (store.kind === 'mongodb' && (await store.collection('customers').countDocuments({})) === 0) {
    await seedStore(store, config.demoCustomers);
  }
  const gateway = await createGateway({ config, store: options.wrapStore ? options.wrapStore(store) : store, logger, compiled: COMPILED });
  const address = await gateway.app.listen({ port: 0, host: '127.0.0.1' });
  const key = secretKey(config.jwtSecret);
  return {
    url: address,
    config,
    store,
    gateway,
    dataDir,
    token: (mint) => mintToken(mint, key),
    async gql(query, gqlOptions = {}) {
      const headers: Record<string, string> = { 'content-type': 'application/json', ...gqlOptions.headers };
      if (gqlOptions.token) headers.authorization = `Bearer ${gqlOptions.token}`;
      if (gqlOptions.purpose) headers['x-purpose'] = gqlOptions.purpose;
      const response = await fetch(`${address}/graphql`, {
        method: 'POST',
        headers,
        body: JSON.stringify({ query, variables: gqlOptions.variables }),
      });
      const text = await response.text();
      let body: GqlResponse['body'];
      try {
        body = JSON.parse(text);
      } catch {
        throw new Error(`non-JSON response ${response.status}: ${text.slice(0, 200)}`);
      }
      return { status: response.status, headers: response.headers, body } as GqlResponse<any>;
    },
    async close() {
      await gateway.close();
      await store.close();
      if (options.dataDir === undefined) rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** Tokens for every role, as the token CLI would mint them. */
export async function roleTokens(gw: TestGateway) {
  return {
    officer: await gw.token({ role: 'privacy_officer', purposes: ['LEGAL_COMPLIANCE', 'ANALYTICS', 'SUPPORT', 'MARKETING'], sub: 'po-1' }),
    marketer: await gw.token({ role: 'marketer', purposes: ['MARKETING', 'PERSONALIZATION', 'ANALYTICS', 'THIRD_PARTY_SHARING'], sub: 'mk-1' }),
    analyst: await gw.token({ role: 'analyst', purposes: ['ANALYTICS', 'PERSONALIZATION'], sub: 'an-1' }),
    support: await gw.token({ role: 'support', purposes: ['SUPPORT'], sub: 'sp-1' }),
    partner: await gw.token({ role: 'partner', purposes: ['ANALYTICS'], sub: 'demo-partner', scope: 'segments:read', partnerId: 'demo-partner' }),
  };
}
