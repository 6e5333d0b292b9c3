/**
 * Scale benchmark of the embedded store through the real gateway process (`src/index.ts`, production
 * mode, encryption at rest on): first start (seed), restart, resident memory, and single-request p50s.
 *
 *   npm run bench:scale -- --customers 1000000 [--dir .data-scale-1000000] [--samples 25] [--keep] [--reuse]
 *
 * The data directory is created fresh (an existing one is reused only with --reuse, which skips the
 * seed measurement). Requests run one at a time, so each figure is the latency of that request alone.
 * Prints a Markdown table and a JSON line.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { mintToken, secretKey } from '../src/auth/tokens';

const ROOT = resolve(import.meta.dirname, '..');
const SECRETS = {
  JWT_SECRET: 'scale-bench-jwt-secret-0123456789abcdef012345',
  PSEUDONYM_KEY: 'scale-bench-pseudonym-key-0123456789abcdef01',
  MASTER_KEY: 'scale-bench-master-key-0123456789abcdef0123456',
  BLIND_INDEX_KEY: 'scale-bench-blind-index-key-0123456789abcdef',
};

const { values } = parseArgs({
  options: {
    customers: { type: 'string', default: '10000' },
    dir: { type: 'string' },
    samples: { type: 'string', default: '25' },
    reuse: { type: 'boolean', default: false },
    keep: { type: 'boolean', default: false },
  },
});
const customers = Number(values.customers);
const samples = Number(values.samples);
const dataDir = resolve(values.dir ?? join(ROOT, `.data-scale-${customers}`));

interface Server { child: ChildProcess; url: string; startMs: number }

function start(): Promise<Server> {
  const began = performance.now();
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/index.ts'], {
    cwd: ROOT,
    env: {
      ...process.env, ...SECRETS, MONGODB_URI: '', NODE_ENV: 'production', LOG_LEVEL: 'info', PORT: '0', HOST: '127.0.0.1',
      DATA_DIR: dataDir, DEMO_CUSTOMERS: String(customers), RATE_LIMIT_PER_MINUTE: '10000000',
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return new Promise((done, fail) => {
    child.once('exit', (code) => fail(new Error(`gateway exited (${code}) before listening`)));
    createInterface({ input: child.stdout! }).on('line', (line) => {
      if (!line.includes('privacy gateway listening')) return;
      const url = (JSON.parse(line) as { address?: string }).address;
      if (url) done({ child, url, startMs: performance.now() - began });
    });
  });
}

function stop(server: Server): Promise<void> {
  return new Promise((done) => {
    server.child.once('exit', () => done());
    server.child.kill('SIGTERM');
  });
}

function memory(server: Server): { rssMiB: number; peakMiB: number } {
  const status = readFileSync(`/proc/${server.child.pid}/status`, 'utf8');
  const kib = (name: string) => Number(new RegExp(`${name}:\\s+(\\d+)`).exec(status)?.[1] ?? 0);
  return { rssMiB: Math.round(kib('VmRSS') / 1024), peakMiB: Math.round(kib('VmHWM') / 1024) };
}

async function gql(server: Server, token: string, purpose: string, query: string, variables: Record<string, unknown> = {}) {
  const response = await fetch(`${server.url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}`, 'x-purpose': purpose },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await response.json()) as { data?: Record<string, any>; errors?: { message: string }[] };
  if (body.errors !== undefined) throw new Error(`request failed: ${JSON.stringify(body.errors).slice(0, 300)}`);
  return body.data!;
}

async function p50(run: (i: number) => Promise<unknown>, count = samples): Promise<number> {
  await run(count); // warm-up, not counted
  const times: number[] = [];
  for (let i = 0; i < count; i += 1) {
    const began = performance.now();
    await run(i);
    times.push(performance.now() - began);
  }
  times.sort((a, b) => a - b);
  return Math.round(times[Math.floor(times.length / 2)]! * 10) / 10;
}

const cursor = (id: string) => Buffer.from(`c1:${id}`, 'utf8').toString('base64url');
const FIELDS = 'id email phone fullName birthDate postalCode country loyaltyTier lifetimeValue orderCount lastPurchaseAt';

async function main(): Promise<void> {
  if (existsSync(dataDir) && !values.reuse) rmSync(dataDir, { recursive: true, force: true });
  const key = secretKey(SECRETS.JWT_SECRET);
  const token = (role: string, purposes: string[], extra: Record<string, string> = {}) => mintToken({ role: role as never, purposes: purposes as never, sub: `${role}-bench`, ttl: '2h', ...extra } as never, key);
  const [marketer, support, officer, analyst] = await Promise.all([
    token('marketer', ['MARKETING']), token('support', ['SUPPORT']), token('privacy_officer', ['LEGAL_COMPLIANCE']), token('analyst', ['ANALYTICS']),
  ]);

  const first = await start();
  const seedMs = values.reuse ? null : first.startMs;
  await stop(first);
  const server = await start();
  const afterStart = memory(server);
  // The start-up integrity check maps the database file (file-backed pages, released after it): the
  // peak is reset here so the figure under load is the request path's own (Linux clear_refs 5).
  try {
    writeFileSync(`/proc/${server.child.pid}/clear_refs`, '5');
  } catch {
    // not permitted: the peak then includes start-up
  }
  const figures: Record<string, number | null> = { seedS: seedMs === null ? null : Math.round(seedMs / 100) / 10, restartS: Math.round(server.startMs / 100) / 10 };
  try {
    const page = (after?: string) => gql(server, marketer, 'MARKETING', `query($after: String) { customers(first: 100, after: $after) { edges { node { ${FIELDS} } } pageInfo { hasNextPage } } }`, { after });
    figures.pageFirstMs = await p50(() => page());
    figures.pageDeepMs = await p50(() => page(cursor('cus_x')));
    const people = (await gql(server, officer, 'LEGAL_COMPLIANCE', `{ customers(first: 500) { edges { node { id email } } } }`)).customers.edges.map((edge: { node: { id: string; email: string } }) => edge.node);
    figures.customerByIdMs = await p50((i) => gql(server, support, 'SUPPORT', `query($id: ID!) { customer(id: $id) { ${FIELDS} } }`, { id: people[i % 200]!.id }));
    figures.customerByEmailMs = await p50((i) => gql(server, support, 'SUPPORT', `query($email: String) { customer(email: $email) { ${FIELDS} } }`, { email: people[i % 200]!.email }));
    figures.filteredTotalCountMs = await p50(() => gql(server, marketer, 'MARKETING', `{ customers(first: 0, filter: { country: "DE" }) { totalCount } }`));
    figures.totalCountMs = await p50(() => gql(server, marketer, 'MARKETING', `{ customers(first: 10) { totalCount edges { node { id } } } }`));
    figures.segmentReport2Ms = await p50(() => gql(server, analyst, 'ANALYTICS', `{ segmentReport(segmentId: "seg_all", groupBy: [COUNTRY, LOYALTY_TIER]) { total groups { keys count } } }`), Math.min(samples, 9));
    figures.eraseCustomerMs = await p50((i) => gql(server, officer, 'LEGAL_COMPLIANCE', `mutation($id: ID!) { eraseCustomer(id: $id, reason: "scale benchmark") { customerId } }`, { id: people[250 + i]!.id }), Math.min(samples, 20));
    const underLoad = memory(server);
    Object.assign(figures, { rssAfterStartMiB: afterStart.rssMiB, peakRssStartMiB: afterStart.peakMiB, rssUnderLoadMiB: underLoad.rssMiB, peakRssUnderLoadMiB: underLoad.peakMiB });
  } finally {
    await stop(server);
    if (!values.keep) rmSync(dataDir, { recursive: true, force: true });
  }
  const machine = `${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}`;
  process.stdout.write(`\n| ${customers.toLocaleString('en')} customers (${machine}) | value |\n| --- | ---: |\n`);
  for (const [name, value] of Object.entries(figures)) process.stdout.write(`| ${name} | ${value ?? '—'} |\n`);
  process.stdout.write(`${JSON.stringify({ customers, machine, ...figures })}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`bench:scale failed: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
