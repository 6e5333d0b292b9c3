/**
 * Start-up of gateway mode, shared by the entry point and the tests: reads the configuration file,
 * builds the upstream-backed schema (failing start-up on any configuration or annotation error), and
 * opens the gateway's own store for consent, audit and partners. That store is not seeded with demo
 * customers: the records live upstream.
 */
import type { Logger } from 'pino';
import type { Config } from '../config/config';
import type { Policy } from '../policy/types';
import type { Store } from '../store/port';
import { readGatewayConfig } from './gatewayConfig';
import { buildUpstreamMode, type UpstreamMode } from './upstreamGateway';
import { withUpstreamReadiness } from './upstreamReadiness';

export interface GatewayModeStart {
  upstream: UpstreamMode;
  /** The store to close on shutdown. */
  store: Store;
  /** The store to hand to createGateway (its readiness includes the upstreams). */
  gatewayStore: Store;
}

export async function openGatewayMode(
  config: Config & { gatewayConfigPath: string },
  logger: Logger,
  openStore: (config: Config, logger: Logger, policy: Policy) => Promise<Store>,
  env: Record<string, string | undefined> = process.env,
): Promise<GatewayModeStart> {
  const upstream = await buildUpstreamMode(readGatewayConfig(config.gatewayConfigPath, env), logger);
  const store = await openStore({ ...config, demoCustomers: 0 }, logger, upstream.policy);
  return { upstream, store, gatewayStore: withUpstreamReadiness(store, upstream) };
}
