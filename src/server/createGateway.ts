/**
 * createGateway(deps) → { app, apollo, services, close }: the Fastify app with GraphQL (and GraphiQL)
 * on /graphql and the operational routes. It does not listen; src/index.ts and the tests do.
 *
 * One request on /graphql: admission (admission/graphqlRoute.ts: token, rate limit, routing to the
 * caller's class) → the Apollo server of the caller's visibility class (enforcement/visibleSchema.ts:
 * one schema per role plus one for no token, filtered once at start-up) → parse (token limit) →
 * validation (caller's schema, depth/alias/directive limits) → cost and `first` limits (with
 * variables) → gate, resolvers, field enforcement → audit and metrics plugins.
 */
import { randomUUID } from 'node:crypto';
import { ApolloServer } from '@apollo/server';
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { registerGraphqlRoute } from '../admission/graphqlRoute';
import { startClassServers } from './classServers';
import { createServices } from './services';
import type { Config } from '../config/config';
import type { GatewayContext, GatewayServices } from '../admission/context';
import type { Visibility } from '../gate/visibleSchema';
import { devToolsEnabled, registerDevTokenRoute } from '../http/devTokens';
import { registerGraphiQLAssets } from '../http/graphiql';
import { registerHttpErrorHandlers } from '../http/httpErrors';
import { registerOperationalRoutes } from '../http/operationalRoutes';
import { registerMetricsRoute } from '../http/metrics';
import type { GatewaySchema } from './buildSchema';
import type { Store } from '../store/port';
import type { UpstreamMode } from '../upstream/upstreamGateway';
import { createFilterScrubber } from '../tracing/scrub';
import { tracingEnabled } from '../tracing/setup';
import { storeForTracing } from '../tracing/tracedStore';

export interface GatewayDeps {
  config: Config;
  store: Store;
  logger: Logger;
  /** The schema and policy compiled once at start-up (schema.ts, or gateway mode's upstream schema). */
  compiled: GatewaySchema;
  /** Gateway mode: serve the upstream-backed schema (src/upstream) instead of the managed one. */
  upstream?: UpstreamMode;
}

export interface Gateway {
  app: FastifyInstance;
  /** The privacy officer's server (the widest schema), for in-process `executeOperation`. */
  apollo: ApolloServer<GatewayContext>;
  /** One server per visibility class; HTTP requests are routed to the caller's. */
  apolloByVisibility: ReadonlyMap<Visibility, ApolloServer<GatewayContext>>;
  services: GatewayServices;
  close(): Promise<void>;
}

export async function createGateway(deps: GatewayDeps): Promise<Gateway> {
  const { config, logger } = deps;
  const { policy } = deps.compiled;
  const store = storeForTracing(deps.store, () => createFilterScrubber(policy), tracingEnabled());
  const services = await createServices(config, store, logger, policy);
  const app = Fastify({
    loggerInstance: logger as FastifyBaseLogger,
    genReqId: () => randomUUID(),
    requestIdHeader: false,
    bodyLimit: config.bodyLimitBytes,
    // A client that stalls while sending (slowloris) or idles on a socket is cut off.
    connectionTimeout: config.requestTimeoutMs,
    requestTimeout: config.requestTimeoutMs,
  });
  app.addHook('onSend', async (request, reply) => {
    reply.header('x-request-id', request.id);
  });
  registerHttpErrorHandlers(app, { exposeDetails: config.exposeErrorDetails, logger, bodyLimit: config.bodyLimitBytes });

  const servers = await startClassServers(services, deps.compiled, deps.upstream);

  await registerGraphqlRoute(app, services, servers);
  registerGraphiQLAssets(app, { roleSwitcher: devToolsEnabled(config) });
  registerDevTokenRoute(app, services);
  registerOperationalRoutes(app, services);
  registerMetricsRoute(app, services);
  return {
    app,
    apollo: servers.get('privacy_officer')!,
    apolloByVisibility: servers,
    services,
    async close() {
      await app.close();
      await Promise.all([...servers.values()].map((server) => server.stop()));
    },
  };
}
