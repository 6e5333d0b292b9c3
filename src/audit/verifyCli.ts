/**
 * `npm run audit:verify`: recomputes the audit hash chain of the configured store (DATA_DIR or
 * MONGODB_URI, as for `npm start`) and prints the report as JSON:
 *   { "ok": true, "checked": 1234, "firstBrokenAt": null, "headSequence": 1234, "headHash": "…" }
 * Exit status 0 when the chain is intact, 1 when it is broken, 2 when it could not be checked.
 *
 * The embedded store is verified on a copy of DATA_DIR, so the CLI never writes to (or repairs the
 * log tail of) a directory a running gateway may be appending to.
 */
import { cpSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../config/config';
import { createLogger } from '../config/logger';
import { buildGatewaySchema } from '../server/buildSchema';
import { openStore } from '../store/openStore';
import type { AuditEventDocument } from './auditEvent';
import { verifyAuditChain, type ChainReport } from './verifyChain';

async function verifyConfiguredStore(): Promise<ChainReport> {
  const config = loadConfig({ ...process.env, LOG_LEVEL: process.env.LOG_LEVEL ?? 'silent' });
  const logger = createLogger(config);
  let copy: string | undefined;
  if (config.mongodbUri === undefined) {
    if (!existsSync(config.dataDir)) throw new Error(`DATA_DIR ${config.dataDir} does not exist`);
    copy = mkdtempSync(join(tmpdir(), 'pg-audit-verify-'));
    cpSync(config.dataDir, copy, { recursive: true });
  }
  const store = await openStore(copy === undefined ? config : { ...config, dataDir: copy }, logger, buildGatewaySchema().policy);
  try {
    return await verifyAuditChain(store.collection<AuditEventDocument>('audit'));
  } finally {
    await store.close();
    if (copy !== undefined) rmSync(copy, { recursive: true, force: true });
  }
}

verifyConfiguredStore().then(
  (report) => {
    process.stdout.write(`${JSON.stringify(report)}\n`);
    process.exitCode = report.ok ? 0 : 1;
  },
  (error: unknown) => {
    process.stderr.write(`audit:verify: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 2;
  },
);
