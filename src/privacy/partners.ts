/**
 * The partner registry: who may receive aggregates, for which purposes (the data-processing
 * agreement), until when. The gate reads it on every partner request (src/admission/context.ts
 * `callerFromClaims`, through a per-request loader), so a revocation or an expiry takes effect on the
 * very next request. A revoked partner id is never reused: a new registration needs a new id, so a
 * token minted for the old agreement can never come back to life.
 */
import { randomBytes } from 'node:crypto';
import { BadUserInputError } from '../errors/errors';
import { isPurpose, type Purpose } from '../policy/purposes';
import { ROLE_TABLE } from '../policy/roles';
import { StoreError, type Collection, type Document } from '../store/port';

export interface PartnerDocument extends Document {
  name: string;
  purposes: Purpose[];
  agreementExpiresAt: string;
  active: boolean;
  registeredAt: string;
  registeredBy?: string;
  revokedAt?: string | null;
  revokedBy?: string;
}

export interface RegisterPartnerInput {
  id?: string | null;
  name: string;
  purposes: readonly string[];
  agreementExpiresAt: Date | string;
}

const PARTNER_ID = /^[a-z0-9][a-z0-9_-]{1,63}$/;
const MAX_NAME_LENGTH = 200;
/** Agreements are renewed, not granted forever. */
const MAX_AGREEMENT_YEARS = 10;

function expiryOf(value: Date | string, now: Date): string {
  const expires = value instanceof Date ? value : new Date(value);
  if (Number.isNaN(expires.getTime())) throw new BadUserInputError('agreementExpiresAt must be an ISO-8601 instant');
  if (expires.getTime() <= now.getTime()) throw new BadUserInputError('agreementExpiresAt must be in the future');
  const limit = new Date(now);
  limit.setUTCFullYear(limit.getUTCFullYear() + MAX_AGREEMENT_YEARS);
  if (expires.getTime() > limit.getTime()) throw new BadUserInputError(`agreementExpiresAt must be within ${MAX_AGREEMENT_YEARS} years`);
  return expires.toISOString();
}

/** Validates a registration into the stored document; throws BAD_USER_INPUT. */
export function partnerFromInput(input: RegisterPartnerInput, actor: string, now: Date): PartnerDocument {
  const id = input.id ?? `ptn_${randomBytes(8).toString('hex')}`;
  if (!PARTNER_ID.test(id)) throw new BadUserInputError('id must be 2 to 64 characters: lower-case letters, digits, "-" or "_"');
  const name = input.name.trim();
  if (name.length === 0 || name.length > MAX_NAME_LENGTH) throw new BadUserInputError(`name must be 1 to ${MAX_NAME_LENGTH} characters`);
  const allowed = ROLE_TABLE.partner.purposes;
  const purposes = [...new Set(input.purposes)];
  if (purposes.length === 0) throw new BadUserInputError('purposes must name at least one purpose');
  if (!purposes.every((purpose): purpose is Purpose => isPurpose(purpose) && allowed.includes(purpose))) {
    throw new BadUserInputError(`a partner agreement may only cover ${allowed.join(', ')}`);
  }
  return {
    _id: id, name, purposes, agreementExpiresAt: expiryOf(input.agreementExpiresAt, now),
    active: true, registeredAt: now.toISOString(), registeredBy: actor, revokedAt: null,
  };
}

export async function registerPartner(partners: Collection<PartnerDocument>, input: RegisterPartnerInput, actor: string, now = new Date()): Promise<PartnerDocument> {
  const partner = partnerFromInput(input, actor, now);
  const taken = new BadUserInputError('a partner with this id is or was registered; ids are never reused');
  if ((await partners.findOne({ _id: partner._id })) !== null) throw taken;
  try {
    await partners.insertOne(partner);
  } catch (error) {
    // Lost a race with a concurrent registration of the same id.
    if (error instanceof StoreError && error.kind === 'duplicate-key') throw taken;
    throw error;
  }
  return partner;
}

/** Deactivates a partner now; revoking a revoked partner changes nothing and returns it. */
export async function revokePartner(partners: Collection<PartnerDocument>, id: string, actor: string, now = new Date()): Promise<PartnerDocument> {
  if (id.length > 100) throw new BadUserInputError('id is too long');
  await partners.updateOne({ _id: id, active: true }, { $set: { active: false, revokedAt: now.toISOString(), revokedBy: actor } });
  const partner = await partners.findOne({ _id: id });
  if (partner === null) throw new BadUserInputError('no partner with this id');
  return partner;
}

/**
 * Is the agreement in force at `now`: registered as active, not revoked, and not expired? The one
 * rule for admitting a partner's requests and for what the registry lists as `active`.
 */
export function agreementInForce(partner: Document | null, now: number = Date.now()): partner is Document & { purposes: Purpose[] } {
  if (partner === null || partner.active !== true || !Array.isArray(partner.purposes)) return false;
  const expires = typeof partner.agreementExpiresAt === 'string' ? Date.parse(partner.agreementExpiresAt) : NaN;
  return Number.isFinite(expires) && expires > now;
}

export function listPartners(partners: Collection<PartnerDocument>): Promise<PartnerDocument[]> {
  return partners.find({}, { sort: { _id: 1 } });
}
