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
import { createContext, type GatewayContext } from '../src/admission/context';
import { metricsPlugin } from '../src/metrics/metricsPlugin';
import { compilePolicy } from '../directives/compilePolicy';
import { buildAnnotatedSchema } from '../src/server/buildSchema';
import { createServices } from '../src/server/services';
import type { Store } from '../src/store/port';
import { limitParseOptions, limitValidationRules, queryCostPlugin } from '../src/admission/queryLimits';
import { executionFor } from '../src/execution/apolloExecution';
import { createExecutionMetrics } from '../src/execution/executionMetrics';

const header = (value: string | string[] | undefined) => (Array.isArray(value) ? value.join(',') : value);

export async function createBareGateway(config: Config, store: Store, logger: Logger) {
  const schema = buildAnnotatedSchema();
  const policy = compilePolicy(schema);
  // The bare gateway audits nothing; its services carry an audit log because the shape has one.
  const services = await createServices(config, store, logger, policy);
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
