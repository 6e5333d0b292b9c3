/**
 * createGateway(deps) → { app, apollo, services, close }: the Fastify app with GraphQL (and GraphiQL)
 * on /graphql and the operational routes. It does not listen; src/index.ts and the tests do.
 *
 * One request on /graphql:
 *   browser page? → GraphiQL (static, local assets)
 *   → token verified once (context.ts `authenticate`) → rate limit per caller (or per address)
 *   → the Apollo server of the caller's visibility class (enforcement/visibleSchema.ts: one schema
 *     per role plus one for no token, filtered once at start-up) → its context reuses the verified
 *     caller → parse (token limit) → validation (caller's schema, depth/alias/directive limits)
 *     → cost and `first` limits (with variables) → gate, resolvers, field enforcement.
 * A token or rate-limit failure is answered by the anonymous server, whose context function throws
 * it, so every error leaves through the same Apollo formatter with its HTTP status.
 */
import { randomUUID } from 'node:crypto';
import { ApolloServer, HeaderMap } from '@apollo/server';
import { ApolloServerPluginLandingPageDisabled } from '@apollo/server/plugin/disabled';
import { fastifyApolloHandler } from '@as-integrations/fastify';
import type { IncomingHttpHeaders } from 'node:http';
import Fastify, {
  type FastifyBaseLogger, type FastifyInstance, type RawReplyDefaultExpression, type RawRequestDefaultExpression,
  type RawServerDefault, type RouteHandlerMethod,
} from 'fastify';
import type { Logger } from 'pino';
import type { Config } from './config';
import { authenticate, createContext, type Authenticated, type GatewayContext, type GatewayServices } from './context';
import { secretKey } from './auth/tokens';
import { createPseudonymizer } from './enforcement/redaction';
import { visibilityOf, visibleSchemas, type Visibility } from './enforcement/visibleSchema';
import { visibilityPlugin } from './enforcement/visibilityPlugin';
import { createErrorFormatter } from './errorFormatting';
import { GatewayError, RateLimitedError } from './errors';
import { graphiqlPage, registerGraphiQLAssets, wantsGraphiQL } from './http/graphiql';
import { registerHttpErrorHandlers } from './http/httpErrors';
import { registerOperationalRoutes } from './http/operationalRoutes';
import { registerMetricsRoute } from './http/metrics';
import { FixedWindowRateLimiter, rateLimitKey } from './http/rateLimit';
import { gatewayPlugins } from './plugins';
import { buildGatewaySchema } from './schema';
import type { Store } from './store/port';
import { limitParseOptions, limitValidationRules, queryCostPlugin } from './validation/queryLimits';
import { createFilterScrubber } from './tracing/scrub';
import { tracedAuthentication, tracedRoute } from './tracing/requestSpans';
import { tracingEnabled } from './tracing/setup';
import { storeForTracing } from './tracing/tracedStore';

export interface GatewayDeps {
  config: Config;
  store: Store;
  logger: Logger;
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

type ApolloRoute = RouteHandlerMethod<RawServerDefault, RawRequestDefaultExpression, RawReplyDefaultExpression, { Reply: string }>;

/** What the /graphql route decided before handing the request to Apollo. */
type Admission = { ok: true; authenticated: Authenticated } | { ok: false; error: GatewayError };

function header(request: { headers: IncomingHttpHeaders }, name: string): string | undefined {
  const value = request.headers[name];
  return Array.isArray(value) ? value.join(',') : value;
}

function rateLimited(retryAfterSeconds: number): RateLimitedError {
  const error = new RateLimitedError();
  (error.extensions as Record<string, unknown>).http = { status: 429, headers: new HeaderMap([['retry-after', String(retryAfterSeconds)]]) };
  return error;
}

export async function createGateway(deps: GatewayDeps): Promise<Gateway> {
  const { config, logger } = deps;
  const { schema, policy } = buildGatewaySchema();
  const store = storeForTracing(deps.store, () => createFilterScrubber(policy), tracingEnabled());
  const services: GatewayServices = {
    config, store, policy, logger,
    pseudonymize: createPseudonymizer(config.pseudonymKey),
    jwtKey: secretKey(config.jwtSecret),
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
  const sharedPlugins = gatewayPlugins(services);
  const validationRules = limitValidationRules(config.queryLimits);
  const costPlugin = queryCostPlugin(config.queryLimits, config.maxPageSize);
  const servers = new Map<Visibility, ApolloServer<GatewayContext>>();
  for (const [visibility, visible] of visibleSchemas(schema, policy)) {
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
      introspection: true,
      // index.ts owns the process signals and calls close().
      stopOnTerminationSignals: false,
    }));
  }
  await Promise.all([...servers.values()].map((server) => server.start()));

  const admissions = new WeakMap<object, Admission>();
  const handlers = new Map<Visibility, ApolloRoute>();
  for (const [visibility, server] of servers) {
    handlers.set(visibility, fastifyApolloHandler<GatewayContext>(server, {
      context: async (request) => {
        const admission = admissions.get(request);
        if (admission === undefined || !admission.ok) throw admission?.error ?? new RateLimitedError();
        return createContext(services, {
          requestId: request.id,
          authorization: header(request, 'authorization'),
          purposeHeader: header(request, 'x-purpose'),
          gpcHeader: header(request, 'sec-gpc'),
        }, admission.authenticated);
      },
    }));
  }

  const limiter = new FixedWindowRateLimiter(config.rateLimitPerMinute);
  const graphqlRoute: ApolloRoute = async function graphqlRoute(request, reply) {
    if (wantsGraphiQL(request)) {
      const page = graphiqlPage();
      return reply.type(page.type).headers(page.headers).send(page.body);
    }
    let admission: Admission;
    try {
      admission = { ok: true, authenticated: await tracedAuthentication(() => authenticate(services, header(request, 'authorization'))) };
    } catch (error) {
      if (!(error instanceof GatewayError)) throw error;
      admission = { ok: false, error };
    }
    const caller = admission.ok ? admission.authenticated.caller : null;
    const decision = limiter.take(rateLimitKey(caller, request.ip));
    if (!decision.allowed) admission = { ok: false, error: rateLimited(decision.retryAfterSeconds) };
    admissions.set(request, admission);
    const visibility = admission.ok ? visibilityOf(caller) : 'anonymous';
    return handlers.get(visibility)!.call(this, request, reply);
  };
  app.route({ method: ['GET', 'POST', 'OPTIONS'], url: '/graphql', handler: tracedRoute(graphqlRoute) });
  registerGraphiQLAssets(app);
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
