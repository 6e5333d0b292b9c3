/**
 * One benchmarked server in its own process (so it never shares an event loop with autocannon):
 * `node --import tsx bench/serverProcess.ts gateway|bare|plain`, configured by the environment
 * (NODE_ENV=production, DATA_DIR, DEMO_CUSTOMERS, RATE_LIMIT_PER_MINUTE, secrets; PLAIN_DATA for plain).
 * Talks to the parent over IPC: sends { ready: endpoint }; answers { peak } (peak RSS in bytes since
 * the last { reset }) to { report }; exits on { stop }.
 */
import { loadConfig } from '../src/config/config';
import { createLogger } from '../src/config/logger';
import { createGateway } from '../src/server/createGateway';
import { buildGatewaySchema } from '../src/server/buildSchema';
import { openStore } from '../src/store/openStore';
import { createBareGateway } from './baselineServer';
import { startPlainApollo } from './plainApollo';

export type ServerKind = 'gateway' | 'bare' | 'plain';

interface Running {
  endpoint: string;
  close(): Promise<void>;
}

async function start(kind: ServerKind): Promise<Running> {
  if (kind === 'plain') {
    const plain = await startPlainApollo(process.env.PLAIN_DATA ?? '');
    return { endpoint: plain.url, close: plain.close };
  }
  const config = loadConfig({ ...process.env, PORT: '0', LOG_LEVEL: 'silent' });
  const logger = createLogger(config);
  if (kind === 'gateway') {
    const compiled = buildGatewaySchema();
    const store = await openStore(config, logger, compiled.policy);
    const gateway = await createGateway({ config, store, logger, compiled });
    const url = await gateway.app.listen({ port: 0, host: '127.0.0.1' });
    return { endpoint: `${url}/graphql`, close: async () => { await gateway.close(); await store.close(); } };
  }
  // The bare gateway's store holds the same seed in clear (the product refuses that in production).
  const store = await openStore({ ...config, encryption: { ...config.encryption, enabled: false } }, logger, buildGatewaySchema().policy);
  const bare = await createBareGateway(config, store, logger);
  const url = await bare.app.listen({ port: 0, host: '127.0.0.1' });
  return { endpoint: `${url}/graphql`, close: async () => { await bare.close(); await store.close(); } };
}

async function main(): Promise<void> {
  const kind = process.argv[2] as ServerKind;
  if (!['gateway', 'bare', 'plain'].includes(kind)) throw new Error('usage: serverProcess.ts gateway|bare|plain');
  const server = await start(kind);

  // Peak RSS under load: sampled often, reset by the parent before each measured run.
  let peak = process.memoryUsage.rss();
  const sampler = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage.rss());
  }, 50);
  sampler.unref();

  process.on('message', (message: { reset?: true; report?: true; stop?: true }) => {
    if (message.reset) peak = process.memoryUsage.rss();
    if (message.report) {
      const cpu = process.cpuUsage();
      process.send?.({ peak: Math.max(peak, process.memoryUsage.rss()), cpuMicros: cpu.user + cpu.system });
    }
    if (message.stop) void server.close().then(() => process.exit(0));
  });
  process.send?.({ ready: server.endpoint });
}

main().catch((error: unknown) => {
  process.stderr.write(`bench server failed: ${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
