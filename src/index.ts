/** Entry point: read the config, open the store, listen; shut down gracefully on SIGINT/SIGTERM. */
import { ConfigError, loadConfig } from './config/config';
import { createLogger } from './config/logger';
import { buildGatewaySchema } from './server/buildSchema';
import { createGateway } from './server/createGateway';
import { openStore } from './store/openStore';
import { startTracing } from './tracing/setup';
import { openGatewayMode } from './upstream/openGatewayMode';

async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`privacy-gateway: configuration error: ${error.message}\n`);
      process.exit(1);
    }
    throw error;
  }
  const logger = createLogger(config);
  for (const warning of config.warnings) logger.warn(warning);
  // OpenTelemetry, off unless OTEL_TRACES_EXPORTER says otherwise (docs/observability.md).
  const tracing = startTracing(process.env);
  if (tracing !== null) logger.info({ exporter: process.env.OTEL_TRACES_EXPORTER }, 'tracing on');
  const { gatewayConfigPath } = config;
  // GATEWAY_CONFIG set: gateway mode (fronting upstream GraphQL services), else managed mode.
  const mode = gatewayConfigPath === undefined ? undefined : await openGatewayMode({ ...config, gatewayConfigPath }, logger, openStore);
  // The one compilation of the schema's annotations: the store (what to encrypt) and the server get it.
  const compiled = mode?.upstream ?? buildGatewaySchema();
  const store = mode?.store ?? await openStore(config, logger, compiled.policy);
  const gateway = await createGateway({ config, store: mode?.gatewayStore ?? store, logger, compiled, upstream: mode?.upstream });
  const address = await gateway.app.listen({ port: config.port, host: config.host });
  logger.info({ address, store: store.kind }, `privacy gateway listening: GraphQL at ${address}/graphql`);
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down');
    await gateway.close();
    await store.close();
    await tracing?.shutdown();
    process.exit(0);
  };
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));
}

main().catch((error: unknown) => {
  process.stderr.write(`privacy-gateway: failed to start: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
