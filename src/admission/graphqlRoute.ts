/**
 * Admission to POST/GET /graphql, in the order a request meets it:
 *   a browser page? → GraphiQL (static, local assets, not rate-limited)
 *   → the token is verified once (`authenticate`; a preview is admitted here) and the outcome kept
 *   → @fastify/rate-limit keyed by the verified caller (or the address without a token);
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
import { authenticate, createContext, type Authenticated, type GatewayContext, type GatewayServices } from './context';
import { visibilityOf, type Visibility } from '../gate/visibleSchema';
import { GatewayError, invariant, RateLimitedError } from '../errors/errors';
import { devToolsEnabled } from '../http/devTokens';
import { graphiqlPage, wantsGraphiQL } from '../http/graphiql';
import { admitPreview } from '../preview/admitPreview';
import { previewOnSend } from '../preview/markResponse';
import { PREVIEW_HEADER } from '../preview/previewHeader';
import type { PreviewMark } from '../preview/previewMark';
import { tracedAuthentication, tracedRoute } from '../tracing/requestSpans';
import { rateLimitKey } from './rateLimitKey';

type ApolloRoute = RouteHandlerMethod<RawServerDefault, RawRequestDefaultExpression, RawReplyDefaultExpression, { Reply: string }>;

/**
 * What admission decided before the request reaches Apollo. `sender` is who sent it (the rate-limit
 * key); in a preview (X-Preview-As) `authenticated` is the previewed caller and `sender` the officer.
 */
type Admission =
  | { ok: true; authenticated: Authenticated; preview: PreviewMark | null; sender: Authenticated['caller'] }
  | { ok: false; error: GatewayError; sender: Authenticated['caller'] };

const RATE_WINDOW_MS = 60_000;

function header(request: { headers: IncomingHttpHeaders }, name: string): string | undefined {
  const value = request.headers[name];
  return Array.isArray(value) ? value.join(',') : value;
}


type Admissions = WeakMap<FastifyRequest, Admission>;

/** One Apollo route handler per visibility class; each builds its context from the request's admission. */
function classHandlers(services: GatewayServices, servers: ReadonlyMap<Visibility, ApolloServer<GatewayContext>>, admissions: Admissions) {
  const handlers = new Map<Visibility, ApolloRoute>();
  for (const [visibility, server] of servers) {
    handlers.set(visibility, fastifyApolloHandler<GatewayContext>(server, {
      context: async (request) => {
        const admission = admissions.get(request);
        // The route admits every request before it hands it to a class handler.
        invariant(admission !== undefined, 'a request reached GraphQL without admission');
        if (!admission.ok) throw admission.error;
        const context = await createContext(services, {
          requestId: request.id,
          authorization: header(request, 'authorization'),
          purposeHeader: header(request, 'x-purpose'),
          // A preview never writes on anyone's behalf, so it ignores the Global Privacy Control signal.
          gpcHeader: admission.preview === null ? header(request, 'sec-gpc') : undefined,
        }, admission.authenticated);
        return admission.preview === null ? context : { ...context, preview: admission.preview };
      },
    }));
  }
  return handlers;
}

/** @fastify/rate-limit's check, keyed by who sent the request (in a preview: the officer). */
async function callerRateLimit(app: FastifyInstance, services: GatewayServices, admissions: Admissions) {
  await app.register(rateLimit, {
    global: false,
    // Only Retry-After on a refusal: the limit's size and state are no caller's business.
    addHeadersOnExceeding: { 'x-ratelimit-limit': false, 'x-ratelimit-remaining': false, 'x-ratelimit-reset': false },
    addHeaders: { 'x-ratelimit-limit': false, 'x-ratelimit-remaining': false, 'x-ratelimit-reset': false, 'retry-after': true },
  });
  return app.rateLimit({
    max: services.config.rateLimitPerMinute,
    timeWindow: RATE_WINDOW_MS,
    keyGenerator: (request) => rateLimitKey(admissions.get(request)?.sender ?? null, request.ip),
    onExceeded: () => services.metrics.errors.inc({ code: 'RATE_LIMITED' }),
    errorResponseBuilder: () => new RateLimitedError(),
  });
}

/** Verifies the token once and admits a preview; a refusal is kept to be answered through Apollo. */
async function admit(services: GatewayServices, request: FastifyRequest, onPreview: (mark: PreviewMark) => void): Promise<Admission> {
  let sender: Authenticated['caller'] = null;
  try {
    const authenticated = await tracedAuthentication(() => authenticate(services, header(request, 'authorization')));
    sender = authenticated.caller;
    const admitted = await admitPreview(services, authenticated, header(request, PREVIEW_HEADER), request.id, onPreview);
    return { ok: true, ...admitted, sender };
  } catch (error) {
    if (!(error instanceof GatewayError)) throw error;
    return { ok: false, error, sender };
  }
}

export async function registerGraphqlRoute(
  app: FastifyInstance, services: GatewayServices, servers: ReadonlyMap<Visibility, ApolloServer<GatewayContext>>,
): Promise<void> {
  const admissions: Admissions = new WeakMap();
  const previews = new WeakMap<object, PreviewMark>();
  const handlers = classHandlers(services, servers, admissions);
  const limit = await callerRateLimit(app, services, admissions);
  // Admission runs inside the handler, so that its spans nest under the request's (tracedRoute).
  const graphqlRoute: ApolloRoute = async function graphqlRoute(request, reply) {
    if (wantsGraphiQL(request)) {
      const page = graphiqlPage({ roleSwitcher: devToolsEnabled(services.config) });
      return reply.type(page.type).headers(page.headers).send(page.body);
    }
    const admission = await admit(services, request, (mark) => previews.set(request, mark));
    admissions.set(request, admission);
    // Over the limit, this throws: the HTTP error handler answers 429 RATE_LIMITED with Retry-After.
    await limit.call(app, request, reply);
    // A preview runs on the previewed caller's server: its schema, gate and errors.
    const visibility = admission.ok ? visibilityOf(admission.authenticated.caller) : 'anonymous';
    return handlers.get(visibility)!.call(this, request, reply);
  };
  app.route({
    method: ['GET', 'POST', 'OPTIONS'],
    url: '/graphql',
    onSend: previewOnSend(previews),
    handler: tracedRoute(graphqlRoute),
  });
}
