/**
 * AES-256-GCM sealing with associated data (node:crypto), and the compact string form an encrypted
 * field value takes in the store: `pgenc:v1:<keyVersion>:<base64url(iv ‖ tag ‖ ciphertext)>`, where
 * the plaintext is the value's JSON. One string (not an object) so every backend stores it as is.
 *
 * The associated data binds a ciphertext to where it belongs (subject id, field, key version), so a
 * value copied to another subject or another field fails authentication instead of decrypting.
 * Any failure — wrong key, wrong place, a flipped bit, a malformed string — is a DecryptionError:
 * callers get an error, never garbage.
 */
import { createCipheriv, createDecipheriv, createSecretKey, randomBytes, type KeyObject } from 'node:crypto';

const ALGORITHM = 'aes-256-gcm';
const IV_BYTES = 12;
const TAG_BYTES = 16;
export const KEY_BYTES = 32;
const BASE64URL = /^[A-Za-z0-9_-]+$/;

/** Prefix of every encrypted field value; lets readers tell ciphertext from a plain value. */
export const ENCRYPTED_PREFIX = 'pgenc:v1:';

/** Decryption refused: the message says why in general terms and never carries key or value bytes. */
export class DecryptionError extends Error {
  override name = 'DecryptionError';
}

export interface Sealed {
  iv: Buffer;
  tag: Buffer;
  ciphertext: Buffer;
}

/** An AES-256 key, prepared once so that each use skips re-importing the raw bytes. */
export type AesKey = KeyObject;

export function aesKey(raw: Buffer): AesKey {
  if (raw.length !== KEY_BYTES) throw new Error('AES-256-GCM needs a 32-byte key');
  return createSecretKey(raw);
}

export function seal(key: AesKey, plaintext: Buffer, aad: string): Sealed {
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv(ALGORITHM, key, iv, { authTagLength: TAG_BYTES });
  cipher.setAAD(Buffer.from(aad, 'utf8'));
  const ciphertext = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  return { iv, tag: cipher.getAuthTag(), ciphertext };
}

export function open(key: AesKey, sealed: Sealed, aad: string): Buffer {
  try {
    const decipher = createDecipheriv(ALGORITHM, key, sealed.iv, { authTagLength: TAG_BYTES });
    decipher.setAAD(Buffer.from(aad, 'utf8'));
    decipher.setAuthTag(sealed.tag);
    return Buffer.concat([decipher.update(sealed.ciphertext), decipher.final()]);
  } catch {
    throw new DecryptionError('ciphertext failed authentication (wrong key, wrong subject or field, or tampered)');
  }
}

/** base64url(iv ‖ tag ‖ ciphertext): the stored form of a sealed value or wrapped key. */
export function encodeSealed(sealed: Sealed): string {
  return Buffer.concat([sealed.iv, sealed.tag, sealed.ciphertext]).toString('base64url');
}

export function decodeSealed(text: string): Sealed {
  // Buffer.from would silently skip characters outside the alphabet: refuse them instead.
  if (!BASE64URL.test(text)) throw new DecryptionError('malformed ciphertext');
  const bytes = Buffer.from(text, 'base64url');
  if (bytes.length < IV_BYTES + TAG_BYTES) throw new DecryptionError('malformed ciphertext');
  return { iv: bytes.subarray(0, IV_BYTES), tag: bytes.subarray(IV_BYTES, IV_BYTES + TAG_BYTES), ciphertext: bytes.subarray(IV_BYTES + TAG_BYTES) };
}

/** Where a field value belongs; it is the associated data of its ciphertext. */
export interface FieldPlace {
  collection: string;
  subjectId: string;
  field: string;
}

function fieldAad(place: FieldPlace, keyVersion: number): string {
  return `pg-field|${place.collection}|${place.subjectId}|${place.field}|${keyVersion}`;
}

/** Key versions are small counters; anything larger is not a value this module wrote. */
const MAX_KEY_VERSION = 1_000_000;

export function isEncryptedValue(value: unknown): value is string {
  return typeof value === 'string' && value.startsWith(ENCRYPTED_PREFIX);
}

/** Encrypts one field value (any JSON value; null is never encrypted: it reveals nothing). */
export function encryptValue(dataKey: AesKey, keyVersion: number, place: FieldPlace, value: unknown): string {
  const sealed = seal(dataKey, Buffer.from(JSON.stringify(value), 'utf8'), fieldAad(place, keyVersion));
  return `${ENCRYPTED_PREFIX}${keyVersion}:${encodeSealed(sealed)}`;
}

/** The key version an encrypted value names (to pick the subject's data key), or throws. Read in place: it runs for every stored value read. */
export function keyVersionOf(stored: string): number {
  if (!stored.startsWith(ENCRYPTED_PREFIX)) throw new DecryptionError('not an encrypted value');
  let version = 0;
  let at = ENCRYPTED_PREFIX.length;
  for (; at < stored.length; at += 1) {
    const code = stored.charCodeAt(at);
    if (code === 0x3a) break; // ':'
    if (code < 0x30 || code > 0x39 || version > MAX_KEY_VERSION) throw new DecryptionError('malformed ciphertext');
    version = version * 10 + (code - 0x30);
  }
  if (at === stored.length || version < 1 || version > MAX_KEY_VERSION) throw new DecryptionError('malformed ciphertext');
  return version;
}

export function decryptValue(dataKey: AesKey, place: FieldPlace, stored: string): unknown {
  const keyVersion = keyVersionOf(stored);
  const rest = stored.slice(ENCRYPTED_PREFIX.length);
  const plaintext = open(dataKey, decodeSealed(rest.slice(rest.indexOf(':') + 1)), fieldAad(place, keyVersion));
  try {
    return JSON.parse(plaintext.toString('utf8'));
  } catch {
    throw new DecryptionError('malformed plaintext');
  }
}
