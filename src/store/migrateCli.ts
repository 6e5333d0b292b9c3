/**
 * `npm run store:migrate`: converts DATA_DIR from the previous embedded format (snapshot.jsonl +
 * wal.jsonl) to the SQLite store, keeping the old files in a `legacy-format-<time>/` folder.
 * Run it with the gateway stopped. Prints a JSON report; exits 1 with a message on failure.
 */
import { ConfigError, loadConfig } from '../config/config';
import { migrateLegacyDataDir } from './migrate';

async function main(): Promise<void> {
  const config = loadConfig();
  const started = Date.now();
  const report = await migrateLegacyDataDir(config.dataDir);
  process.stdout.write(`${JSON.stringify({ dataDir: config.dataDir, ...report, ms: Date.now() - started })}\n`);
}

main().catch((error: unknown) => {
  const message = error instanceof ConfigError ? `configuration error: ${error.message}` : error instanceof Error ? error.message : String(error);
  process.stderr.write(`store:migrate: ${message}\n`);
  process.exit(1);
});
