/**
 * Gateway mode under test: starts the fixture upstream (test/fixtures/upstream/server.ts) as a
 * separate process on loopback, port 0, then the real gateway in gateway mode on port 0 in front of
 * it, over a fresh embedded store. The upstream records every operation it receives; `received()`
 * returns them so tests can assert on what the gateway sent.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadConfig } from '../../src/config/config';
import { createLogger } from '../../src/config/logger';
import { createGateway } from '../../src/server/createGateway';
import { mintToken, secretKey } from '../../src/auth/tokens';
import { openStore } from '../../src/store/openStore';
import type { Store } from '../../src/store/port';
import { openGatewayMode } from '../../src/upstream/openGatewayMode';
import type { GqlOptions, GqlResponse, TestGateway } from './gateway';

export const UPSTREAM_SERVER = fileURLToPath(new URL('../fixtures/upstream/server.ts', import.meta.url));
export const FIXTURE_GATEWAY_CONFIG = fileURLToPath(new URL('../fixtures/upstream/gateway.json', import.meta.url));
export const SHOP_KEY = 'shop-key-for-tests';

export interface ReceivedOperation {
  query: string;
  variables: unknown;
  headers: Record<string, string | string[] | undefined>;
}

export interface FixtureUpstream {
  url: string;
  process: ChildProcess;
  received(): Promise<ReceivedOperation[]>;
  reset(): Promise<void>;
  stop(): Promise<void>;
}

/** Starts the fixture upstream process and resolves once it prints its port. */
export async function startFixtureUpstream(env: Record<string, string> = {}): Promise<FixtureUpstream> {
  const child = spawn(process.execPath, ['--import', 'tsx', UPSTREAM_SERVER], {
    env: { ...process.env, UPSTREAM_PORT: '0', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const port = await new Promise<number>((resolve, reject) => {
    let output = '';
    const timer = setTimeout(() => reject(new Error(`fixture upstream did not start: ${output}`)), 30_000);
    child.stdout!.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      const match = /UPSTREAM_PORT=(\d+)/.exec(output);
      if (match) {
        clearTimeout(timer);
        resolve(Number(match[1]));
      }
    });
    child.stderr!.on('data', (chunk: Buffer) => { output += chunk.toString(); });
    child.on('exit', (code) => reject(new Error(`fixture upstream exited with ${code}: ${output}`)));
  });
  const base = `http://127.0.0.1:${port}`;
  return {
    url: `${base}/graphql`,
    process: child,
    received: async () => (await fetch(`${base}/__received`)).json() as Promise<ReceivedOperation[]>,
    reset: async () => { await fetch(`${base}/__reset`, { method: 'POST' }); },
    stop: () => new Promise<void>((resolve) => {
      if (child.exitCode !== null) return resolve();
      child.once('exit', () => resolve());
      child.kill('SIGTERM');
    }),
  };
}

export interface UpstreamTestGateway extends Omit<TestGateway, 'gateway'> {
  upstream: FixtureUpstream;
  gateway: TestGateway['gateway'];
}

export interface UpstreamStartOptions {
  configFile?: string;
  env?: Record<string, string>;
  /** Wraps the gateway's store before the gateway gets it (e.g. a decorator that counts store calls). */
  wrapStore?: (store: Store) => Store;
}

/** The fixture upstream plus the gateway in gateway mode in front of it. */
export async function startUpstreamGateway(options: UpstreamStartOptions = {}): Promise<UpstreamTestGateway> {
  const upstream = await startFixtureUpstream();
  const dataDir = mkdtempSync(join(tmpdir(), 'pg-upstream-test-'));
  const env = {
    NODE_ENV: 'test', LOG_LEVEL: 'silent', PORT: '0', DATA_DIR: dataDir,
    GATEWAY_CONFIG: options.configFile ?? FIXTURE_GATEWAY_CONFIG, SHOP_URL: upstream.url, SHOP_KEY,
    ...options.env,
  };
  const config = loadConfig(env);
  const logger = createLogger(config);
  const mode = await openGatewayMode({ ...config, gatewayConfigPath: config.gatewayConfigPath! }, logger, openStore, env);
  const store = options.wrapStore ? options.wrapStore(mode.gatewayStore) : mode.gatewayStore;
  const gateway = await createGateway({ config, store, logger, compiled: mode.upstream, upstream: mode.upstream });
  const address = await gateway.app.listen({ port: 0, host: '127.0.0.1' });
  const key = secretKey(config.jwtSecret);
  // Introspection at start-up is not an operation of any caller.
  await upstream.reset();
  return {
    url: address,
    config,
    store: mode.store,
    gateway,
    dataDir,
    upstream,
    token: (mint) => mintToken(mint, key),
    async gql(query: string, gqlOptions: GqlOptions = {}) {
      const headers: Record<string, string> = { 'content-type': 'application/json', ...gqlOptions.headers };
      if (gqlOptions.token) headers.authorization = `Bearer ${gqlOptions.token}`;
      if (gqlOptions.purpose) headers['x-purpose'] = gqlOptions.purpose;
      const response = await fetch(`${address}/graphql`, { method: 'POST', headers, body: JSON.stringify({ query, variables: gqlOptions.variables }) });
      const text = await response.text();
      try {
        return { status: response.status, headers: response.headers, body: JSON.parse(text) } as GqlResponse<any>;
      } catch {
        throw new Error(`non-JSON response ${response.status}: ${text.slice(0, 200)}`);
      }
    },
    async close() {
      await gateway.close();
      await mode.store.close();
      await upstream.stop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
