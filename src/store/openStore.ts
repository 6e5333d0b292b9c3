/**
 * Chooses the backend from the config: MongoDB with MONGODB_URI, else the embedded store (seeded on
 * first start, streamed in batches with a progress display). Whatever the backend, it is returned wrapped in encryption at rest (unless
 * ENCRYPTION=off), and the demo seed goes through that wrapper so seeded personal data is encrypted.
 */
import type { Logger } from 'pino';
import type { Config } from '../config/config';
import { encryptedFieldsFromPolicy } from './encryption/encryptedFields';
import { checkEncryptionMode, createEncryptedStore, markEncrypted } from './encryption/storeEncryption';
import type { Policy } from '../policy/types';
import { EmbeddedStore } from './embedded';
import type { Store } from './port';
import { seedStore } from './seed';
import { seedProgress } from './seedProgress';

/** `policy`: the gateway's compiled policy (compiled once at start-up), which says what is encrypted. */
export async function openStore(config: Config, logger: Logger, policy: Policy): Promise<Store> {
  const fields = encryptedFieldsFromPolicy(policy);
  const backend = await openBackend(config, logger, (fresh) => createEncryptedStore(fresh, config, logger, fields));
  await checkEncryptionMode(backend, config.encryption.enabled);
  return config.encryption.enabled ? createEncryptedStore(backend, config, logger, fields) : backend;
}

async function openBackend(config: Config, logger: Logger, encrypt: (fresh: Store) => Store): Promise<Store> {
  if (config.mongodbUri !== undefined) {
    const { MongoStore } = await import('./mongo');
    return MongoStore.connect({ uri: config.mongodbUri, dbName: config.mongodbDb, logger });
  }
  const started = Date.now();
  const store = await EmbeddedStore.open({
    dataDir: config.dataDir,
    seed: async (fresh) => {
      logger.info({ customers: config.demoCustomers }, 'empty data directory: seeding the demo data set');
      if (config.encryption.enabled) await markEncrypted(fresh);
      await seedStore(config.encryption.enabled ? encrypt(fresh) : fresh, config.demoCustomers, seedProgress(logger));
    },
    onWarning: (message) => logger.warn(message),
  });
  logger.info({ dataDir: config.dataDir, ms: Date.now() - started }, 'embedded store open');
  return store;
}
