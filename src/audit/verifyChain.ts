/**
 * Walks the whole audit chain in sequence order and reports the first broken link: an event whose
 * stored hash does not match its content (altered), whose prevHash does not match the event before
 * it (altered or inserted before), or whose sequence number is not the next one (removed events).
 *
 * What the chain cannot show on its own: removal of the newest events (truncation). Keep the
 * reported head (sequence and hash) somewhere else, and compare later reports against it.
 */
import type { Collection } from '../store/port';
import { auditIdOf, GENESIS_HASH, hashAuditEvent, type AuditEventDocument } from './auditEvent';

export type ChainBreakReason = 'HASH_MISMATCH' | 'PREVIOUS_HASH_MISMATCH' | 'SEQUENCE_GAP';

export interface ChainBreak {
  id: string;
  sequence: number;
  reason: ChainBreakReason;
}

export interface ChainReport {
  ok: boolean;
  /** Events checked up to and including the first broken one. */
  checked: number;
  firstBrokenAt: ChainBreak | null;
  /** The last event checked: record it elsewhere to detect a later truncation. */
  headSequence: number | null;
  headHash: string | null;
}

const PAGE = 1000;

function breakOf(event: AuditEventDocument, expectedSeq: number, previousHash: string): ChainBreakReason | null {
  if (event.seq !== expectedSeq || event._id !== auditIdOf(expectedSeq)) return 'SEQUENCE_GAP';
  if (event.prevHash !== previousHash) return 'PREVIOUS_HASH_MISMATCH';
  let recomputed: string;
  try {
    recomputed = hashAuditEvent(event);
  } catch {
    return 'HASH_MISMATCH';
  }
  return recomputed === event.hash ? null : 'HASH_MISMATCH';
}

export async function verifyAuditChain(collection: Collection<AuditEventDocument>): Promise<ChainReport> {
  let checked = 0;
  let previousHash = GENESIS_HASH;
  let lastId = '';
  let head: { seq: number; hash: string } | null = null;
  for (;;) {
    const page = await collection.find(lastId === '' ? {} : { _id: { $gt: lastId } }, { sort: { _id: 1 }, limit: PAGE });
    for (const event of page) {
      checked += 1;
      const reason = breakOf(event, checked, previousHash);
      if (reason !== null) {
        const sequence = typeof event.seq === 'number' ? event.seq : checked;
        return { ok: false, checked, firstBrokenAt: { id: String(event._id), sequence, reason }, headSequence: head?.seq ?? null, headHash: head?.hash ?? null };
      }
      previousHash = event.hash;
      head = { seq: event.seq, hash: event.hash };
    }
    if (page.length < PAGE) break;
    lastId = page.at(-1)!._id;
  }
  return { ok: true, checked, firstBrokenAt: null, headSequence: head?.seq ?? null, headHash: head?.hash ?? null };
}
