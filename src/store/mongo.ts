/** MongoDB backend: implemented in the MongoDB issue. Until then MONGODB_URI refuses to start. */
import type { Logger } from 'pino';
import { StoreError, type Store } from './port';

export const MongoStore = {
  async connect(_options: { uri: string; dbName: string; logger: Logger }): Promise<Store> {
    throw new StoreError('the MongoDB backend is not available yet: unset MONGODB_URI to use the embedded store');
  },
};
