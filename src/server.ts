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
import { ApolloServerPluginLandingPageDisabled } from '@apollo/server/plugin/disabled';
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { registerGraphqlRoute } from './admission/graphqlRoute';
import type { AuditEventDocument } from './audit/auditEvent';
import { AuditLog } from './audit/auditLog';
import { createGatewayMetrics } from './metrics/gatewayMetrics';
import type { Config } from './config';
import type { GatewayContext, GatewayServices } from './context';
import { secretKey } from './auth/tokens';
import { createPseudonymizer } from './enforcement/redaction';
import { visibleSchemas, type Visibility } from './enforcement/visibleSchema';
import { visibilityPlugin } from './enforcement/visibilityPlugin';
import { createErrorFormatter } from './errorFormatting';
import { devToolsEnabled, registerDevTokenRoute } from './http/devTokens';
import { registerGraphiQLAssets } from './http/graphiql';
import { registerHttpErrorHandlers } from './http/httpErrors';
import { registerOperationalRoutes } from './http/operationalRoutes';
import { registerMetricsRoute } from './http/metrics';
import { gatewayPlugins } from './plugins';
import { buildGatewaySchema } from './schema';
import type { Store } from './store/port';
import type { UpstreamMode } from './upstream/upstreamGateway';
import { limitParseOptions, limitValidationRules, queryCostPlugin } from './validation/queryLimits';
import { createFilterScrubber } from './tracing/scrub';
import { tracingEnabled } from './tracing/setup';
import { storeForTracing } from './tracing/tracedStore';

export interface GatewayDeps {
  config: Config;
  store: Store;
  logger: Logger;
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
  const { schema, policy } = deps.upstream ?? buildGatewaySchema();
  const store = storeForTracing(deps.store, () => createFilterScrubber(policy), tracingEnabled());
  const services: GatewayServices = {
    config, store, policy, logger,
    pseudonymize: createPseudonymizer(config.pseudonymKey),
    jwtKey: secretKey(config.jwtSecret),
    auditLog: new AuditLog(store.collection<AuditEventDocument>('audit')),
    metrics: createGatewayMetrics(),
  };
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

  // The shared plugins are created once: their hook objects serve every visibility class.
  const sharedPlugins = [...(deps.upstream?.plugins ?? []), ...gatewayPlugins(services)];
  const validationRules = limitValidationRules(config.queryLimits);
  const costPlugin = queryCostPlugin(config.queryLimits, config.maxPageSize);
  const servers = new Map<Visibility, ApolloServer<GatewayContext>>();
  for (const [visibility, visible] of deps.upstream?.visible ?? visibleSchemas(schema, policy)) {
    const officer = visibility === 'privacy_officer';
    servers.set(visibility, new ApolloServer<GatewayContext>({
      schema: visible.schema,
      plugins: [ApolloServerPluginLandingPageDisabled(), visibilityPlugin(visibility, visible.schema, visible.hidden), costPlugin, ...sharedPlugins],
      validationRules,
      parseOptions: limitParseOptions(config.queryLimits),
      formatError: createErrorFormatter({ exposeDetails: config.exposeErrorDetails, logger, visibility, hidden: visible.hidden, suggestions: officer }),
      includeStacktraceInErrorResponses: config.exposeErrorDetails,
      // "Did you mean …" only for the privacy officer (CONTRACT section 4).
      hideSchemaDetailsFromClientErrors: !officer,
      // Refuses simple (form-like) requests without a preflight-forcing header; a bearer token is one.
      csrfPrevention: { requestHeaders: ['x-apollo-operation-name', 'apollo-require-preflight', 'authorization', 'x-purpose'] },
      allowBatchedHttpRequests: false,
      // No automatic persisted queries: a shared cache of documents lets one caller replay or probe
      // (by hash) what another sent. Clients send the document; docs/security-model.md.
      persistedQueries: false,
      introspection: true,
      // index.ts owns the process signals and calls close().
      stopOnTerminationSignals: false,
    }));
  }
  await Promise.all([...servers.values()].map((server) => server.start()));

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
