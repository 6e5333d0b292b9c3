/**
 * `npm run rotate-keys`: re-wraps every subject's data key under MASTER_KEY, reading keys still
 * wrapped by MASTER_KEY_PREVIOUS. Works on the store the environment selects (MongoDB with
 * MONGODB_URI, else the embedded store under DATA_DIR — stop the gateway first: the embedded store has
 * one writer). Prints a JSON report; exits 1 when a key could not be re-wrapped (unknown master key).
 *
 *   MASTER_KEY=<new> MASTER_KEY_PREVIOUS=<old> npm run rotate-keys
 */
import { ConfigError, loadConfig } from '../../config/config';
import { createLogger } from '../../config/logger';
import { EmbeddedStore } from '../embedded';
import type { Store } from '../port';
import { MasterKeyring } from '../../crypto/masterKeys';
import { rotateDataKeys } from './rotateKeys';

function fail(message: string): never {
  process.stderr.write(`rotate-keys: ${message}\n`);
  process.exit(1);
}

async function main(): Promise<void> {
  const config = loadConfig();
  if (!config.encryption.enabled) fail('ENCRYPTION=off: there are no data keys to rotate');
  const logger = createLogger({ ...config, logLevel: config.logLevel === 'silent' ? 'silent' : 'warn' });
  for (const warning of config.warnings) logger.warn(warning);
  if (config.encryption.previousMasterKey === undefined) {
    logger.warn('MASTER_KEY_PREVIOUS not set: only checking that every data key is under MASTER_KEY');
  }
  let store: Store;
  if (config.mongodbUri !== undefined) {
    const { MongoStore } = await import('../mongo');
    store = await MongoStore.connect({ uri: config.mongodbUri, dbName: config.mongodbDb, logger });
  } else {
    // No seed callback: rotating an empty directory must not fill it with demo data.
    store = await EmbeddedStore.open({ dataDir: config.dataDir, onWarning: (message) => logger.warn(message) });
  }
  try {
    const keyring = new MasterKeyring(config.encryption.masterKey, config.encryption.previousMasterKey);
    const started = Date.now();
    const report = await rotateDataKeys(store, keyring);
    await store.purgeDeleted(); // old wrappings leave the current files
    process.stdout.write(`${JSON.stringify({ masterKeyId: keyring.currentId, ...report, ms: Date.now() - started })}\n`);
    if (report.failed > 0) {
      process.stderr.write(`rotate-keys: ${report.failed} data key(s) are wrapped by a master key that is neither MASTER_KEY nor MASTER_KEY_PREVIOUS\n`);
      process.exitCode = 1;
    }
  } finally {
    await store.close();
  }
}

main().catch((error: unknown) => {
  if (error instanceof ConfigError) fail(`configuration error: ${error.message}`);
  fail(error instanceof Error ? error.message : String(error));
});
