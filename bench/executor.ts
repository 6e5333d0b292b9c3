/**
 * What the executor alone changes (docs/execution.md): in one process, the gateway and the gateway
 * with its privacy layers off (bench/baselineServer.ts), each twice, identical but for
 * GRAPHQL_EXECUTOR (compiled / graphql-js), each over its own store seeded with the same demo data,
 * NODE_ENV=production. Requests go through Fastify's `inject` one at a time (no sockets, no load
 * generator sharing the CPU), alternating between the two gateways in rounds; the process's CPU time
 * per answer (user + system) is taken per round and the medians are compared.
 *
 *   npm run bench:executor                       # 7 rounds x 200 requests per gateway and scenario
 *   EXEC_ROUNDS=11 EXEC_REQUESTS=300 npm run bench:executor
 *   EXEC_ONLY=one npm run bench:executor            # one scenario: page or one
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../src/config/config';
import { createLogger } from '../src/config/logger';
import type { FastifyInstance } from 'fastify';
import { createGateway } from '../src/server/createGateway';
import { buildGatewaySchema } from '../src/server/buildSchema';
import { mintToken, secretKey } from '../src/auth/tokens';
import { openStore } from '../src/store/openStore';
import { createBareGateway } from './baselineServer';
import { SCENARIO_TITLES, scenarios } from './scenarios';

if (process.env.NODE_ENV !== 'production') throw new Error('run with NODE_ENV=production (npm run bench:executor): graphql-js is slower in development mode');
const ROUNDS = Number(process.env.EXEC_ROUNDS ?? 7);
const REQUESTS = Number(process.env.EXEC_REQUESTS ?? 200);
const secret = () => randomBytes(32).toString('hex');
const SECRETS = { JWT_SECRET: secret(), PSEUDONYM_KEY: secret(), MASTER_KEY: secret(), BLIND_INDEX_KEY: secret() };
const ENGINES = ['compiled', 'graphql-js'] as const;

type Kind = 'gateway' | 'bare';
type Engine = (typeof ENGINES)[number];
interface Server {
  kind: Kind;
  engine: Engine;
  inject: FastifyInstance['inject'];
  close(): Promise<void>;
}

async function start(kind: Kind, engine: Engine): Promise<Server> {
  const dataDir = mkdtempSync(join(tmpdir(), 'pg-exec-bench-'));
  const config = loadConfig({ ...SECRETS, NODE_ENV: 'production', LOG_LEVEL: 'silent', DATA_DIR: dataDir, DEMO_CUSTOMERS: '2000', RATE_LIMIT_PER_MINUTE: '10000000', GRAPHQL_EXECUTOR: engine });
  const logger = createLogger(config);
  const compiled = buildGatewaySchema();
  // As in the main benchmark, the bare gateway's store holds the seed in clear.
  const store = await openStore(kind === 'gateway' ? config : { ...config, encryption: { ...config.encryption, enabled: false } }, logger, compiled.policy);
  const app = kind === 'gateway' ? (await createGateway({ config, store, logger, compiled })).app : (await createBareGateway(config, store, logger)).app;
  await app.ready();
  return { kind, engine, inject: app.inject.bind(app), close: async () => { await app.close(); await store.close(); rmSync(dataDir, { recursive: true, force: true }); } };
}

async function answer(server: Server, body: string, headers: Record<string, string>): Promise<void> {
  const response = await server.inject({ method: 'POST', url: '/graphql', headers, payload: body });
  if (response.statusCode !== 200 || response.json().errors !== undefined) throw new Error(`unexpected answer ${response.statusCode}: ${response.body.slice(0, 200)}`);
}

/** The servers in a different order each round, so drift hits all alike. */
function rotated<T>(items: T[], round: number): T[] {
  const shift = round % items.length;
  return [...items.slice(shift), ...items.slice(0, shift)];
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

async function main(): Promise<void> {
  const servers: Server[] = [];
  for (const kind of ['gateway', 'bare'] as const) for (const engine of ENGINES) servers.push(await start(kind, engine));
  const key = secretKey(SECRETS.JWT_SECRET);
  const officer = await mintToken({ role: 'privacy_officer', purposes: ['LEGAL_COMPLIANCE'], sub: 'bench-officer' }, key);
  const first = await servers[0]!.inject({ method: 'POST', url: '/graphql', headers: { 'content-type': 'application/json', authorization: `Bearer ${officer}` }, payload: JSON.stringify({ query: '{ customers(first: 1) { edges { node { id } } } }' }) });
  const customerId = String(first.json().data.customers.edges[0].node.id);
  console.log(`node ${process.version}, ${ROUNDS} rounds x ${REQUESTS} sequential requests per gateway and scenario, 2,000 customers, CPU ms per answer (medians)`);
  console.log('scenario | server | compiled | graphql-js | compiled / graphql-js');
  for (const scenario of scenarios(customerId).filter((candidate) => process.env.EXEC_ONLY === undefined || candidate.name === process.env.EXEC_ONLY)) {
    const token = await mintToken(scenario.token, key);
    const headers = { 'content-type': 'application/json', authorization: `Bearer ${token}`, 'x-purpose': scenario.purpose };
    const body = JSON.stringify({ query: scenario.query, variables: scenario.variables });
    const perAnswer = new Map<Server, number[]>(servers.map((server) => [server, []]));
    for (let i = 0; i < 50; i += 1) for (const server of servers) await answer(server, body, headers);
    for (let round = 0; round < ROUNDS; round += 1) {
      for (const server of rotated(servers, round)) {
        const before = process.cpuUsage();
        for (let i = 0; i < REQUESTS; i += 1) await answer(server, body, headers);
        const used = process.cpuUsage(before);
        perAnswer.get(server)!.push((used.user + used.system) / 1000 / REQUESTS);
      }
    }
    for (const kind of ['gateway', 'bare'] as const) {
      const [jit, js] = ENGINES.map((engine) => median(perAnswer.get(servers.find((server) => server.kind === kind && server.engine === engine)!)!));
      const title = kind === 'gateway' ? 'gateway, every layer on' : 'gateway, privacy layers off';
      console.log(`${SCENARIO_TITLES[scenario.name] ?? scenario.name} | ${title} | ${jit!.toFixed(3)} | ${js!.toFixed(3)} | ${(jit! / js!).toFixed(2)}`);
    }
  }
  for (const server of servers) await server.close();
}

await main();
