/**
 * Recording consent: validation of a choice, the append-only history event (`consentEvents`) and the
 * current state on the customer document (`consents.PURPOSE`, exactly what field enforcement reads).
 *
 * Order of writes: the history event first, then the current state. A crash between the two leaves
 * a history that is ahead of the state, never a state without the history that justifies it. The state
 * update only applies when it is not older than the state already stored, so concurrent choices end
 * with the most recent one in force and every one in the history.
 */
import { randomUUID } from 'node:crypto';
import type { GatewayContext } from '../admission/context';
import { BadUserInputError } from '../errors/errors';
import { PURPOSE_REGISTRY, type ConsentStatus, type Purpose } from '../policy/purposes';
import type { Role } from '../policy/roles';
import type { Store } from '../store/port';
import { POLICY_VERSION } from '../policy/consentModel';
import { type ConsentEventDocument, type ConsentRecord, type CustomerDocument } from '../store/documents';

export const MAX_SOURCE_LENGTH = 64;
/** A source is a channel code, never free text (so no personal data can ride along in it). */
const SOURCE_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_.:-]*$/;

/** Sources only the gateway itself records. */
export const GPC_SOURCE = 'GPC';
export const ERASURE_SOURCE = 'ERASURE';
const RESERVED_SOURCES = new Set([GPC_SOURCE, ERASURE_SOURCE]);

/** The source recorded when the caller gives none: who made the choice, by channel. */
const DEFAULT_SOURCE: Partial<Record<Role, string>> = {
  customer: 'SELF_SERVICE',
  support: 'SUPPORT_AGENT',
  privacy_officer: 'PRIVACY_OFFICER',
};

export interface ConsentChange {
  subjectId: string;
  purpose: Purpose;
  status: ConsentStatus;
  source: string;
  actor: string;
  actorRole: Role;
}

/** The consent view returned by the API (Consent type). */
export interface ConsentView {
  purpose: Purpose;
  status: ConsentStatus;
  source: string;
  updatedAt: string;
}

/** Purposes whose processing depends on the subject's choice (opt-in or opt-out). */
export function consentPurposes(): Purpose[] {
  return Object.values(PURPOSE_REGISTRY).filter((definition) => definition.consent !== 'NONE').map((definition) => definition.name);
}

/** Consent is not the legal basis of SUPPORT (contract) or LEGAL_COMPLIANCE (legal obligation): a choice there would mean nothing. */
export function assertConsentGoverns(purpose: Purpose): void {
  const definition = PURPOSE_REGISTRY[purpose];
  if (definition === undefined || definition.consent === 'NONE') {
    throw new BadUserInputError(`Consent is not the legal basis of ${purpose}: no consent can be recorded for it`);
  }
}

/** The source to record: the caller's (validated) or the default for its role. */
export function consentSource(given: string | null | undefined, role: Role): string {
  if (given === null || given === undefined) return DEFAULT_SOURCE[role] ?? role.toUpperCase();
  const source = given.trim();
  if (source.length === 0 || source.length > MAX_SOURCE_LENGTH) {
    throw new BadUserInputError(`source must be 1 to ${MAX_SOURCE_LENGTH} characters`);
  }
  if (!SOURCE_PATTERN.test(source)) throw new BadUserInputError('source must be a channel code: letters, digits and _ . : -');
  if (RESERVED_SOURCES.has(source.toUpperCase())) throw new BadUserInputError(`source ${source.toUpperCase()} is reserved for the gateway`);
  return source;
}

export function consentEvent(change: ConsentChange, at: string): ConsentEventDocument {
  return {
    _id: `cev_${randomUUID()}`,
    subjectId: change.subjectId,
    purpose: change.purpose,
    status: change.status,
    source: change.source,
    actor: change.actor,
    actorRole: change.actorRole,
    policyVersion: POLICY_VERSION,
    at,
  };
}

export function consentRecord(change: ConsentChange, at: string): ConsentRecord {
  return { status: change.status, source: change.source, updatedAt: at, actor: change.actor, policyVersion: POLICY_VERSION };
}

/**
 * Appends the choice to the history and makes it the current state. Resolves once both writes are
 * durable. BAD_USER_INPUT when the subject does not exist or was erased (the event is then removed).
 */
export async function recordConsent(store: Store, change: ConsentChange, now: Date = new Date()): Promise<ConsentView> {
  const at = now.toISOString();
  const event = consentEvent(change, at);
  const events = store.collection<ConsentEventDocument>('consentEvents');
  const customers = store.collection<CustomerDocument>('customers');
  await events.insertOne(event);
  const path = `consents.${change.purpose}`;
  const result = await customers.updateOne(
    {
      _id: change.subjectId,
      erasedAt: { $exists: false },
      $or: [{ [`${path}.updatedAt`]: { $exists: false } }, { [`${path}.updatedAt`]: { $lte: at } }],
    },
    { $set: { [path]: consentRecord(change, at) } },
  );
  if (result.matchedCount === 0) {
    const current = await customers.findOne({ _id: change.subjectId, erasedAt: { $exists: false } });
    if (current === null) {
      // Erased (or gone) between the check and the write: the choice never took effect.
      await events.deleteOne({ _id: event._id });
      throw new BadUserInputError('This customer has been erased');
    }
    // A newer choice is already in force; ours stays in the history where it belongs.
  }
  return { purpose: change.purpose, status: change.status, source: change.source, updatedAt: at };
}

/**
 * A consent change made while serving a request: stored, the request's cached copy of the subject
 * dropped (so the rest of the request already sees the new state), and audited without the values.
 */
export async function recordConsentInRequest(
  context: GatewayContext,
  change: ConsentChange,
  audit: { operation: string; detail: Record<string, unknown> },
): Promise<ConsentView> {
  const consent = await recordConsent(context.services.store, change);
  // The rest of this request reads the new state and history, as the next request will.
  context.loaders.customer.clear(change.subjectId);
  context.loaders.consentHistory.clear(change.subjectId);
  context.audit.record({
    operation: audit.operation,
    subjectIds: [change.subjectId],
    fields: ['Customer.consents'],
    decision: 'ALLOW',
    detail: audit.detail,
  });
  return consent;
}
