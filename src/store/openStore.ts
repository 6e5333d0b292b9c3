/** Chooses the backend from the config: MongoDB with MONGODB_URI, else the embedded store (seeded on first start). */
import type { Logger } from 'pino';
import type { Config } from '../config';
import { EmbeddedStore } from './embedded';
import type { Store } from './port';
import { seedStore } from './seed';

export async function openStore(config: Config, logger: Logger): Promise<Store> {
  if (config.mongodbUri !== undefined) {
    const { MongoStore } = await import('./mongo');
    return MongoStore.connect({ uri: config.mongodbUri, dbName: config.mongodbDb, logger });
  }
  const started = Date.now();
  const store = await EmbeddedStore.open({
    dataDir: config.dataDir,
    seed: async (fresh) => {
      logger.info({ customers: config.demoCustomers }, 'empty data directory: seeding the demo data set');
      await seedStore(fresh, config.demoCustomers);
    },
    onWarning: (message) => logger.warn(message),
  });
  logger.info({ dataDir: config.dataDir, ms: Date.now() - started }, 'embedded store open');
  return store;
}
