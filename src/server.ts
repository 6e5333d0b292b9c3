/**
 * createGateway(deps) → { app, apollo }: the Fastify app with Apollo Server on /graphql and the
 * operational routes. It does not listen; src/index.ts and the tests do (tests on port 0).
 */
import { randomUUID } from 'node:crypto';
import { ApolloServer } from '@apollo/server';
import { ApolloServerPluginLandingPageDisabled } from '@apollo/server/plugin/disabled';
import { fastifyApolloDrainPlugin, fastifyApolloHandler } from '@as-integrations/fastify';
import Fastify, { type FastifyBaseLogger, type FastifyInstance, type FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import type { Config } from './config';
import { createContext, type GatewayContext, type GatewayServices } from './context';
import { secretKey } from './auth/tokens';
import { createPseudonymizer } from './enforcement/redaction';
import { createErrorFormatter } from './errorFormatting';
import { registerOperationalRoutes } from './http/operationalRoutes';
import { registerMetricsRoute } from './http/metrics';
import { gatewayPlugins } from './plugins';
import { buildGatewaySchema } from './schema';
import type { Store } from './store/port';

export interface GatewayDeps {
  config: Config;
  store: Store;
  logger: Logger;
}

export interface Gateway {
  app: FastifyInstance;
  apollo: ApolloServer<GatewayContext>;
  services: GatewayServices;
  close(): Promise<void>;
}

function header(request: FastifyRequest, name: string): string | undefined {
  const value = request.headers[name];
  return Array.isArray(value) ? value.join(',') : value;
}

export async function createGateway(deps: GatewayDeps): Promise<Gateway> {
  const { config, store, logger } = deps;
  const { schema, policy } = buildGatewaySchema();
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
  });
  app.addHook('onSend', async (request, reply) => {
    reply.header('x-request-id', request.id);
  });
  const apollo = new ApolloServer<GatewayContext>({
    schema,
    plugins: [fastifyApolloDrainPlugin(app), ApolloServerPluginLandingPageDisabled(), ...gatewayPlugins(services)],
    formatError: createErrorFormatter({ exposeDetails: config.exposeErrorDetails, logger }),
    includeStacktraceInErrorResponses: config.exposeErrorDetails,
    hideSchemaDetailsFromClientErrors: true,
    csrfPrevention: true,
    allowBatchedHttpRequests: false,
    introspection: true,
  });
  await apollo.start();
  const handler = fastifyApolloHandler(apollo, {
    context: async (request) => createContext(services, {
      requestId: request.id,
      authorization: header(request, 'authorization'),
      purposeHeader: header(request, 'x-purpose'),
      gpcHeader: header(request, 'sec-gpc'),
    }),
  });
  app.route({ method: ['GET', 'POST', 'OPTIONS'], url: '/graphql', handler });
  registerOperationalRoutes(app, services);
  registerMetricsRoute(app, services);
  return {
    app, apollo, services,
    async close() {
      await app.close();
    },
  };
}
