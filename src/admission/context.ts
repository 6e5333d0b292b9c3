/**
 * The per-request GraphQL context: who is calling (verified token), for which purpose, the
 * per-request loaders and the privacy recorder. Built before execution; an invalid token or a purpose
 * the caller may not state fails the whole request with the contract's code.
 */
import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import { ForbiddenError, PurposeNotAllowedError } from '../errors/errors';
import type { Config } from '../config/config';
import type { AuditLog } from '../audit/auditLog';
import type { PrivacyManifest } from '../privacy/manifest';
import type { GatewayMetrics } from '../metrics/gatewayMetrics';
import type { TokenVerifier } from '../auth/tokenVerifier';
import type { TokenClaims, TokenKey } from '../auth/tokens';
import { RequestAudit } from '../audit/requestAudit';
import { createCustomerRecords, type CustomerRecords } from '../enforcement/customerRecords';
import { PrivacyRecorder } from '../enforcement/privacyRecorder';
import type { Pseudonymizer } from '../enforcement/redaction';
import { agreementInForce } from '../privacy/partners';
import { isPurpose, type Purpose } from '../policy/purposes';
import { ROLE_TABLE } from '../policy/roles';
import type { Caller, Policy } from '../policy/types';
import { createLoaders, type Loaders } from '../store/loaders';
import type { Store } from '../store/port';
import type { PreviewMark } from '../preview/previewMark';

export interface GatewayServices {
  config: Config;
  store: Store;
  policy: Policy;
  logger: Logger;
  pseudonymize: Pseudonymizer;
  jwtKey: TokenKey;
  /** Verifies bearer tokens with jwtKey, remembering verified ones (auth/tokenVerifier.ts). */
  tokens: TokenVerifier;
  /** The audit trail's one append queue in this gateway (every class's server appends through it). */
  auditLog: AuditLog;
  /** This gateway's Prometheus registry and instruments. */
  metrics: GatewayMetrics;
  /** The data map of `policy`, built once: the manifest route and query, and the explanations' policy version. */
  manifest: PrivacyManifest;
  /** The store as a request's resolvers see it: customer records only through `records` (enforcement/recordGuard.ts). */
  requestStore: Store;
  /** Unexpected errors already logged with their request id (errors/unexpectedErrors.ts), so the formatter does not log them again. */
  loggedErrors: WeakSet<object>;
}

export interface GatewayContext {
  requestId: string;
  caller: Caller | null;
  purpose: Purpose | null;
  loaders: Loaders;
  privacy: PrivacyRecorder;
  /** The only way resolvers read customer records: scoped to this caller and purpose by enforcement. */
  records: CustomerRecords;
  /** Explicit audit events of this request (data-subject operations); written before the response. */
  audit: RequestAudit;
  pseudonymize: Pseudonymizer;
  services: GatewayServices;
  /** Signals the data subject sent with the request (Global Privacy Control). */
  signals: { gpc: boolean };
  /** Set when the privacy officer previews another caller (X-Preview-As); `caller` is then the previewed one. */
  preview?: PreviewMark;
}

export interface RequestFacts {
  requestId?: string;
  authorization: string | undefined;
  purposeHeader: string | undefined;
  gpcHeader: string | undefined;
}

function bearer(authorization: string | undefined): string | null {
  if (authorization === undefined) return null;
  const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization);
  return match ? match[1]! : '';
}

/** Narrows verified claims to what the role (and, for partners, the agreement) permits. */
export async function callerFromClaims(claims: TokenClaims, loaders: Loaders): Promise<Caller> {
  let purposes = claims.purposes.filter((purpose) => ROLE_TABLE[claims.role].purposes.includes(purpose));
  if (claims.role === 'partner') {
    const partner = await loaders.partner.load(claims.partnerId ?? '');
    if (!agreementInForce(partner, Date.now())) {
      throw new ForbiddenError('Partner is not registered or its data-processing agreement is not active').refusingRequest();
    }
    purposes = purposes.filter((purpose) => partner.purposes.includes(purpose));
  }
  return { sub: claims.sub, role: claims.role, purposes, scopes: claims.scopes, partnerId: claims.partnerId };
}


export function resolvePurpose(caller: Caller | null, header: string | undefined): Purpose | null {
  if (caller === null || caller.role === 'customer') return null;
  const stated = header?.trim();
  if (stated === undefined || stated === '') return caller.purposes.length === 1 ? caller.purposes[0]! : null;
  if (!isPurpose(stated) || !caller.purposes.includes(stated)) throw new PurposeNotAllowedError();
  return stated;
}

/** The verified caller (null: no token) with the request's loaders, which already cached its partner. */
export interface Authenticated {
  caller: Caller | null;
  loaders: Loaders;
}

/** Verifies the bearer token once per request; server.ts needs the caller before it picks the caller's schema. */
export async function authenticate(services: GatewayServices, authorization: string | undefined): Promise<Authenticated> {
  const loaders = createLoaders(services.store);
  const token = bearer(authorization);
  const caller = token === null ? null : await callerFromClaims(await services.tokens.verify(token), loaders);
  return { caller, loaders };
}


export async function createContext(services: GatewayServices, facts: RequestFacts, authenticated?: Authenticated): Promise<GatewayContext> {
  const { caller, loaders } = authenticated ?? await authenticate(services, facts.authorization);
  const purpose = resolvePurpose(caller, facts.purposeHeader);
  const privacy = new PrivacyRecorder(caller, purpose);
  const audit = new RequestAudit();
  return {
    requestId: facts.requestId ?? randomUUID(),
    caller,
    purpose,
    loaders,
    privacy,
    records: createCustomerRecords({ store: services.store, policy: services.policy, loaders, privacy, audit, maxPageSize: services.config.maxPageSize }),
    audit,
    pseudonymize: services.pseudonymize,
    // The services as a request sees them: customer records only through `records`.
    services: { ...services, store: services.requestStore },
    signals: { gpc: facts.gpcHeader?.trim() === '1' },
  };
}
