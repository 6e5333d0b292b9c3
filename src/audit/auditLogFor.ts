/**
 * One AuditLog (one append queue) per store in this process, so that every Apollo server built over
 * the same store (e.g. one per role) appends through the same queue and the chain never forks.
 */
import type { Store } from '../store/port';
import type { AuditEventDocument } from './auditEvent';
import { AuditLog } from './auditLog';

const byStore = new WeakMap<Store, AuditLog>();

export function auditLogFor(store: Store): AuditLog {
  let log = byStore.get(store);
  if (log === undefined) {
    log = new AuditLog(store.collection<AuditEventDocument>('audit'));
    byStore.set(store, log);
  }
  return log;
}
