/**
 * One benchmarked server in its own process (so it never shares an event loop with autocannon):
 * `node --import tsx bench/serverProcess.ts gateway|baseline`, configured by the environment
 * (DATA_DIR, DEMO_CUSTOMERS, RATE_LIMIT_PER_MINUTE, ...). Talks to the parent over IPC:
 * sends { ready: url }; answers { peak } (peak RSS in bytes since the last { reset }) to { report }.
 */
import { loadConfig } from '../src/config';
import { createLogger } from '../src/logger';
import { createGateway } from '../src/server';
import { openStore } from '../src/store/openStore';
import { createBaseline } from './baselineServer';

type Kind = 'gateway' | 'baseline';

async function main(): Promise<void> {
  const kind = process.argv[2] as Kind;
  if (kind !== 'gateway' && kind !== 'baseline') throw new Error('usage: serverProcess.ts gateway|baseline');
  const config = loadConfig({ ...process.env, PORT: '0', LOG_LEVEL: 'silent' });
  const logger = createLogger(config);
  const store = await openStore(config, logger);
  const server = kind === 'gateway' ? (await createGateway({ config, store, logger })).app : (await createBaseline(config, store, logger)).app;
  const url = await server.listen({ port: 0, host: '127.0.0.1' });

  // Peak RSS under load: sampled often, reset by the parent before each measured run.
  let peak = process.memoryUsage.rss();
  const sampler = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage.rss());
  }, 50);
  sampler.unref();

  process.on('message', (message: { reset?: true; report?: true; stop?: true }) => {
    if (message.reset) peak = process.memoryUsage.rss();
    if (message.report) process.send?.({ peak: Math.max(peak, process.memoryUsage.rss()) });
    if (message.stop) {
      void server.close().then(() => store.close()).then(() => process.exit(0));
    }
  });
  process.send?.({ ready: url });
}

main().catch((error: unknown) => {
  process.stderr.write(`bench server failed: ${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
