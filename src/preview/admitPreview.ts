/**
 * Admission of a preview request (`X-Preview-As`), before the request reaches a GraphQL server: only
 * a privacy officer may preview; the header is parsed strictly; the previewed caller is built from
 * the header exactly as a token with those claims would be (`callerFromClaims`: purposes narrowed to
 * the role, a partner's agreement checked and its purposes applied). The request then runs on the
 * previewed caller's own server (schema, gate, limits, enforcement), so it gets what that caller gets.
 *
 * Any other caller sending the header gets FORBIDDEN (403), and the refusal is audited; no token
 * at all is UNAUTHENTICATED, like any data request without one.
 */
import { callerFromClaims, type Authenticated, type GatewayServices } from '../admission/context';
import { ForbiddenError, UnauthenticatedError } from '../errors/errors';
import type { Caller } from '../policy/types';
import { parsePreviewHeader, type PreviewSpec } from './previewHeader';
import type { PreviewMark } from './previewMark';

export const PREVIEW_OPERATION = 'Privacy.preview';

class PreviewForbiddenError extends ForbiddenError {
  constructor() {
    super('Only the privacy officer may preview another caller (X-Preview-As)');
    this.refusingRequest();
  }
}

async function auditRefusal(services: GatewayServices, caller: Caller, requestId: string): Promise<void> {
  await services.auditLog.append([{
    kind: 'denial', at: new Date().toISOString(), actor: caller.sub, role: caller.role, partnerId: caller.partnerId, purpose: null,
    operation: PREVIEW_OPERATION, subjectIds: [], fields: [], decision: 'DENY', requestId, detail: { kind: 'role', role: caller.role },
  }]);
}

function claimsOf(spec: PreviewSpec) {
  return { sub: spec.sub ?? `preview:${spec.role}`, role: spec.role, purposes: [...spec.purposes], scopes: [...spec.scopes], partnerId: spec.partnerId };
}

export interface PreviewAdmission {
  authenticated: Authenticated;
  preview: PreviewMark | null;
}

/** Throws the GatewayError to answer with when the preview is refused; `onPreview` learns of a well-formed preview first. */
export async function admitPreview(
  services: GatewayServices, authenticated: Authenticated, header: string | undefined, requestId: string, onPreview: (mark: PreviewMark) => void,
): Promise<PreviewAdmission> {
  if (header === undefined) return { authenticated, preview: null };
  const actor = authenticated.caller;
  if (actor === null) throw new UnauthenticatedError();
  if (actor.role !== 'privacy_officer') {
    await auditRefusal(services, actor, requestId);
    throw new PreviewForbiddenError();
  }
  const preview: PreviewMark = { actor, as: parsePreviewHeader(header) };
  onPreview(preview);
  const caller = await callerFromClaims(claimsOf(preview.as), authenticated.loaders);
  return { authenticated: { caller, loaders: authenticated.loaders }, preview };
}
