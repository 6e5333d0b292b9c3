/**
 * The gateway with its privacy layers off, assembled here from the gateway's own modules (the product
 * has no switch for this): the same Fastify app shape, Apollo Server, SDL, resolvers, loaders, token
 * verification, purpose header, query limits, metrics and executor, over the same store engine — but
 *   - no encryption at rest (its store is seeded in clear),
 *   - no per-role visible schema (one schema for everyone),
 *   - no shield gate and no @pii field wrappers (resolvers run bare),
 *   - no audit, no `extensions.privacy`, no Global Privacy Control plugin.
 * What the full gateway costs on top of this is the price of the privacy layers together.
 */
import { ApolloServer } from '@apollo/server';
import { ApolloServerPluginCacheControlDisabled, ApolloServerPluginLandingPageDisabled } from '@apollo/server/plugin/disabled';
import { fastifyApolloDrainPlugin, fastifyApolloHandler } from '@as-integrations/fastify';
import Fastify from 'fastify';
import type { Logger } from 'pino';
import type { Config } from '../src/config/config';
import { createContext, type GatewayContext, type GatewayServices } from '../src/admission/context';
import { importTokenKey } from '../src/auth/tokens';
import { TokenVerifier } from '../src/auth/tokenVerifier';
import { createPseudonymizer } from '../src/enforcement/redaction';
import { metricsPlugin } from '../src/metrics/metricsPlugin';
import { createGatewayMetrics } from '../src/metrics/gatewayMetrics';
import { guardCustomerReads } from '../src/enforcement/recordGuard';
import type { AuditEventDocument } from '../src/audit/auditEvent';
import { AuditLog } from '../src/audit/auditLog';
import { compilePolicy } from '../directives/compilePolicy';
import { buildManifest } from '../src/privacy/manifest';
import { buildAnnotatedSchema } from '../src/server/buildSchema';
import type { Store } from '../src/store/port';
import { limitParseOptions, limitValidationRules, queryCostPlugin } from '../src/admission/queryLimits';
import { executionFor } from '../src/execution/apolloExecution';
import { createExecutionMetrics } from '../src/execution/executionMetrics';

const header = (value: string | string[] | undefined) => (Array.isArray(value) ? value.join(',') : value);

export async function createBareGateway(config: Config, store: Store, logger: Logger) {
  const schema = buildAnnotatedSchema();
  const policy = compilePolicy(schema);
  const jwtKey = await importTokenKey(config.jwtSecret);
  const services: GatewayServices = {
    config, store, logger, policy,
    pseudonymize: createPseudonymizer(config.pseudonymKey),
    jwtKey,
    tokens: new TokenVerifier(jwtKey),
    // The bare gateway audits nothing; the log exists because the services shape carries one.
    auditLog: new AuditLog(store.collection<AuditEventDocument>('audit')),
    metrics: createGatewayMetrics(),
    manifest: buildManifest(policy),
    requestStore: guardCustomerReads(store),
    loggedErrors: new WeakSet(),
  };
  const app = Fastify({ logger: false, bodyLimit: config.bodyLimitBytes });
  const apollo = new ApolloServer<GatewayContext>({
    // The executor is not a privacy layer: the same one as the gateway's (GRAPHQL_EXECUTOR applies to both).
    ...executionFor(schema, { config: config.execution, metrics: createExecutionMetrics(services.metrics.registry), logger, upstream: false }),
    plugins: [
      fastifyApolloDrainPlugin(app), ApolloServerPluginLandingPageDisabled(), ApolloServerPluginCacheControlDisabled(),
      queryCostPlugin(config.queryLimits, config.maxPageSize), metricsPlugin(services),
    ],
    validationRules: limitValidationRules(config.queryLimits),
    parseOptions: limitParseOptions(config.queryLimits),
    allowBatchedHttpRequests: false,
    introspection: true,
  });
  await apollo.start();
  const handler = fastifyApolloHandler(apollo, {
    context: async (request) => createContext(services, {
      requestId: String(request.id),
      authorization: header(request.headers.authorization),
      purposeHeader: header(request.headers['x-purpose']),
      gpcHeader: header(request.headers['sec-gpc']),
    }),
  });
  app.route({ method: ['GET', 'POST', 'OPTIONS'], url: '/graphql', handler });
  return { app, close: () => app.close() };
}
