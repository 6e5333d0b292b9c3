/**
 * `npm run bench`: the gateway against a plain Apollo Server 5 baseline (bench/baselineServer.ts),
 * same data, same resolvers, same Fastify, in one run on one machine.
 *
 * Both servers run in child processes (bench/serverProcess.ts) over their own copy of the same
 * deterministic demo data (embedded store). For each scenario, autocannon drives them alternately —
 * gateway, baseline, baseline, gateway, ... — for BENCH_ROUNDS rounds of BENCH_DURATION seconds, so
 * drift on a shared machine hits both alike. Reported per server: requests/s, p50 and p99 latency
 * (medians over the rounds), peak RSS under load; and the gateway/baseline ratios.
 *
 * Environment: BENCH_ROUNDS (3), BENCH_DURATION (5 s), BENCH_CONNECTIONS (10), BENCH_CUSTOMERS
 * (10000), BENCH_ONLY (substring of scenario names), BENCH_JSON (write results there),
 * BENCH_CPU_PROF (directory: run the gateway with --cpu-prof there).
 */
import { fork, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import { loadConfig } from '../src/config';
import { mintToken, secretKey } from '../src/auth/tokens';
import { scenarios, type Scenario } from './scenarios';

type Kind = 'gateway' | 'baseline';

const env = (name: string, fallback: number) => {
  const value = Number(process.env[name] ?? fallback);
  if (!Number.isFinite(value) || value <= 0) throw new Error(`${name} must be a positive number`);
  return value;
};
const ROUNDS = env('BENCH_ROUNDS', 3);
const DURATION = env('BENCH_DURATION', 5);
const CONNECTIONS = env('BENCH_CONNECTIONS', 10);
const CUSTOMERS = env('BENCH_CUSTOMERS', 10_000);
const ONLY = process.env.BENCH_ONLY;

interface Server {
  kind: Kind;
  url: string;
  child: ChildProcess;
  dataDir: string;
}

const SERVER_SCRIPT = fileURLToPath(new URL('./serverProcess.ts', import.meta.url));

/** Environment shared by both servers: same secrets, same data size, no rate limit in the way. */
const serverEnv = (dataDir: string): NodeJS.ProcessEnv => ({
  ...process.env,
  NODE_ENV: 'test',
  DATA_DIR: dataDir,
  DEMO_CUSTOMERS: String(CUSTOMERS),
  RATE_LIMIT_PER_MINUTE: '10000000',
});

async function startServer(kind: Kind): Promise<Server> {
  const dataDir = mkdtempSync(join(tmpdir(), `pg-bench-${kind}-`));
  const profile = kind === 'gateway' && process.env.BENCH_CPU_PROF ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_CPU_PROF}`] : [];
  const child = fork(SERVER_SCRIPT, [kind], { execArgv: ['--import', 'tsx', ...profile], env: serverEnv(dataDir), stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const url = await new Promise<string>((resolve, reject) => {
    child.once('message', (message: { ready?: string }) => (message.ready ? resolve(message.ready) : reject(new Error('bad ready message'))));
    child.once('exit', (code) => reject(new Error(`${kind} exited with ${code} before it was ready`)));
  });
  return { kind, url, child, dataDir };
}

function ask<T>(server: Server, message: object, key: string): Promise<T> {
  return new Promise((resolve) => {
    const listener = (reply: Record<string, unknown>) => {
      if (key in reply) {
        server.child.off('message', listener);
        resolve(reply[key] as T);
      }
    };
    server.child.on('message', listener);
    server.child.send(message);
  });
}

async function stopServer(server: Server): Promise<void> {
  const exited = new Promise((resolve) => server.child.once('exit', resolve));
  server.child.send({ stop: true });
  await exited;
  rmSync(server.dataDir, { recursive: true, force: true });
}

interface Request {
  headers: Record<string, string>;
  body: string;
}

async function post(server: Server, request: Request): Promise<{ data?: Record<string, any> | null; errors?: unknown[] }> {
  const response = await fetch(`${server.url}/graphql`, { method: 'POST', headers: request.headers, body: request.body });
  return (await response.json()) as { data?: Record<string, any> | null; errors?: unknown[] };
}

interface Round {
  rps: number;
  p50: number;
  p99: number;
  errors: number;
}

async function drive(server: Server, request: Request): Promise<Round> {
  const result = await autocannon({
    url: `${server.url}/graphql`,
    method: 'POST',
    headers: request.headers,
    body: request.body,
    connections: CONNECTIONS,
    duration: DURATION,
  });
  return { rps: result.requests.average, p50: result.latency.p50, p99: result.latency.p99, errors: result.errors + result.non2xx + result.timeouts };
}

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};

interface Summary {
  rps: number;
  p50: number;
  p99: number;
  peakRssMb: number;
  errors: number;
  rounds: Round[];
}

interface ScenarioResult {
  name: string;
  skipped?: string;
  gateway?: Summary;
  baseline?: Summary;
  ratios?: { rps: number; p50: number; p99: number };
}

async function runScenario(servers: Record<Kind, Server>, scenario: Scenario, request: Record<Kind, Request>): Promise<ScenarioResult> {
  for (const kind of ['gateway', 'baseline'] as const) {
    const problem = scenario.check(await post(servers[kind], request[kind]));
    if (problem !== null) return { name: scenario.name, skipped: `${kind}: ${problem}` };
  }
  // Warm-up (JIT, caches), unmeasured.
  for (const kind of ['gateway', 'baseline'] as const) await autocannon({ url: `${servers[kind].url}/graphql`, method: 'POST', headers: request[kind].headers, body: request[kind].body, connections: CONNECTIONS, duration: 2 });
  const rounds: Record<Kind, Round[]> = { gateway: [], baseline: [] };
  const peaks: Record<Kind, number> = { gateway: 0, baseline: 0 };
  for (let round = 0; round < ROUNDS; round += 1) {
    const order: Kind[] = round % 2 === 0 ? ['gateway', 'baseline'] : ['baseline', 'gateway'];
    for (const kind of order) {
      await ask(servers[kind], { reset: true, report: true }, 'peak');
      rounds[kind].push(await drive(servers[kind], request[kind]));
      peaks[kind] = Math.max(peaks[kind], await ask<number>(servers[kind], { report: true }, 'peak'));
      process.stderr.write('.');
    }
  }
  const summary = (kind: Kind): Summary => ({
    rps: median(rounds[kind].map((r) => r.rps)),
    p50: median(rounds[kind].map((r) => r.p50)),
    p99: median(rounds[kind].map((r) => r.p99)),
    peakRssMb: Math.round(peaks[kind] / 1024 / 1024),
    errors: rounds[kind].reduce((sum, r) => sum + r.errors, 0),
    rounds: rounds[kind],
  });
  const gateway = summary('gateway');
  const baseline = summary('baseline');
  const ratio = (a: number, b: number) => Math.round((a / b) * 100) / 100;
  return { name: scenario.name, gateway, baseline, ratios: { rps: ratio(gateway.rps, baseline.rps), p50: ratio(gateway.p50, baseline.p50), p99: ratio(gateway.p99, baseline.p99) } };
}

function printTable(results: ScenarioResult[]): void {
  const rows = [['scenario', 'server', 'req/s', 'p50 ms', 'p99 ms', 'peak RSS MB', 'errors']];
  for (const result of results) {
    if (result.skipped !== undefined) {
      rows.push([result.name, 'SKIPPED', result.skipped.slice(0, 80), '', '', '', '']);
      continue;
    }
    for (const kind of ['gateway', 'baseline'] as const) {
      const s = result[kind]!;
      rows.push([result.name, kind, s.rps.toFixed(1), String(s.p50), String(s.p99), String(s.peakRssMb), String(s.errors)]);
    }
    const r = result.ratios!;
    rows.push([result.name, 'gateway/baseline', r.rps.toFixed(2), r.p50.toFixed(2), r.p99.toFixed(2), '', '']);
  }
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((row) => row[i]!.length)));
  for (const row of rows) process.stdout.write(`${row.map((cell, i) => cell.padEnd(widths[i]!)).join('  ')}\n`);
}

async function main(): Promise<void> {
  const config = loadConfig({ ...process.env, LOG_LEVEL: 'silent', NODE_ENV: 'test' });
  const key = secretKey(config.jwtSecret);
  process.stderr.write(`starting gateway and baseline (${CUSTOMERS} demo customers each)...\n`);
  const servers = { gateway: await startServer('gateway'), baseline: await startServer('baseline') };
  try {
    const officer = await mintToken({ role: 'privacy_officer', purposes: ['LEGAL_COMPLIANCE'], sub: 'bench-officer' }, key);
    const first = await post(servers.gateway, {
      headers: { 'content-type': 'application/json', authorization: `Bearer ${officer}` },
      body: JSON.stringify({ query: '{ customers(first: 1) { edges { node { id } } } }' }),
    });
    const customerId = String(first.data?.customers?.edges?.[0]?.node?.id ?? 'unknown');
    const results: ScenarioResult[] = [];
    for (const scenario of scenarios(customerId)) {
      if (ONLY !== undefined && !scenario.name.includes(ONLY)) continue;
      const body = JSON.stringify({ query: scenario.query, variables: scenario.variables });
      const token = await mintToken({ ...scenario.token, ttl: '2h' }, key);
      const base = { 'content-type': 'application/json', 'x-purpose': scenario.purpose };
      process.stderr.write(`${scenario.name} `);
      const result = await runScenario(servers, scenario, {
        gateway: { headers: { ...base, authorization: `Bearer ${token}` }, body },
        baseline: { headers: base, body },
      });
      process.stderr.write(result.skipped ? ` skipped (${result.skipped.slice(0, 120)})\n` : ' done\n');
      results.push(result);
    }
    process.stdout.write(`\nnode ${process.version}, ${cpus().length} cores (${cpus()[0]?.model ?? 'unknown'}), ${Math.round(totalmem() / 2 ** 30)} GiB; `
      + `${ROUNDS} rounds x ${DURATION} s per server and scenario, ${CONNECTIONS} connections, ${CUSTOMERS} customers, medians over rounds\n\n`);
    printTable(results);
    if (process.env.BENCH_JSON) writeFileSync(process.env.BENCH_JSON, `${JSON.stringify({ date: new Date().toISOString(), rounds: ROUNDS, duration: DURATION, connections: CONNECTIONS, customers: CUSTOMERS, results }, null, 2)}\n`);
  } finally {
    await Promise.all([stopServer(servers.gateway), stopServer(servers.baseline)]);
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`bench failed: ${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
