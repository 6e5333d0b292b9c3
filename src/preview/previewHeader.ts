/**
 * The `X-Preview-As` header: which caller the privacy officer wants to see the gateway as.
 *
 *   X-Preview-As: role=marketer; purposes=MARKETING,ANALYTICS
 *   X-Preview-As: role=partner; purposes=ANALYTICS; partner=demo-partner; scopes=segments:read
 *   X-Preview-As: role=customer; sub=<customer id>
 *
 * `key=value` pairs separated by `;`. Keys: `role` (required), `purposes` (comma-separated),
 * `partner` (required for, and only for, role partner), `scopes` (partner only, comma-separated),
 * `sub` (required for, and only for, role customer: whose own record). Anything else — an unknown or
 * repeated key, an empty or malformed value, an unknown role, purpose or scope — is BAD_USER_INPUT.
 * Messages name the key, never the value.
 */
import { BadUserInputError } from '../errors/errors';
import { isPurpose, type Purpose } from '../policy/purposes';
import { isRole, type Role } from '../policy/roles';

export const PREVIEW_HEADER = 'x-preview-as';
export const PREVIEW_SCOPES = ['segments:read', 'customers:read'] as const;
const MAX_LENGTH = 512;
const KEYS = ['role', 'purposes', 'partner', 'scopes', 'sub'] as const;
type Key = (typeof KEYS)[number];
const VALUE = /^[A-Za-z0-9_.:,-]{1,200}$/;

export interface PreviewSpec {
  role: Role;
  purposes: Purpose[];
  partnerId: string | null;
  scopes: string[];
  sub: string | null;
}

/** BAD_USER_INPUT answered with HTTP 400 (it is raised before execution). */
export class PreviewInputError extends BadUserInputError {
  constructor(message: string) {
    super(`X-Preview-As: ${message}`);
    this.refusingRequest();
  }
}

function list(key: Key, value: string): string[] {
  const items = value.split(',');
  if (items.some((item) => item === '')) throw new PreviewInputError(`${key} has an empty item`);
  if (new Set(items).size !== items.length) throw new PreviewInputError(`${key} repeats an item`);
  return items;
}

function pairs(header: string): Map<Key, string> {
  if (header.length > MAX_LENGTH) throw new PreviewInputError(`longer than ${MAX_LENGTH} characters`);
  const found = new Map<Key, string>();
  for (const part of header.split(';')) {
    const match = /^\s*([a-z]+)=(.*?)\s*$/.exec(part);
    if (match === null) throw new PreviewInputError('expected key=value pairs separated by ";"');
    const key = match[1]! as Key;
    if (!(KEYS as readonly string[]).includes(key)) throw new PreviewInputError(`unknown key (known: ${KEYS.join(', ')})`);
    if (found.has(key)) throw new PreviewInputError(`${key} is given twice`);
    if (!VALUE.test(match[2]!)) throw new PreviewInputError(`${key} has an empty or malformed value`);
    found.set(key, match[2]!);
  }
  return found;
}

export function parsePreviewHeader(header: string): PreviewSpec {
  const found = pairs(header);
  const role = found.get('role');
  if (role === undefined) throw new PreviewInputError('role is required');
  if (!isRole(role)) throw new PreviewInputError('role is not a known role');
  const purposes = found.has('purposes') ? list('purposes', found.get('purposes')!) : [];
  if (!purposes.every(isPurpose)) throw new PreviewInputError('purposes holds an unknown purpose');
  const partner = found.get('partner');
  if ((role === 'partner') !== (partner !== undefined)) throw new PreviewInputError('partner is required for role partner and only for it');
  const scopes = found.has('scopes') ? list('scopes', found.get('scopes')!) : [];
  if (scopes.length > 0 && role !== 'partner') throw new PreviewInputError('scopes are for role partner only');
  if (!scopes.every((scope) => (PREVIEW_SCOPES as readonly string[]).includes(scope))) throw new PreviewInputError('scopes holds an unknown scope');
  const sub = found.get('sub');
  if ((role === 'customer') !== (sub !== undefined)) throw new PreviewInputError('sub is required for role customer and only for it');
  return { role, purposes: purposes.filter(isPurpose), partnerId: partner ?? null, scopes, sub: sub ?? null };
}
