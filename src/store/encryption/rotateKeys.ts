/**
 * Master key rotation: re-wraps every data key in `keys` under the current master key (MASTER_KEY),
 * unwrapping with whichever known key wrapped it (MASTER_KEY_PREVIOUS during a rotation). Values are
 * never re-encrypted: only the small wrapped keys change. Idempotent — keys already under the current
 * master key are skipped — and safe to re-run after an interruption. Each re-wrap is conditional on
 * the key still being wrapped by the old master key, so a concurrent writer is never overwritten.
 */
import type { Store } from '../port';
import type { DataKeyDocument } from './dataKeys';
import type { MasterKeyring } from '../../crypto/masterKeys';

export interface RotationReport {
  scanned: number;
  rewrapped: number;
  alreadyCurrent: number;
  /** Keys wrapped by a master key this keyring does not hold, or whose wrapping fails authentication. */
  failed: number;
  /** Ids of (up to 20) failed keys: `dk:<subjectId>:<version>`, surrogate ids only. */
  failedIds: string[];
}

const BATCH = 500;

export async function rotateDataKeys(store: Store, keyring: MasterKeyring, now: Date = new Date()): Promise<RotationReport> {
  const keys = store.collection<DataKeyDocument>('keys');
  const report: RotationReport = { scanned: 0, rewrapped: 0, alreadyCurrent: 0, failed: 0, failedIds: [] };
  let after: string | null = null;
  for (;;) {
    const filter = after === null ? {} : { _id: { $gt: after } };
    const page: DataKeyDocument[] = await keys.find(filter, { sort: { _id: 1 }, limit: BATCH });
    if (page.length === 0) return report;
    for (const doc of page) {
      report.scanned += 1;
      if (doc.masterKeyId === keyring.currentId) {
        report.alreadyCurrent += 1;
        continue;
      }
      try {
        const next = keyring.rewrap(doc, { subjectId: doc.subjectId, version: doc.version });
        const result = await keys.updateOne(
          { _id: doc._id, masterKeyId: doc.masterKeyId },
          { $set: { ...next, rotatedAt: now.toISOString() } },
        );
        if (result.matchedCount === 1) report.rewrapped += 1;
        else report.alreadyCurrent += 1; // shredded or rotated by someone else meanwhile
      } catch {
        report.failed += 1;
        if (report.failedIds.length < 20) report.failedIds.push(doc._id);
      }
    }
    after = page.at(-1)!._id;
  }
}
