/**
 * `npx tsx bench/gatewayMode.ts`: gateway mode against the upstream it fronts, in one run.
 *
 * The fixture upstream (test/fixtures/upstream/server.ts, UPSTREAM_CUSTOMERS customers with two
 * orders each, recording off) runs in its own process; the gateway in gateway mode runs in another
 * (bench/gatewayModeServer.ts) with the fixture's configuration. For each scenario, a page of 100
 * customers with their orders is sent through the gateway (with a token and a purpose) and the same
 * query straight to the upstream; autocannon drives them alternately — gateway, direct, direct,
 * gateway, ... — for BENCH_ROUNDS rounds of BENCH_DURATION seconds. Reported: requests/s, p50, p99
 * (medians over rounds), the gateway/direct ratios, and the gateway process's CPU time per request
 * (steadier than wall time on a shared machine). Half of the subjects granted MARKETING first,
 * so the marketer's page mixes clear and redacted values.
 *
 * The whole comparison runs once per upstream delay in BENCH_UPSTREAM_DELAYS (default `0,20` ms): 0 is an
 * in-memory upstream that answers in ~3 ms, the worst case for the ratio; 20 ms stands in for the
 * database time of a real API. The gateway's own cost per request is the same in both.
 *
 * Environment: BENCH_ROUNDS (3), BENCH_DURATION (5 s), BENCH_CONNECTIONS (10), UPSTREAM_CUSTOMERS (1000),
 * BENCH_UPSTREAM_DELAYS (0,20), BENCH_ONLY (marketer|officer: one scenario), BENCH_CPU_PROF (a directory: the gateway process writes a V8 CPU profile there).
 */
import { fork, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import { loadConfig } from '../src/config/config';
import { mintToken, secretKey, type MintOptions } from '../src/auth/tokens';
import { positiveNumber } from './env';

const env = positiveNumber;
const ROUNDS = env('BENCH_ROUNDS', 3);
const DURATION = env('BENCH_DURATION', 5);
const CONNECTIONS = env('BENCH_CONNECTIONS', 10);
const CUSTOMERS = env('UPSTREAM_CUSTOMERS', 1000);
const DELAYS = (process.env.BENCH_UPSTREAM_DELAYS ?? '0,20').split(',').map((value) => {
  const delay = Number(value);
  if (!Number.isInteger(delay) || delay < 0) throw new Error('BENCH_UPSTREAM_DELAYS is a comma-separated list of milliseconds');
  return delay;
});

const ONLY = process.env.BENCH_ONLY;
if (ONLY !== undefined && ONLY !== 'marketer' && ONLY !== 'officer') throw new Error('BENCH_ONLY is marketer or officer');

const UPSTREAM = fileURLToPath(new URL('../test/fixtures/upstream/server.ts', import.meta.url));
const GATEWAY = fileURLToPath(new URL('./gatewayModeServer.ts', import.meta.url));
const CONFIG = fileURLToPath(new URL('../test/fixtures/upstream/gateway.json', import.meta.url));
/** Both processes run with NODE_ENV=production (graphql-js skips its development checks); production wants real secrets. */
const BENCH_SECRETS = {
  JWT_SECRET: 'bench-jwt-secret-0123456789abcdef0123456789', PSEUDONYM_KEY: 'bench-pseudonym-key-0123456789abcdef012345',
  MASTER_KEY: 'bench-master-key-0123456789abcdef0123456789', BLIND_INDEX_KEY: 'bench-blind-index-key-0123456789abcdef01234',
};
const PAGE = '{ customers(first: 100) { id email phone fullName birthDate postalCode country loyaltyTier orders { id total placedAt } } }';

interface Target {
  name: 'gateway' | 'direct';
  url: string;
  headers: Record<string, string>;
}

interface Round { rps: number; p50: number; p99: number; errors: number }

async function startUpstream(delayMs: number): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', UPSTREAM], {
    env: { ...process.env, NODE_ENV: 'production', UPSTREAM_PORT: '0', UPSTREAM_RECORD: '0', UPSTREAM_CUSTOMERS: String(CUSTOMERS), UPSTREAM_DELAY_MS: String(delayMs) },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const port = await new Promise<string>((resolve, reject) => {
    child.stdout!.on('data', (chunk: Buffer) => {
      const match = /UPSTREAM_PORT=(\d+)/.exec(chunk.toString());
      if (match) resolve(match[1]!);
    });
    child.once('exit', (code) => reject(new Error(`upstream exited with ${code}`)));
  });
  return { child, url: `http://127.0.0.1:${port}/graphql` };
}

async function startGateway(upstreamUrl: string, dataDir: string): Promise<{ child: ChildProcess; url: string }> {
  const profile = process.env.BENCH_CPU_PROF ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_CPU_PROF}`] : [];
  const child = fork(GATEWAY, [], {
    execArgv: ['--import', 'tsx', ...profile],
    env: { ...process.env, ...BENCH_SECRETS, NODE_ENV: 'production', DATA_DIR: dataDir, GATEWAY_CONFIG: CONFIG, SHOP_URL: upstreamUrl, SHOP_KEY: 'bench', RATE_LIMIT_PER_MINUTE: '10000000' },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const url = await new Promise<string>((resolve, reject) => {
    child.once('message', (message: { ready?: string }) => (message.ready ? resolve(`${message.ready}/graphql`) : reject(new Error('bad ready message'))));
    child.once('exit', (code) => reject(new Error(`gateway exited with ${code}`)));
  });
  return { child, url };
}

async function post(target: Target, query: string, variables?: Record<string, unknown>): Promise<{ data?: any; errors?: unknown[] }> {
  const response = await fetch(target.url, { method: 'POST', headers: target.headers, body: JSON.stringify({ query, variables }) });
  return (await response.json()) as { data?: any; errors?: unknown[] };
}

async function drive(target: Target, duration: number): Promise<Round> {
  const result = await autocannon({ url: target.url, method: 'POST', headers: target.headers, body: JSON.stringify({ query: PAGE }), connections: CONNECTIONS, duration });
  return { rps: result.requests.average, p50: result.latency.p50, p99: result.latency.p99, errors: result.errors + result.non2xx + result.timeouts };
}

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};
const ratio = (a: number, b: number) => Math.round((a / b) * 100) / 100;

/** The gateway process's CPU time (user + system, microseconds) so far. */
function gatewayCpu(child: ChildProcess): Promise<number> {
  return new Promise((resolve) => {
    const listener = (message: { cpu?: number }) => {
      if (message.cpu === undefined) return;
      child.off('message', listener);
      resolve(message.cpu);
    };
    child.on('message', listener);
    child.send({ report: true });
  });
}

async function scenario(name: string, gateway: Target, direct: Target, gatewayChild: ChildProcess): Promise<string[][]> {
  for (const target of [gateway, direct]) {
    const check = await post(target, PAGE);
    if (check.errors !== undefined || check.data?.customers?.length !== 100) throw new Error(`${name}/${target.name}: unexpected answer ${JSON.stringify(check).slice(0, 300)}`);
  }
  for (const target of [gateway, direct]) await drive(target, 2); // warm-up, unmeasured
  const rounds: Record<Target['name'], Round[]> = { gateway: [], direct: [] };
  let cpuMicros = 0;
  let gatewayRequests = 0;
  for (let round = 0; round < ROUNDS; round += 1) {
    for (const target of round % 2 === 0 ? [gateway, direct] : [direct, gateway]) {
      const before = target.name === 'gateway' ? await gatewayCpu(gatewayChild) : 0;
      const measured = await drive(target, DURATION);
      if (target.name === 'gateway') {
        cpuMicros += (await gatewayCpu(gatewayChild)) - before;
        gatewayRequests += measured.rps * DURATION;
      }
      rounds[target.name].push(measured);
      process.stderr.write('.');
    }
  }
  const summary = (rs: Round[]) => ({ rps: median(rs.map((r) => r.rps)), p50: median(rs.map((r) => r.p50)), p99: median(rs.map((r) => r.p99)), errors: rs.reduce((s, r) => s + r.errors, 0) });
  const g = summary(rounds.gateway);
  const d = summary(rounds.direct);
  const cpuPerRequest = (cpuMicros / 1000 / gatewayRequests).toFixed(2);
  return [
    [name, 'gateway', g.rps.toFixed(1), String(g.p50), String(g.p99), String(g.errors), cpuPerRequest],
    [name, 'direct', d.rps.toFixed(1), String(d.p50), String(d.p99), String(d.errors), ''],
    [name, 'gateway/direct', ratio(g.rps, d.rps).toFixed(2), ratio(g.p50, d.p50).toFixed(2), ratio(g.p99, d.p99).toFixed(2), '', ''],
  ];
}

/** One full comparison against an upstream that takes `delayMs` extra per answer. */
async function compare(delayMs: number, token: (options: MintOptions) => Promise<string>): Promise<string[][]> {
  const dataDir = mkdtempSync(join(tmpdir(), 'pg-bench-gateway-mode-'));
  process.stderr.write(`upstream delay ${delayMs} ms: starting the upstream (${CUSTOMERS} customers) and the gateway in gateway mode`);
  const upstream = await startUpstream(delayMs);
  const gatewayProcess = await startGateway(upstream.url, dataDir);
  try {
    const json = { 'content-type': 'application/json' };
    const support: Target = { name: 'gateway', url: gatewayProcess.url, headers: { ...json, authorization: `Bearer ${await token({ role: 'support', purposes: ['SUPPORT'] })}` } };
    for (let i = 1; i <= 100; i += 2) {
      await post(support, 'mutation($id: ID!) { setConsent(customerId: $id, purpose: MARKETING, status: GRANTED) { status } }', { id: `c${String(i).padStart(4, '0')}` });
    }
    const direct: Target = { name: 'direct', url: upstream.url, headers: json };
    const through = async (options: MintOptions, purpose: string): Promise<Target> => ({
      name: 'gateway', url: gatewayProcess.url, headers: { ...json, 'x-purpose': purpose, authorization: `Bearer ${await token(options)}` },
    });
    const label = (who: string) => `100 customers + orders, ${who}, upstream +${delayMs} ms`;
    const rows: string[][] = [];
    if (ONLY !== 'officer') rows.push(...await scenario(label('marketer/MARKETING'), await through({ role: 'marketer', purposes: ['MARKETING'] }, 'MARKETING'), direct, gatewayProcess.child));
    if (ONLY !== 'marketer') rows.push(...await scenario(label('officer/LEGAL_COMPLIANCE'), await through({ role: 'privacy_officer', purposes: ['LEGAL_COMPLIANCE'] }, 'LEGAL_COMPLIANCE'), direct, gatewayProcess.child));
    process.stderr.write(' done\n');
    return rows;
  } finally {
    const exited = new Promise((resolve) => gatewayProcess.child.once('exit', resolve));
    gatewayProcess.child.send({ stop: true });
    await exited;
    upstream.child.kill('SIGTERM');
    rmSync(dataDir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const key = secretKey(loadConfig({ ...process.env, ...BENCH_SECRETS, NODE_ENV: 'production', LOG_LEVEL: 'silent' }).jwtSecret);
  const token = (options: MintOptions) => mintToken({ ...options, ttl: '2h' }, key);
  const rows = [['scenario', 'target', 'req/s', 'p50 ms', 'p99 ms', 'errors', 'gateway CPU ms/req']];
  for (const delay of DELAYS) rows.push(...await compare(delay, token));
  process.stdout.write(`\nnode ${process.version}, ${cpus().length} cores (${cpus()[0]?.model ?? 'unknown'}), ${Math.round(totalmem() / 2 ** 30)} GiB; `
    + `${ROUNDS} rounds x ${DURATION} s per target and scenario, ${CONNECTIONS} connections, medians over rounds\n\n`);
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((row) => row[i]!.length)));
  for (const row of rows) process.stdout.write(`${row.map((cell, i) => cell.padEnd(widths[i]!)).join('  ')}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
