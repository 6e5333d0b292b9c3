/**
 * One Apollo server per visibility class (no token, and each role), each over the schema that class
 * may see (gate/visibleSchema.ts), with the query limits, the hidden-name answers, the error formatter
 * and the shared plugins. Admission (admission/graphqlRoute.ts) routes each request to its caller's.
 */
import { ApolloServer } from '@apollo/server';
import { ApolloServerPluginLandingPageDisabled } from '@apollo/server/plugin/disabled';
import type { GatewayContext, GatewayServices } from '../admission/context';
import { limitParseOptions, limitValidationRules, queryCostPlugin } from '../admission/queryLimits';
import { createErrorFormatter } from '../errors/formatError';
import { visibilityPlugin } from '../gate/visibilityPlugin';
import { visibleSchemas, type Visibility } from '../gate/visibleSchema';
import type { UpstreamMode } from '../upstream/upstreamGateway';
import type { GatewaySchema } from './buildSchema';
import { gatewayPlugins } from './plugins';
import { executionFor } from '../execution/apolloExecution';
import { createExecutionMetrics } from '../execution/executionMetrics';

export async function startClassServers(
  services: GatewayServices, compiled: GatewaySchema, upstream: UpstreamMode | undefined,
): Promise<Map<Visibility, ApolloServer<GatewayContext>>> {
  // The shared plugins are created once: their hook objects serve every visibility class.
  const sharedPlugins = [...(upstream?.plugins ?? []), ...gatewayPlugins(services)];
  const validationRules = limitValidationRules(services.config.queryLimits);
  const costPlugin = queryCostPlugin(services.config.queryLimits, services.config.maxPageSize);
  const servers = new Map<Visibility, ApolloServer<GatewayContext>>();
  // One executor (and plan cache) per class: a plan never runs over another class's schema.
  const execution = { config: services.config.execution, metrics: createExecutionMetrics(services.metrics.registry), logger: services.logger, upstream: upstream !== undefined };
  for (const [visibility, visible] of upstream?.visible ?? visibleSchemas(compiled.schema, compiled.policy)) {
    const officer = visibility === 'privacy_officer';
    servers.set(visibility, new ApolloServer<GatewayContext>({
      ...executionFor(visible.schema, execution),
      plugins: [ApolloServerPluginLandingPageDisabled(), visibilityPlugin(visibility, visible.schema, visible.hidden), costPlugin, ...sharedPlugins],
      validationRules,
      parseOptions: limitParseOptions(services.config.queryLimits),
      formatError: createErrorFormatter({ exposeDetails: services.config.exposeErrorDetails, logger: services.logger, loggedErrors: services.loggedErrors, visibility, hidden: visible.hidden, suggestions: officer }),
      includeStacktraceInErrorResponses: services.config.exposeErrorDetails,
      // "Did you mean …" only for the privacy officer (docs/api.md).
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
  return servers;
}
