/**
 * Blind index for exact-match lookups over an encrypted field: HMAC-SHA256 of the normalised value
 * under BLIND_INDEX_KEY (a key separate from the master key, so a leaked index key reveals no
 * ciphertext and a leaked master key does not make the index a lookup table). It supports equality
 * only: no range, prefix or pattern queries over encrypted fields exist by design.
 */
import { createHmac } from 'node:crypto';

/** The normal form of an email for lookups and uniqueness: trimmed and lowercased. */
export function normaliseEmail(email: string): string {
  return email.trim().toLowerCase();
}

export type BlindIndexer = (email: string) => string;

export function createEmailBlindIndexer(blindIndexKey: string): BlindIndexer {
  const key = Buffer.from(blindIndexKey, 'utf8');
  return (email) => createHmac('sha256', key).update('pg-email|').update(normaliseEmail(email), 'utf8').digest('base64url');
}
