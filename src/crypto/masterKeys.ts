/**
 * The master keyring: the key that wraps every subject's data key (MASTER_KEY) and, during a
 * rotation, the previous one (MASTER_KEY_PREVIOUS), accepted for unwrapping only.
 *
 * A configured secret (any string of at least 32 bytes, as for JWT_SECRET) is stretched with HKDF into
 * a 256-bit wrapping key; its id is a fingerprint derived with a different HKDF label, so the id
 * stored next to each wrapped key says which master key to use without revealing anything about it.
 */
import { hkdfSync } from 'node:crypto';
import { aesKey, decodeSealed, DecryptionError, encodeSealed, KEY_BYTES, open, seal, type AesKey } from './envelope';

interface MasterKey {
  id: string;
  key: AesKey;
}

function derive(secret: string, label: string, bytes: number): Buffer {
  return Buffer.from(hkdfSync('sha256', Buffer.from(secret, 'utf8'), Buffer.from('privacy-gateway', 'utf8'), label, bytes));
}

function masterKey(secret: string): MasterKey {
  return {
    id: `mk_${derive(secret, 'privacy-gateway/master-key-id', 8).toString('hex')}`,
    key: aesKey(derive(secret, 'privacy-gateway/master-key-wrap', KEY_BYTES)),
  };
}

/** What a data key is wrapped for: the associated data of the wrapping. */
export interface DataKeyPlace {
  subjectId: string;
  version: number;
}

function wrapAad(place: DataKeyPlace, masterKeyId: string): string {
  return `pg-datakey|${place.subjectId}|${place.version}|${masterKeyId}`;
}

export interface WrappedKey {
  wrappedKey: string;
  masterKeyId: string;
}

export class MasterKeyring {
  private readonly current: MasterKey;
  private readonly byId: ReadonlyMap<string, MasterKey>;

  constructor(currentSecret: string, previousSecret?: string) {
    this.current = masterKey(currentSecret);
    const keys = [this.current];
    if (previousSecret !== undefined && previousSecret !== currentSecret) keys.push(masterKey(previousSecret));
    this.byId = new Map(keys.map((key) => [key.id, key]));
  }

  get currentId(): string {
    return this.current.id;
  }

  /** Ids of the master keys this keyring can unwrap with (current first). */
  get knownIds(): string[] {
    return [...this.byId.keys()];
  }

  wrap(dataKey: Buffer, place: DataKeyPlace): WrappedKey {
    const sealed = seal(this.current.key, dataKey, wrapAad(place, this.current.id));
    return { wrappedKey: encodeSealed(sealed), masterKeyId: this.current.id };
  }

  /** Re-wraps a data key under the current master key (rotation); the data key itself never changes. */
  rewrap(wrapped: WrappedKey, place: DataKeyPlace): WrappedKey {
    const master = this.byId.get(wrapped.masterKeyId);
    if (master === undefined) throw new DecryptionError('data key is wrapped by a master key this keyring does not hold');
    const dataKey = open(master.key, decodeSealed(wrapped.wrappedKey), wrapAad(place, wrapped.masterKeyId));
    try {
      return this.wrap(dataKey, place);
    } finally {
      dataKey.fill(0);
    }
  }

  /** The data key, ready for use; an unknown master key id or a failed unwrap is a DecryptionError. */
  unwrap(wrapped: WrappedKey, place: DataKeyPlace): AesKey {
    const master = this.byId.get(wrapped.masterKeyId);
    if (master === undefined) throw new DecryptionError('data key is wrapped by a master key this keyring does not hold');
    const dataKey = open(master.key, decodeSealed(wrapped.wrappedKey), wrapAad(place, wrapped.masterKeyId));
    if (dataKey.length !== KEY_BYTES) throw new DecryptionError('malformed data key');
    return aesKey(dataKey);
  }
}
