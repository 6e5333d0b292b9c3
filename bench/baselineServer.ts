/**
 * The benchmark's baseline: a plain Apollo Server 5 on the same Fastify integration, with the same
 * SDL, the same resolvers and the same store, and no privacy layer at all — no token verification,
 * no shield gate, no @pii field wrappers, no visible-schema filtering, no audit, no privacy
 * extension, no query limits. What the gateway costs on top of this is the price of the privacy layer.
 *
 * The resolvers still expect a GatewayContext (loaders, services, purpose), so the baseline builds
 * one per request from the X-Purpose header without checking anything.
 */
import { randomUUID } from 'node:crypto';
import { ApolloServer } from '@apollo/server';
import { ApolloServerPluginLandingPageDisabled } from '@apollo/server/plugin/disabled';
import { fastifyApolloDrainPlugin, fastifyApolloHandler } from '@as-integrations/fastify';
import { makeExecutableSchema } from '@graphql-tools/schema';
import Fastify from 'fastify';
import type { Config } from '../src/config';
import type { GatewayContext, GatewayServices } from '../src/context';
import { secretKey } from '../src/auth/tokens';
import { RequestAudit } from '../src/audit/requestAudit';
import { PrivacyRecorder } from '../src/enforcement/privacyRecorder';
import { createPseudonymizer } from '../src/enforcement/redaction';
import { compilePolicy } from '../directives/compilePolicy';
import { piiDirectiveTypeDefs } from '../directives/pii';
import { purposeDirectiveTypeDefs } from '../directives/purpose';
import { resolvers } from '../resolvers';
import type { Purpose } from '../src/policy/purposes';
import type { Caller } from '../src/policy/types';
import { loadTypeDefs } from '../src/schema';
import { createLoaders } from '../src/store/loaders';
import type { Store } from '../src/store/port';
import type { Logger } from 'pino';

/** Everyone is this caller on the baseline: it exists only because resolvers read the context. */
const BASELINE_CALLER: Caller = {
  sub: 'baseline', role: 'privacy_officer', scopes: [], partnerId: null,
  purposes: ['LEGAL_COMPLIANCE', 'SUPPORT', 'ANALYTICS', 'MARKETING', 'PERSONALIZATION', 'THIRD_PARTY_SHARING'],
};

export async function createBaseline(config: Config, store: Store, logger: Logger) {
  // Same SDL (the directives are declared so it parses, but nothing reads them) and same resolvers.
  const schema = makeExecutableSchema({ typeDefs: [piiDirectiveTypeDefs, purposeDirectiveTypeDefs, ...loadTypeDefs()], resolvers });
  const services: GatewayServices = {
    config, store, logger,
    policy: compilePolicy(schema),
    pseudonymize: createPseudonymizer(config.pseudonymKey),
    jwtKey: secretKey(config.jwtSecret),
  } as GatewayServices;
  const app = Fastify({ logger: false, bodyLimit: config.bodyLimitBytes });
  const apollo = new ApolloServer<GatewayContext>({
    schema,
    plugins: [fastifyApolloDrainPlugin(app), ApolloServerPluginLandingPageDisabled()],
    csrfPrevention: true,
    introspection: true,
  });
  await apollo.start();
  const handler = fastifyApolloHandler(apollo, {
    context: async (request) => {
      const stated = request.headers['x-purpose'];
      const purpose = (typeof stated === 'string' ? stated : 'LEGAL_COMPLIANCE') as Purpose;
      return {
        requestId: randomUUID(),
        caller: BASELINE_CALLER,
        purpose,
        loaders: createLoaders(store),
        privacy: new PrivacyRecorder(BASELINE_CALLER, purpose),
        audit: new RequestAudit(),
        pseudonymize: services.pseudonymize,
        services,
        signals: { gpc: false },
      } as GatewayContext;
    },
  });
  app.route({ method: ['GET', 'POST', 'OPTIONS'], url: '/graphql', handler });
  return { app, close: () => app.close() };
}
