/**
 * `npm run seed -- --customers N [--drop]`: loads the deterministic demo data set (store/seed.ts, the
 * same generator the embedded store seeds itself with) into the store the environment selects —
 * MongoDB when MONGODB_URI is set (database MONGODB_DB), else the embedded store under DATA_DIR.
 *
 * It refuses a store that already holds customers unless `--drop` is given, which first empties the
 * demo collections (customers, consentEvents, segments, partners). The audit trail is never touched.
 * Personal data is written through encryption at rest, as src/store/openStore.ts does.
 */
import { parseArgs } from 'node:util';
import { ConfigError, loadConfig } from '../config/config';
import { encryptedFieldsFromPolicy } from './encryption/encryptedFields';
import { checkEncryptionMode, createEncryptedStore } from './encryption/storeEncryption';
import { buildGatewaySchema } from '../server/buildSchema';
import { createLogger } from '../config/logger';
import { EmbeddedStore } from './embedded';
import type { CollectionName, Store } from './port';
import { seedProgress } from './seedProgress';
import { seedStore } from './seed';

const DEMO_COLLECTIONS: readonly CollectionName[] = ['customers', 'consentEvents', 'segments', 'partners'];

function fail(message: string): never {
  process.stderr.write(`seed: ${message}\n`);
  process.exit(1);
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { customers: { type: 'string' }, drop: { type: 'boolean', default: false }, help: { type: 'boolean', default: false } },
    strict: true,
  });
  if (values.help) {
    process.stdout.write('usage: npm run seed -- --customers N [--drop]\n  MONGODB_URI set: seeds MongoDB (MONGODB_DB); else the embedded store under DATA_DIR\n');
    return;
  }
  const config = loadConfig();
  const customers = values.customers === undefined ? config.demoCustomers : Number(values.customers);
  if (!Number.isInteger(customers) || customers < 0 || customers > 1_000_000) fail('--customers must be an integer from 0 to 1000000');
  const logger = createLogger({ ...config, logLevel: config.logLevel === 'silent' ? 'silent' : 'warn' });
  const started = Date.now();
  let store: Store;
  if (config.mongodbUri !== undefined) {
    const { MongoStore } = await import('./mongo');
    store = await MongoStore.connect({ uri: config.mongodbUri, dbName: config.mongodbDb, logger });
  } else {
    // No seed callback: an empty directory stays empty until we load exactly N customers below.
    store = await EmbeddedStore.open({ dataDir: config.dataDir, onWarning: (message) => logger.warn(message) });
  }
  try {
    const existing = await store.collection('customers').countDocuments({});
    if (existing > 0 && !values.drop) fail(`the store already holds ${existing} customers; pass --drop to replace the demo data`);
    if (values.drop) for (const name of DEMO_COLLECTIONS) await store.collection(name).deleteMany({});
    // Seed through encryption at rest exactly as the gateway reads (src/store/openStore.ts).
    await checkEncryptionMode(store, config.encryption.enabled);
    const fields = encryptedFieldsFromPolicy(buildGatewaySchema().policy);
    await seedStore(config.encryption.enabled ? createEncryptedStore(store, config, logger, fields) : store, customers, seedProgress(logger));
    await store.purgeDeleted();
    const where = config.mongodbUri !== undefined ? `MongoDB database ${config.mongodbDb}` : `embedded store ${config.dataDir}`;
    process.stdout.write(`seeded ${customers} customers into ${where} in ${Date.now() - started} ms\n`);
  } finally {
    await store.close();
  }
}

main().catch((error: unknown) => {
  if (error instanceof ConfigError) fail(`configuration error: ${error.message}`);
  fail(error instanceof Error ? error.message : String(error));
});
