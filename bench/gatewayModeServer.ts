/**
 * The gateway in gateway mode in its own process, for bench/gatewayMode.ts:
 * `node --import tsx bench/gatewayModeServer.ts`, configured by the environment (GATEWAY_CONFIG,
 * SHOP_URL, SHOP_KEY, DATA_DIR, ...). Sends { ready: url } over IPC; answers { cpu } (process CPU
 * microseconds, user + system) to { report }; stops on { stop }.
 */
import { loadConfig } from '../src/config/config';
import { createLogger } from '../src/config/logger';
import { createGateway } from '../src/server/createGateway';
import { openStore } from '../src/store/openStore';
import { openGatewayMode } from '../src/upstream/openGatewayMode';

async function main(): Promise<void> {
  const config = loadConfig({ ...process.env, PORT: '0', LOG_LEVEL: 'silent' });
  if (config.gatewayConfigPath === undefined) throw new Error('GATEWAY_CONFIG is required');
  const logger = createLogger(config);
  const mode = await openGatewayMode({ ...config, gatewayConfigPath: config.gatewayConfigPath }, logger, openStore);
  const gateway = await createGateway({ config, store: mode.gatewayStore, logger, compiled: mode.upstream, upstream: mode.upstream });
  const url = await gateway.app.listen({ port: 0, host: '127.0.0.1' });
  process.on('message', (message: { stop?: true; report?: true }) => {
    if (message.report) {
      const usage = process.cpuUsage();
      process.send?.({ cpu: usage.user + usage.system });
    }
    if (message.stop) void gateway.close().then(() => mode.store.close()).then(() => process.exit(0));
  });
  process.send?.({ ready: url });
}

main().catch((error: unknown) => {
  process.stderr.write(`gateway-mode bench server failed: ${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
