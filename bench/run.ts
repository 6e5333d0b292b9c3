/**
 * `npm run bench`: two comparisons in one run, on one machine, alternating rounds.
 *   (a) the gateway, every layer on, against a plain Apollo Server 5 serving the same 100 customers
 *       from an in-memory JSON array (bench/plainApollo.ts): what the whole product costs;
 *   (b) the gateway against itself with the privacy layers off, assembled from the same modules
 *       (bench/baselineServer.ts): what the privacy layers cost.
 *
 * Three child processes (bench/serverProcess.ts), all NODE_ENV=production, the gateways with the same
 * production secrets and the per-caller rate limit lifted through its config. autocannon runs in this
 * process and drives one server at a time; each round visits all three, in a rotating order, so drift
 * on a shared machine hits all alike. Throughput counts 2xx answers only. Reported: medians over the
 * rounds of req/s, p50, p99 and the server's own CPU time per answer (the steadiest figure when other
 * work shares the machine), and the ratios of those medians.
 *
 * Environment: BENCH_ROUNDS (5), BENCH_DURATION (5 s), BENCH_CONNECTIONS (16), BENCH_CUSTOMERS (10000),
 * BENCH_ONLY (page|one), BENCH_JSON (write results there), BENCH_CPU_PROF (directory: the gateway
 * runs with --cpu-prof there).
 */
import { fork, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import { mintToken } from '../src/auth/tokens';
import { PLAIN_DATA_QUERY, SCENARIO_TITLES, scenarios, type Scenario } from './scenarios';
import type { ServerKind } from './serverProcess';
import { formatReport, median, type Round, type ScenarioResult, type Summary } from './report';
import { positiveNumber } from './env';

const env = positiveNumber;
const ROUNDS = env('BENCH_ROUNDS', 5);
const DURATION = env('BENCH_DURATION', 5);
const CONNECTIONS = env('BENCH_CONNECTIONS', 16);
const CUSTOMERS = env('BENCH_CUSTOMERS', 10_000);
const ONLY = process.env.BENCH_ONLY;
const KINDS: readonly ServerKind[] = ['gateway', 'bare', 'plain'];

interface Server {
  kind: ServerKind;
  endpoint: string;
  child: ChildProcess;
}

const SERVER_SCRIPT = fileURLToPath(new URL('./serverProcess.ts', import.meta.url));
const secret = () => randomBytes(32).toString('base64url');
/** Production secrets shared by both gateways (the parent mints tokens with JWT_SECRET). */
const SECRETS = { JWT_SECRET: secret(), PSEUDONYM_KEY: secret(), MASTER_KEY: secret(), BLIND_INDEX_KEY: secret() };

async function startServer(kind: ServerKind, workDir: string, extra: NodeJS.ProcessEnv = {}): Promise<Server> {
  const profile = kind === 'gateway' && process.env.BENCH_CPU_PROF ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_CPU_PROF}`] : [];
  const childEnv: NodeJS.ProcessEnv = {
    ...process.env, ...SECRETS, ...extra,
    NODE_ENV: 'production', DATA_DIR: join(workDir, kind), DEMO_CUSTOMERS: String(CUSTOMERS), RATE_LIMIT_PER_MINUTE: '10000000',
  };
  const child = fork(SERVER_SCRIPT, [kind], { execArgv: ['--import', 'tsx', ...profile], env: childEnv, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const endpoint = await new Promise<string>((resolve, reject) => {
    child.once('message', (message: { ready?: string }) => (message.ready ? resolve(message.ready) : reject(new Error('bad ready message'))));
    child.once('exit', (code) => reject(new Error(`${kind} exited with ${code} before it was ready`)));
  });
  return { kind, endpoint, child };
}

interface Usage {
  /** Peak RSS in bytes since the last reset. */
  peak: number;
  /** CPU time (user + system) the server process used so far. */
  cpuMicros: number;
}

/** Asks a server for its usage figures (and resets its RSS peak first when asked). */
function usage(server: Server, reset: boolean): Promise<Usage> {
  return new Promise((resolve) => {
    const listener = (reply: Partial<Usage>) => {
      if (reply.peak !== undefined && reply.cpuMicros !== undefined) {
        server.child.off('message', listener);
        resolve(reply as Usage);
      }
    };
    server.child.on('message', listener);
    server.child.send(reset ? { reset: true, report: true } : { report: true });
  });
}

async function stopServer(server: Server): Promise<void> {
  if (server.child.exitCode !== null) return;
  const exited = new Promise((resolve) => server.child.once('exit', resolve));
  server.child.send({ stop: true });
  await exited;
}

interface Request {
  headers: Record<string, string>;
  body: string;
}

async function post(endpoint: string, request: Request): Promise<{ data?: Record<string, any> | null; errors?: unknown[] }> {
  const response = await fetch(endpoint, { method: 'POST', headers: request.headers, body: request.body });
  return (await response.json()) as { data?: Record<string, any> | null; errors?: unknown[] };
}

/** One measured run; CPU time is the server's own, per 2xx answer (robust to other load on the machine). */
async function drive(server: Server, request: Request, duration: number): Promise<Round & { peak: number }> {
  const before = await usage(server, true);
  const result = await autocannon({ url: server.endpoint, method: 'POST', headers: request.headers, body: request.body, connections: CONNECTIONS, duration });
  const after = await usage(server, false);
  const ok = result['2xx'];
  return {
    rps: ok / result.duration, p50: result.latency.p50, p99: result.latency.p99, failed: result.errors + result.non2xx + result.timeouts,
    cpuMs: ok > 0 ? (after.cpuMicros - before.cpuMicros) / 1000 / ok : Number.NaN, peak: after.peak,
  };
}

/** Round r visits the servers in a rotated order: gateway-bare-plain, bare-plain-gateway, plain-gateway-bare, ... */
const orderOf = (round: number): ServerKind[] => KINDS.map((_, i) => KINDS[(i + round) % KINDS.length]!);

async function runScenario(servers: Record<ServerKind, Server>, scenario: Scenario, request: Record<ServerKind, Request>): Promise<ScenarioResult> {
  for (const kind of KINDS) {
    const problem = scenario.check(await post(servers[kind].endpoint, request[kind]));
    if (problem !== null) return { name: scenario.name, skipped: `${kind}: ${problem}` };
  }
  for (const kind of KINDS) await drive(servers[kind], request[kind], 3); // warm-up (JIT, caches), unmeasured
  const rounds: Record<ServerKind, Round[]> = { gateway: [], bare: [], plain: [] };
  const peaks: Record<ServerKind, number> = { gateway: 0, bare: 0, plain: 0 };
  for (let round = 0; round < ROUNDS; round += 1) {
    for (const kind of orderOf(round)) {
      const { peak, ...measured } = await drive(servers[kind], request[kind], DURATION);
      rounds[kind].push(measured);
      peaks[kind] = Math.max(peaks[kind], peak);
      process.stderr.write('.');
    }
  }
  const summary = (kind: ServerKind): Summary => ({
    rps: median(rounds[kind].map((r) => r.rps)),
    p50: median(rounds[kind].map((r) => r.p50)),
    p99: median(rounds[kind].map((r) => r.p99)),
    cpuMs: median(rounds[kind].map((r) => r.cpuMs)),
    peakRssMb: Math.round(peaks[kind] / 1024 / 1024),
    failed: rounds[kind].reduce((sum, r) => sum + r.failed, 0),
    rounds: rounds[kind],
  });
  return { name: scenario.name, gateway: summary('gateway'), bare: summary('bare'), plain: summary('plain') };
}

async function main(): Promise<void> {
  const key = new TextEncoder().encode(SECRETS.JWT_SECRET);
  const workDir = mkdtempSync(join(tmpdir(), 'pg-bench-'));
  const servers: Partial<Record<ServerKind, Server>> = {};
  const load = loadavg()[0]!.toFixed(1);
  try {
    process.stderr.write(`seeding and starting the gateway and the bare gateway (${CUSTOMERS} demo customers each)...\n`);
    [servers.gateway, servers.bare] = await Promise.all([startServer('gateway', workDir), startServer('bare', workDir)]);
    const officer = await mintToken({ role: 'privacy_officer', purposes: ['LEGAL_COMPLIANCE'], sub: 'bench-officer', ttl: '2h' }, key);
    const clear = await post(servers.gateway.endpoint, {
      headers: { 'content-type': 'application/json', authorization: `Bearer ${officer}` },
      body: JSON.stringify({ query: PLAIN_DATA_QUERY }),
    });
    const customers = (clear.data?.customers?.edges ?? []).map((edge: { node: unknown }) => edge.node) as { id: string }[];
    if (customers.length !== 100) throw new Error(`could not read 100 customers for the plain server: ${JSON.stringify(clear).slice(0, 300)}`);
    const plainData = join(workDir, 'customers.json');
    writeFileSync(plainData, JSON.stringify(customers));
    servers.plain = await startServer('plain', workDir, { PLAIN_DATA: plainData });
    const all = servers as Record<ServerKind, Server>;

    const results: ScenarioResult[] = [];
    for (const scenario of scenarios(customers[0]!.id)) {
      if (ONLY !== undefined && !scenario.name.includes(ONLY)) continue;
      const body = JSON.stringify({ query: scenario.query, variables: scenario.variables });
      const token = await mintToken({ ...scenario.token, ttl: '2h' }, key);
      const gatewayRequest = { headers: { 'content-type': 'application/json', 'x-purpose': scenario.purpose, authorization: `Bearer ${token}` }, body };
      process.stderr.write(`${SCENARIO_TITLES[scenario.name]} `);
      const result = await runScenario(all, scenario, { gateway: gatewayRequest, bare: gatewayRequest, plain: { headers: { 'content-type': 'application/json' }, body } });
      process.stderr.write(result.skipped ? ` skipped (${result.skipped.slice(0, 160)})\n` : ' done\n');
      results.push(result);
    }
    const machine = `node ${process.version}, ${cpus().length} cores (${cpus()[0]?.model ?? 'unknown'}), ${Math.round(totalmem() / 2 ** 30)} GiB, load average ${load} at the start`;
    const setup = `${ROUNDS} rounds x ${DURATION} s per server and scenario (rotating order), ${CONNECTIONS} connections, ${CUSTOMERS} customers in the gateways' stores, NODE_ENV=production, medians over rounds, 2xx only`;
    process.stdout.write(`\n${machine}\n${setup}\n\n${formatReport(results)}`);
    if (process.env.BENCH_JSON) writeFileSync(process.env.BENCH_JSON, `${JSON.stringify({ date: new Date().toISOString(), machine, setup, results }, null, 2)}\n`);
  } finally {
    await Promise.all(Object.values(servers).map((server) => stopServer(server)));
    rmSync(workDir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`bench failed: ${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
