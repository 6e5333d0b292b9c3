/**
 * Admission to POST/GET /graphql, in the order a request meets it:
 *   a browser page? → GraphiQL (static, local assets, not rate-limited)
 *   → onRequest: the token is verified once (`authenticate`) and the outcome kept for the request
 *   → preHandler: @fastify/rate-limit keyed by the verified caller (or the address without a token);
 *     over the limit, the HTTP error handler answers 429 RATE_LIMITED with Retry-After
 *   → handler: the Apollo server of the caller's visibility class; its context reuses the verified
 *     caller. A token failure is answered by the anonymous class's server, whose context function
 *     throws it, so every GraphQL error leaves through the same Apollo formatter with its HTTP status.
 */
import { ApolloServer } from '@apollo/server';
import { fastifyApolloHandler } from '@as-integrations/fastify';
import rateLimit from '@fastify/rate-limit';
import type { FastifyInstance, FastifyRequest, RawReplyDefaultExpression, RawRequestDefaultExpression, RawServerDefault, RouteHandlerMethod } from 'fastify';
import type { IncomingHttpHeaders } from 'node:http';
import { authenticate, createContext, type Authenticated, type GatewayContext, type GatewayServices } from '../context';
import { visibilityOf, type Visibility } from '../enforcement/visibleSchema';
import { GatewayError, RateLimitedError } from '../errors';
import { graphiqlPage, wantsGraphiQL } from '../http/graphiql';
import { rateLimitKey } from './rateLimitKey';

type ApolloRoute = RouteHandlerMethod<RawServerDefault, RawRequestDefaultExpression, RawReplyDefaultExpression, { Reply: string }>;

/** What admission decided about the token before the request reaches Apollo. */
type Admission = { ok: true; authenticated: Authenticated } | { ok: false; error: GatewayError };

const RATE_WINDOW_MS = 60_000;

function header(request: { headers: IncomingHttpHeaders }, name: string): string | undefined {
  const value = request.headers[name];
  return Array.isArray(value) ? value.join(',') : value;
}

/** The error @fastify/rate-limit throws over the limit: the HTTP error handler answers it as RATE_LIMITED. */
export class RateLimitExceeded extends Error {
  readonly statusCode = 429;
  readonly code = 'RATE_LIMITED';
  constructor() {
    super(new RateLimitedError().message);
  }
}

export async function registerGraphqlRoute(
  app: FastifyInstance, services: GatewayServices, servers: ReadonlyMap<Visibility, ApolloServer<GatewayContext>>,
): Promise<void> {
  const admissions = new WeakMap<FastifyRequest, Admission>();
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
  const callerOf = (request: FastifyRequest) => {
    const admission = admissions.get(request);
    return admission?.ok ? admission.authenticated.caller : null;
  };

  await app.register(rateLimit, {
    global: false,
    // Only Retry-After on a refusal: the limit's size and state are no caller's business.
    addHeadersOnExceeding: { 'x-ratelimit-limit': false, 'x-ratelimit-remaining': false, 'x-ratelimit-reset': false },
    addHeaders: { 'x-ratelimit-limit': false, 'x-ratelimit-remaining': false, 'x-ratelimit-reset': false, 'retry-after': true },
  });
  const limiter = app.rateLimit({
    max: services.config.rateLimitPerMinute,
    timeWindow: RATE_WINDOW_MS,
    keyGenerator: (request) => rateLimitKey(callerOf(request), request.ip),
    allowList: (request) => wantsGraphiQL(request),
    onExceeded: () => services.metrics.errors.inc({ code: 'RATE_LIMITED' }),
    errorResponseBuilder: () => new RateLimitExceeded(),
  });

  const graphqlRoute: ApolloRoute = async function graphqlRoute(request, reply) {
    if (wantsGraphiQL(request)) {
      const page = graphiqlPage();
      return reply.type(page.type).headers(page.headers).send(page.body);
    }
    const visibility = admissions.get(request)?.ok ? visibilityOf(callerOf(request)) : 'anonymous';
    return handlers.get(visibility)!.call(this, request, reply);
  };
  app.route({
    method: ['GET', 'POST', 'OPTIONS'],
    url: '/graphql',
    onRequest: async (request) => {
      if (wantsGraphiQL(request)) return;
      try {
        admissions.set(request, { ok: true, authenticated: await authenticate(services, header(request, 'authorization')) });
      } catch (error) {
        if (!(error instanceof GatewayError)) throw error;
        admissions.set(request, { ok: false, error });
      }
    },
    preHandler: limiter,
    handler: graphqlRoute,
  });
}
