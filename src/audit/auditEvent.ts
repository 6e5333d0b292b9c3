/**
 * The stored audit event (the AuditEvent type, docs/api.md#audit) and its hash. Events form one chain: each carries
 * its sequence number, the hash of the event before it and its own hash, SHA-256 over a canonical
 * (key-sorted) JSON serialization of every other field. Changing, inserting or removing a stored
 * event breaks the chain at that point, which verifyAuditChain reports.
 *
 * An event never holds a field value: only who, for which purpose, which operation, which subject
 * ids (surrogate keys), which schema coordinates, the decision and non-personal counts.
 */
import { createHash } from 'node:crypto';
import stringify from 'safe-stable-stringify';
import type { Document } from '../store/port';
import type { AuditDecision } from './requestAudit';

/** Where an event came from: derived reads, gate denials, or an operation a resolver recorded. */
export type AuditEventKind = 'read' | 'denial' | 'operation';

/** An event before it joins the chain. */
export interface AuditEventDraft {
  kind: AuditEventKind;
  at: string;
  actor: string | null;
  role: string | null;
  partnerId: string | null;
  purpose: string | null;
  /** Root field coordinate(s), e.g. "Query.customers"; several joined by ", ". */
  operation: string;
  subjectIds: string[];
  fields: string[];
  decision: AuditDecision;
  requestId: string;
  detail: Record<string, unknown>;
}

export interface AuditEventDocument extends AuditEventDraft, Document {
  /** The sequence number, zero-padded so that _id order is chain order (and unique per position). */
  _id: string;
  seq: number;
  prevHash: string;
  hash: string;
}

/** prevHash of the first event. */
export const GENESIS_HASH = '0'.repeat(64);
const ID_DIGITS = 12;

export function auditIdOf(seq: number): string {
  return String(seq).padStart(ID_DIGITS, '0');
}

/** The canonical (key-sorted) JSON of an event's hashed fields. */
function canonicalJson(fields: Record<string, unknown>): string {
  const canonical = stringify(fields);
  if (canonical === undefined) throw new Error('audit event is not serializable');
  return canonical;
}

const sha256Hex = (text: string) => createHash('sha256').update(text).digest('hex');

/** SHA-256 (hex) over the canonical serialization of the event without its own `hash`. */
export function hashAuditEvent(event: Omit<AuditEventDocument, 'hash'> & { hash?: unknown }): string {
  const { hash: _ignored, ...hashed } = event;
  void _ignored;
  return sha256Hex(canonicalJson(hashed));
}

/**
 * Links a draft onto the chain after `previous` (null: the chain is empty). The event is serialized
 * once, canonically; the stored event is that text parsed back (so what is hashed is exactly what is
 * stored: no undefined, Dates as strings), and its hash is the SHA-256 of that same text.
 */
export function chainEvent(draft: AuditEventDraft, previous: { seq: number; hash: string } | null): AuditEventDocument {
  const seq = (previous?.seq ?? 0) + 1;
  const canonical = canonicalJson({ ...draft, _id: auditIdOf(seq), seq, prevHash: previous?.hash ?? GENESIS_HASH });
  const stored = JSON.parse(canonical) as AuditEventDocument;
  stored.hash = sha256Hex(canonical);
  return stored;
}
