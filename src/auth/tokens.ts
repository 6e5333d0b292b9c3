/**
 * Caller tokens: HS256 JWTs with audience `privacy-gateway` (docs/api.md#callers), verified with
 * jose. Only HS256 is accepted (so `alg: none` and every other algorithm fail), `exp` is required,
 * `nbf`/`iat` are honoured by jose. Anything wrong yields UNAUTHENTICATED without saying which check
 * failed beyond a short reason (no claim values are echoed).
 */
import { webcrypto } from 'node:crypto';
import { errors as joseErrors, jwtVerify, SignJWT } from 'jose';
import { UnauthenticatedError } from '../errors/errors';
import { isPurpose, type Purpose } from '../policy/purposes';
import { isRole, type Role } from '../policy/roles';

export const TOKEN_AUDIENCE = 'privacy-gateway';
export const TOKEN_ALGORITHM = 'HS256';
/** Longer tokens are refused before any parsing (a bearer token is a few hundred bytes). */
export const MAX_TOKEN_LENGTH = 4096;

/** The verified claims, before role and partner checks narrow them into a Caller. */
export interface TokenClaims {
  sub: string;
  role: Role;
  purposes: Purpose[];
  scopes: string[];
  partnerId: string | null;
}

/** The shared secret's bytes (for tools that mint a token now and then). */
export function secretKey(secret: string): Uint8Array {
  return new TextEncoder().encode(secret);
}

/** A key jose can sign and verify with; the server's is imported once (a raw secret is re-imported on every use). */
export type TokenKey = Uint8Array | webcrypto.CryptoKey;

/** The secret imported once as an HMAC-SHA256 key: verification then costs a third of a raw secret's. */
export async function importTokenKey(secret: string): Promise<webcrypto.CryptoKey> {
  return webcrypto.subtle.importKey('raw', secretKey(secret), { name: 'HMAC', hash: 'SHA-256' }, false, ['sign', 'verify']);
}

/** Verified claims with the validity window the signature covered (seconds since the epoch). */
export interface VerifiedToken {
  claims: TokenClaims;
  expiresAt: number;
  notBefore: number | undefined;
}

export async function verifyTokenWindow(token: string, key: TokenKey): Promise<VerifiedToken> {
  if (token.length === 0 || token.length > MAX_TOKEN_LENGTH) throw new UnauthenticatedError('Invalid token');
  let payload: Record<string, unknown>;
  try {
    ({ payload } = await jwtVerify(token, key, {
      algorithms: [TOKEN_ALGORITHM],
      audience: TOKEN_AUDIENCE,
      requiredClaims: ['exp', 'sub'],
    }));
  } catch (error) {
    const reason = error instanceof joseErrors.JWTExpired ? 'Token expired' : 'Invalid token';
    throw new UnauthenticatedError(reason);
  }
  return { claims: claimsOf(payload), expiresAt: payload.exp as number, notBefore: typeof payload.nbf === 'number' ? payload.nbf : undefined };
}

function claimsOf(payload: Record<string, unknown>): TokenClaims {
  const { sub, role, purposes, scope, partner_id: partnerId } = payload;
  if (typeof sub !== 'string' || sub.length === 0 || sub.length > 200) throw new UnauthenticatedError('Invalid token: bad subject');
  if (!isRole(role)) throw new UnauthenticatedError('Invalid token: unknown role');
  if (purposes !== undefined && !(Array.isArray(purposes) && purposes.every((p) => typeof p === 'string'))) {
    throw new UnauthenticatedError('Invalid token: purposes must be an array of strings');
  }
  if (scope !== undefined && typeof scope !== 'string') throw new UnauthenticatedError('Invalid token: scope must be a string');
  if (partnerId !== undefined && typeof partnerId !== 'string') throw new UnauthenticatedError('Invalid token: partner_id must be a string');
  if (role === 'partner' && (partnerId === undefined || partnerId === '')) throw new UnauthenticatedError('Invalid token: partner tokens need partner_id');
  return {
    sub,
    role,
    // Unknown purposes grant nothing; they are dropped rather than trusted.
    purposes: ((purposes as string[] | undefined) ?? []).filter(isPurpose),
    scopes: role === 'partner' && typeof scope === 'string' ? scope.split(' ').filter(Boolean) : [],
    partnerId: role === 'partner' ? (partnerId as string) : null,
  };
}

export interface MintOptions {
  role: Role;
  purposes: Purpose[];
  sub?: string;
  scope?: string;
  partnerId?: string;
  /** jose time span, e.g. "1h", "15m". */
  ttl?: string;
}

export async function mintToken(options: MintOptions, key: TokenKey): Promise<string> {
  const claims: Record<string, unknown> = { role: options.role, purposes: options.purposes };
  if (options.scope !== undefined) claims.scope = options.scope;
  if (options.partnerId !== undefined) claims.partner_id = options.partnerId;
  return new SignJWT(claims)
    .setProtectedHeader({ alg: TOKEN_ALGORITHM, typ: 'JWT' })
    .setSubject(options.sub ?? `${options.role}-dev`)
    .setAudience(TOKEN_AUDIENCE)
    .setIssuedAt()
    .setExpirationTime(options.ttl ?? '1h')
    .sign(key);
}
