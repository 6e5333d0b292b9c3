/**
 * What the audit's per-subject index rows cost on the embedded store (docs/audit-writes.md): stores
 * 100-subject audit events (a page of customers) into a fresh database with the gateway's schema
 * (20,000 events already stored), `synchronous=FULL`, several events per commit, and prints the CPU
 * per stored event with the subject index as it is, with its rows inserted from JavaScript instead of
 * the trigger, and without it.
 *
 *   npx tsx bench/auditSubjectIndex.ts            # events per commit: 1, 4, 10
 *   EVENTS_PER_COMMIT=8 npx tsx bench/auditSubjectIndex.ts
 */
import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chainEvent, type AuditEventDocument } from '../src/audit/auditEvent';
import { schemaDdl } from '../src/store/sqlite/schema';

type Variant = 'trigger' | 'javascript' | 'none';
const SIDE = 'audit__subjectIds';
const STORED = 20_000;
const MEASURED = 300;
const subjects = Array.from({ length: 10_000 }, (_, i) => `cus_${String((i * 7919) % 100_003).padStart(8, '0')}`);

function open(variant: Variant, dir: string): Database.Database {
  const db = new Database(join(dir, 'bench.sqlite'));
  db.pragma('journal_mode = WAL');
  db.pragma('secure_delete = ON');
  for (const statement of schemaDdl()) {
    const side = statement.includes(SIDE);
    if (side && variant === 'none') continue;
    if (side && variant === 'javascript' && statement.startsWith('CREATE TRIGGER')) continue;
    db.exec(statement);
  }
  return db;
}

function measure(variant: Variant, perCommit: number): number {
  const dir = mkdtempSync(join(tmpdir(), 'pg-bench-audit-index-'));
  const db = open(variant, dir);
  try {
    const insert = db.prepare('INSERT INTO audit (id, doc) VALUES (?, jsonb(?))');
    const sideRow = variant === 'javascript' ? db.prepare(`INSERT OR IGNORE INTO "${SIDE}" (value, owner) VALUES (?, ?)`) : null;
    const store = (event: AuditEventDocument) => {
      const { lastInsertRowid } = insert.run(event._id, JSON.stringify(event));
      if (sideRow !== null) for (const id of new Set(event.subjectIds)) sideRow.run(id, lastInsertRowid);
    };
    let previous: AuditEventDocument | null = null;
    const next = (n: number, ids: string[]) => {
      previous = chainEvent({
        kind: 'read', at: new Date(1_700_000_000_000 + n).toISOString(), actor: 'marketer-1', role: 'marketer', partnerId: null, purpose: 'MARKETING',
        operation: 'Query.customers', subjectIds: ids, fields: ['Customer.email', 'Customer.phone'], decision: 'REDACT', requestId: `req-${n}`, detail: {},
      }, previous);
      return previous;
    };
    // Already stored: pages of the first 100 subjects (as the benchmark reads) and single records.
    db.pragma('synchronous = OFF');
    db.transaction(() => {
      for (let i = 0; i < STORED; i += 1) store(next(i, i % 2 === 1 ? subjects.slice(0, 100) : [subjects[i % subjects.length]!]));
    })();
    db.pragma('synchronous = FULL');
    db.pragma('wal_checkpoint(TRUNCATE)');
    const events = Array.from({ length: MEASURED }, (_, i) => next(STORED + i, subjects.slice(0, 100)));
    const started = process.cpuUsage();
    for (let i = 0; i < events.length; i += perCommit) {
      db.transaction(() => {
        for (const event of events.slice(i, i + perCommit)) store(event);
      }).immediate();
    }
    const used = process.cpuUsage(started);
    return (used.user + used.system) / 1000 / MEASURED;
  } finally {
    db.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

const sizes = process.env.EVENTS_PER_COMMIT ? [Number(process.env.EVENTS_PER_COMMIT)] : [1, 4, 10];
process.stdout.write('events per commit | CPU ms per stored 100-subject event: with the index (trigger) | rows from JavaScript | no index\n');
for (const size of sizes) {
  const figures = (['trigger', 'javascript', 'none'] as const).map((variant) => measure(variant, size).toFixed(2));
  process.stdout.write(`${String(size).padStart(17)} | ${figures.join(' | ')}\n`);
}
