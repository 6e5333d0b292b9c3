/**
 * Puts encryption at rest around a freshly opened backend, from the config: the master keyring,
 * the email blind index, the encrypted field list compiled from the schema, and a log line (no
 * value) for every value that fails to decrypt.
 *
 * A marker document in `meta` (`_id: "encryption"`) records that a store's customers are encrypted,
 * so a store is never read in the wrong mode: an encrypted store opened with ENCRYPTION=off, or a
 * store holding customers written in clear opened with encryption on, refuses to start.
 */
import type { Logger } from 'pino';
import type { Config } from '../../config/config';
import { EncryptedStore } from './encryptedStore';
import { StoreError, type Document, type Store } from '../port';
import { createEmailBlindIndexer } from '../../crypto/blindIndex';
import { ENCRYPTED_PREFIX } from '../../crypto/envelope';
import type { EncryptedFieldMap } from './encryptedFields';
import { MasterKeyring } from '../../crypto/masterKeys';

const MARKER_ID = 'encryption';

export function createEncryptedStore(inner: Store, config: Pick<Config, 'encryption'>, logger: Logger, fields: EncryptedFieldMap): EncryptedStore {
  const { masterKey, previousMasterKey, blindIndexKey, cacheSubjects, cacheTtlSeconds } = config.encryption;
  return new EncryptedStore(inner, {
    cache: { maxSubjects: cacheSubjects, ttlMs: cacheTtlSeconds * 1000 },
    keyring: new MasterKeyring(masterKey, previousMasterKey),
    emailBlindIndex: createEmailBlindIndexer(blindIndexKey),
    fields,
    onDecryptFailure: (failure) => logger.error(failure, 'a stored value could not be decrypted; returned as null'),
  });
}

/** Records that this (empty or about-to-be-seeded) store keeps its customers encrypted. */
export async function markEncrypted(store: Store): Promise<void> {
  await store.collection('meta').updateOne(
    { _id: MARKER_ID },
    { $setOnInsert: { scheme: ENCRYPTED_PREFIX, since: new Date().toISOString() } },
    { upsert: true },
  );
}

/** Refuses to run a store in a mode other than the one its customers were written in. */
export async function checkEncryptionMode(inner: Store, enabled: boolean): Promise<void> {
  const marker = await inner.collection<Document>('meta').findOne({ _id: MARKER_ID });
  if (!enabled) {
    if (marker !== null) throw new StoreError('this store holds encrypted personal data: ENCRYPTION=off cannot read it (use a fresh DATA_DIR or database to measure without encryption)');
    return;
  }
  if (marker !== null) return;
  if ((await inner.collection('customers').countDocuments({})) > 0) {
    throw new StoreError('this store holds customers written without encryption at rest: start from a fresh DATA_DIR or database, or reseed it');
  }
  await markEncrypted(inner);
}
