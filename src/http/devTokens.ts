/**
 * Development tokens for the GraphiQL role switcher: `POST /dev/token` mints a short-lived token for
 * any role, purposes and (for partners) agreement, so a newcomer can explore every caller's view
 * without the command line. It exists only when both hold:
 * - NODE_ENV is not `production`, and
 * - JWT_SECRET is the development value (no real secret is set), so a token minted here is worth
 *   no more than one anybody could mint from the public development secret.
 * Otherwise the route is not registered at all (404), and GraphiQL shows no switcher.
 *
 * The body is JSON (`content-type: application/json`, so a cross-site form cannot post it):
 * `{ "role": "marketer", "purposes": ["MARKETING"], "partner": "demo-partner", "scopes": ["segments:read"], "sub": "cus_…" }`.
 * `partner` is required for role partner; for role customer `sub` defaults to the first customer.
 */
import type { FastifyInstance } from 'fastify';
import { DEV_JWT_SECRET, type Config } from '../config/config';
import type { GatewayServices } from '../admission/context';
import { mintToken } from '../auth/tokens';
import { isPurpose, type Purpose } from '../policy/purposes';
import { isRole, type Role } from '../policy/roles';
import { PREVIEW_SCOPES } from '../preview/previewHeader';

export const DEV_TOKEN_ROUTE = '/dev/token';
export const DEV_TOKEN_TTL_SECONDS = 15 * 60;
const NAME = /^[A-Za-z0-9_.:-]{1,100}$/;

export function devToolsEnabled(config: Config): boolean {
  return config.nodeEnv !== 'production' && config.jwtSecret === DEV_JWT_SECRET;
}

interface DevTokenRequest {
  role: Role;
  purposes: Purpose[];
  partner: string | undefined;
  scopes: string[];
  sub: string | undefined;
}

/** The validated request, or the message of what is wrong with it (never echoing a value). */
export function parseDevTokenRequest(body: unknown): DevTokenRequest | string {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) return 'the body must be a JSON object';
  const { role, purposes = [], partner, scopes = [], sub, ...rest } = body as Record<string, unknown>;
  if (Object.keys(rest).length > 0) return 'unknown property (known: role, purposes, partner, scopes, sub)';
  if (!isRole(role)) return 'role must be a known role';
  if (!Array.isArray(purposes) || !purposes.every(isPurpose)) return 'purposes must be a list of known purposes';
  if (!Array.isArray(scopes) || !scopes.every((scope) => (PREVIEW_SCOPES as readonly unknown[]).includes(scope))) return 'scopes must be a list of known scopes';
  if (partner !== undefined && (typeof partner !== 'string' || !NAME.test(partner))) return 'partner must be a partner id';
  if (sub !== undefined && (typeof sub !== 'string' || !NAME.test(sub))) return 'sub must be an id';
  if ((role === 'partner') !== (partner !== undefined)) return 'partner is required for role partner and only for it';
  return { role, purposes, partner, scopes, sub };
}

async function subjectFor(request: DevTokenRequest, services: GatewayServices): Promise<string | undefined> {
  if (request.sub !== undefined || request.role !== 'customer') return request.sub;
  const [first] = await services.store.collection('customers').find({}, { sort: { _id: 1 }, limit: 1 });
  return first?._id;
}

export function registerDevTokenRoute(app: FastifyInstance, services: GatewayServices): void {
  if (!devToolsEnabled(services.config)) return;
  app.post(DEV_TOKEN_ROUTE, async (request, reply) => {
    const parsed = parseDevTokenRequest(request.body);
    if (typeof parsed === 'string') return reply.code(400).send({ error: parsed });
    const sub = await subjectFor(parsed, services);
    const token = await mintToken({
      role: parsed.role,
      purposes: parsed.purposes,
      ...(sub !== undefined ? { sub } : { sub: `dev-${parsed.role}` }),
      ...(parsed.scopes.length > 0 ? { scope: parsed.scopes.join(' ') } : {}),
      ...(parsed.partner !== undefined ? { partnerId: parsed.partner } : {}),
      ttl: `${DEV_TOKEN_TTL_SECONDS}s`,
    }, services.jwtKey);
    return reply.header('cache-control', 'no-store').send({ token, expiresInSeconds: DEV_TOKEN_TTL_SECONDS, sub: sub ?? `dev-${parsed.role}` });
  });
}
