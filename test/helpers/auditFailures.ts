/**
 * A real store failure for the audit trail on the embedded store: a trigger that makes SQLite abort
 * the insert of any event whose actor is the given one (the transaction that carries it fails whole,
 * exactly as a constraint or I/O failure would). Nothing in the gateway is replaced or mocked.
 */
import Database from 'better-sqlite3';

export function refuseAuditActor(databasePath: string, actor: string): void {
  if (!/^[a-z][a-z0-9_-]*$/.test(actor)) throw new Error('test actor names are plain identifiers');
  const db = new Database(databasePath);
  try {
    db.exec(`CREATE TRIGGER IF NOT EXISTS "refuse_${actor}" BEFORE INSERT ON audit WHEN json_extract(NEW.doc, '$.actor') = '${actor}' BEGIN SELECT RAISE(ABORT, 'refused by test'); END`);
  } finally {
    db.close();
  }
}

export function allowAuditActor(databasePath: string, actor: string): void {
  const db = new Database(databasePath);
  try {
    db.exec(`DROP TRIGGER IF EXISTS "refuse_${actor}"`);
  } finally {
    db.close();
  }
}
