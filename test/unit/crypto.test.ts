/** The envelope, the master keyring, the blind index, query translation and the key settings, as tables. */
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config/config';
import { createEmailBlindIndexer } from '../../src/crypto/blindIndex';
import { aesKey, decryptValue, DecryptionError, ENCRYPTED_PREFIX, encryptValue, keyVersionOf, type FieldPlace } from '../../src/crypto/envelope';
import { MasterKeyring } from '../../src/crypto/masterKeys';
import { QueryTranslator } from '../../src/store/encryption/queryTranslation';
import { StoreError } from '../../src/store/port';

const keyA = aesKey(randomBytes(32));
const keyB = aesKey(randomBytes(32));
const place: FieldPlace = { collection: 'customers', subjectId: 'cus_a', field: 'email' };

describe('field envelope (AES-256-GCM, bound to subject and field)', () => {
  it.each([
    ['a string', 'alva.lind.488@example.com'],
    ['unicode', 'Zoë Łukasiewicz-Ørsted'],
    ['a date', '1989-08-23'],
    ['an empty string', ''],
  ])('round-trips %s and hides it', (_, value) => {
    const stored = encryptValue(keyA, 1, place, value);
    expect(stored.startsWith(ENCRYPTED_PREFIX)).toBe(true);
    if (value !== '') expect(stored).not.toContain(value);
    expect(decryptValue(keyA, place, stored)).toBe(value);
  });

  it('never produces the same ciphertext twice (random IV)', () => {
    expect(encryptValue(keyA, 1, place, 'x@example.com')).not.toBe(encryptValue(keyA, 1, place, 'x@example.com'));
  });

  it.each([
    ["another subject's key", keyB, place],
    ['another subject (same key, copied value)', keyA, { ...place, subjectId: 'cus_b' }],
    ['another field of the same subject', keyA, { ...place, field: 'phone' }],
    ['another collection', keyA, { ...place, collection: 'segments' }],
  ])('refuses to decrypt with %s', (_, key, where) => {
    const stored = encryptValue(keyA, 1, place, 'alva.lind.488@example.com');
    expect(() => decryptValue(key, where, stored)).toThrow(DecryptionError);
  });

  const stored = encryptValue(keyA, 1, place, 'alva.lind.488@example.com');
  const body = stored.slice(stored.lastIndexOf(':') + 1);
  const flip = (text: string, at: number) => text.slice(0, at) + (text[at] === 'A' ? 'B' : 'A') + text.slice(at + 1);
  it.each([
    ['a flipped IV character', `${ENCRYPTED_PREFIX}1:${flip(body, 2)}`],
    ['a flipped tag character', `${ENCRYPTED_PREFIX}1:${flip(body, 20)}`],
    ['a flipped ciphertext character', `${ENCRYPTED_PREFIX}1:${flip(body, body.length - 3)}`],
    ['a truncated ciphertext', stored.slice(0, -4)],
    ['an appended byte', `${stored}AA`],
    ['a changed key version', stored.replace(`${ENCRYPTED_PREFIX}1:`, `${ENCRYPTED_PREFIX}2:`)],
    ['characters outside base64url', `${stored.slice(0, -2)}.!`],
    ['no body at all', `${ENCRYPTED_PREFIX}1:`],
    ['not an encrypted value', 'alva.lind.488@example.com'],
  ])('detects tampering: %s is an error, never garbage', (_, tampered) => {
    expect(() => decryptValue(keyA, place, tampered)).toThrow(DecryptionError);
  });
});

describe('the key version a stored value names', () => {
  it.each([
    ['pgenc:v1:1:abc', 1],
    ['pgenc:v1:27:abc', 27],
    ['pgenc:v1:1000000:abc', 1_000_000],
  ])('%s → %i', (stored, version) => {
    expect(keyVersionOf(stored)).toBe(version);
  });

  it.each([
    ['not encrypted', 'plain text'],
    ['no version', 'pgenc:v1::abc'],
    ['no separator after the version', 'pgenc:v1:12'],
    ['version 0', 'pgenc:v1:0:abc'],
    ['a sign', 'pgenc:v1:-1:abc'],
    ['letters', 'pgenc:v1:1a:abc'],
    ['spaces', 'pgenc:v1: 1:abc'],
    ['too large', 'pgenc:v1:99999999999999999999:abc'],
  ])('%s is refused', (_case, stored) => {
    expect(() => keyVersionOf(stored)).toThrow(DecryptionError);
  });
});

describe('master keyring (data keys wrapped by MASTER_KEY)', () => {
  const oldSecret = 'old-master-key-'.padEnd(40, 'o');
  const newSecret = 'new-master-key-'.padEnd(40, 'n');
  const dataKey = randomBytes(32);
  const where = { subjectId: 'cus_a', version: 1 };
  const probe = (ring: MasterKeyring, wrapped: ReturnType<MasterKeyring['wrap']>) =>
    decryptValue(ring.unwrap(wrapped, where), place, encryptValue(aesKey(dataKey), 1, place, 'v'));

  it('unwraps what it wrapped, and names the master key by a fingerprint, not the key', () => {
    const ring = new MasterKeyring(oldSecret);
    const wrapped = ring.wrap(dataKey, where);
    expect(wrapped.masterKeyId).toMatch(/^mk_[0-9a-f]{16}$/);
    expect(wrapped.masterKeyId).not.toContain(oldSecret);
    expect(probe(ring, wrapped)).toBe('v');
  });

  it.each([
    ['another master key', () => new MasterKeyring(newSecret), where],
    ['a wrapped key moved to another subject', () => new MasterKeyring(oldSecret), { subjectId: 'cus_b', version: 1 }],
    ['a wrapped key moved to another version', () => new MasterKeyring(oldSecret), { subjectId: 'cus_a', version: 2 }],
  ])('refuses %s', (_, ring, at) => {
    const wrapped = new MasterKeyring(oldSecret).wrap(dataKey, where);
    expect(() => ring().unwrap(wrapped, at)).toThrow(DecryptionError);
  });

  it('rotation: re-wraps under the new key; the new key alone reads it, the old key alone no longer does', () => {
    const wrappedOld = new MasterKeyring(oldSecret).wrap(dataKey, where);
    const rotating = new MasterKeyring(newSecret, oldSecret);
    expect(probe(rotating, wrappedOld)).toBe('v');
    const rewrapped = rotating.rewrap(wrappedOld, where);
    expect(rewrapped.masterKeyId).toBe(new MasterKeyring(newSecret).currentId);
    expect(probe(new MasterKeyring(newSecret), rewrapped)).toBe('v');
    expect(() => new MasterKeyring(oldSecret).unwrap(rewrapped, where)).toThrow(DecryptionError);
  });
});

describe('email blind index', () => {
  const index = createEmailBlindIndexer('blind-index-key-'.padEnd(40, 'b'));
  it.each([
    ['Alva.Lind@Example.com', 'alva.lind@example.com'],
    ['  alva.lind@example.com\t', 'alva.lind@example.com'],
  ])('normalises %j like %j', (a, b) => expect(index(a)).toBe(index(b)));
  it('tells different emails apart, does not contain the email, and depends on its key', () => {
    expect(index('a@example.com')).not.toBe(index('b@example.com'));
    expect(index('alva@example.com')).not.toContain('alva');
    expect(createEmailBlindIndexer('other-key-'.padEnd(40, 'k'))('a@example.com')).not.toBe(index('a@example.com'));
  });
});

describe('queries over encrypted fields', () => {
  const index = createEmailBlindIndexer('blind-index-key-'.padEnd(40, 'b'));
  const translator = new QueryTranslator('customers', new Set(['email', 'phone', 'fullName', 'birthDate', 'postalCode']), {
    field: 'email', indexField: 'emailIndex', index,
  });
  const h = index('a@example.com');

  it.each([
    [{ email: 'A@example.com ' }, { emailIndex: h }],
    [{ email: { $eq: 'a@example.com' } }, { emailIndex: { $eq: h } }],
    [{ email: { $in: ['a@example.com', null] } }, { emailIndex: { $in: [h, null] } }],
    [{ email: 'a@example.com', _id: { $ne: 'cus_a' } }, { emailIndex: h, _id: { $ne: 'cus_a' } }],
    [{ $or: [{ email: 'a@example.com' }, { country: 'DE' }] }, { $or: [{ emailIndex: h }, { country: 'DE' }] }],
    [{ phone: null }, { phone: null }],
    [{ fullName: { $exists: false } }, { fullName: { $exists: false } }],
    [{ country: 'DE', birthYear: { $gte: 1980 } }, { country: 'DE', birthYear: { $gte: 1980 } }],
  ])('rewrites %o to %o', (filter, expected) => {
    expect(translator.filter(filter)).toEqual(expected);
  });

  it.each([
    [{ phone: '+49 123' }],
    [{ fullName: { $regex: '^Al' } }],
    [{ birthDate: { $gte: '1980-01-01' } }],
    [{ email: { $regex: '@example' } }],
    [{ email: { $gt: 'a' } }],
    [{ 'postalCode.0': '1' }],
    [{ $and: [{ country: 'DE' }, { postalCode: '10115' }] }],
    [{ $expr: { $eq: ['$phone', 'x'] } }],
    [{ $where: 'this.email' }],
  ])('refuses %o (ciphertext cannot be compared)', (filter) => {
    expect(() => translator.filter(filter)).toThrow(StoreError);
  });

  it.each([
    [[{ $sort: { fullName: 1 } }]],
    [[{ $group: { _id: '$postalCode', n: { $sum: 1 } } }]],
    [[{ $project: { initial: { $substrCP: ['$fullName', 0, 1] } } }]],
    [[{ $match: { birthDate: { $lt: '2000' } } }]],
  ])('refuses the pipeline %o', (pipeline) => {
    expect(() => translator.pipeline(pipeline)).toThrow(StoreError);
  });

  it('keeps pipelines over non-identifying attributes, rewriting email equality in $match', () => {
    expect(translator.pipeline([{ $match: { email: 'a@example.com' } }, { $group: { _id: '$country', n: { $sum: 1 } } }]))
      .toEqual([{ $match: { emailIndex: h } }, { $group: { _id: '$country', n: { $sum: 1 } } }]);
  });

  it.each([
    [{ $inc: { phone: 1 } }],
    [{ $push: { fullName: 'x' } }],
    [{ $set: { 'email.local': 'x' } }],
    [{ $rename: { country: 'postalCode' } }],
    [{ $set: { emailIndex: 'forged' } }],
  ])('refuses the update %o', (update) => {
    expect(() => translator.assignedEncryptedFields(update)).toThrow(StoreError);
  });
});

describe('encryption settings', () => {
  const strong = (c: string) => c.repeat(40);
  const production = { NODE_ENV: 'production', JWT_SECRET: strong('j'), PSEUDONYM_KEY: strong('p') };

  it.each([
    [{}, /MASTER_KEY is required in production/],
    [{ MASTER_KEY: 'short', BLIND_INDEX_KEY: strong('b') }, /MASTER_KEY must be at least 32 bytes/],
    [{ MASTER_KEY: strong('m') }, /BLIND_INDEX_KEY is required in production/],
    [{ MASTER_KEY: strong('m'), BLIND_INDEX_KEY: strong('m') }, /BLIND_INDEX_KEY must differ from MASTER_KEY/],
    [{ MASTER_KEY: strong('m'), BLIND_INDEX_KEY: strong('b'), MASTER_KEY_PREVIOUS: 'short' }, /MASTER_KEY_PREVIOUS must be at least 32 bytes/],
    [{ MASTER_KEY: strong('m'), BLIND_INDEX_KEY: strong('b'), ENCRYPTION: 'off' }, /ENCRYPTION=off is refused in production/],
    [{ MASTER_KEY: strong('m'), BLIND_INDEX_KEY: strong('b'), ENCRYPTION: 'maybe' }, /ENCRYPTION must be on or off/],
  ])('production refuses %o', (env, message) => {
    expect(() => loadConfig({ ...production, ...env })).toThrow(ConfigError);
    expect(() => loadConfig({ ...production, ...env })).toThrow(message);
  });

  it('production accepts strong, distinct keys without warnings about them', () => {
    const config = loadConfig({ ...production, MASTER_KEY: strong('m'), BLIND_INDEX_KEY: strong('b'), MASTER_KEY_PREVIOUS: strong('o') });
    expect(config.encryption).toEqual({
      enabled: true, masterKey: strong('m'), previousMasterKey: strong('o'), blindIndexKey: strong('b'), cacheSubjects: 10_000, cacheTtlSeconds: 600,
    });
    expect(config.warnings.filter((w) => /MASTER_KEY|BLIND_INDEX_KEY|ENCRYPTION/.test(w))).toEqual([]);
  });

  it.each([
    [{ DECRYPTION_CACHE_SUBJECTS: '0' }, { cacheSubjects: 0, cacheTtlSeconds: 600 }],
    [{ DECRYPTION_CACHE_SUBJECTS: '50000', DECRYPTION_CACHE_TTL_SECONDS: '30' }, { cacheSubjects: 50_000, cacheTtlSeconds: 30 }],
  ])('decryption cache bounds from %j', (env, expected) => {
    expect(loadConfig({ NODE_ENV: 'test', ...env }).encryption).toMatchObject(expected);
  });

  it.each([
    [{ DECRYPTION_CACHE_SUBJECTS: '-1' }, /DECRYPTION_CACHE_SUBJECTS must be between 0 and 1000000/],
    [{ DECRYPTION_CACHE_SUBJECTS: 'many' }, /DECRYPTION_CACHE_SUBJECTS must be an integer/],
    [{ DECRYPTION_CACHE_TTL_SECONDS: '0' }, /DECRYPTION_CACHE_TTL_SECONDS must be between 1 and 86400/],
  ])('refuses decryption cache bounds %j', (env, message) => {
    expect(() => loadConfig({ NODE_ENV: 'test', ...env })).toThrow(message);
  });

  it('development uses fixed development keys, says so, and is encrypted by default', () => {
    const config = loadConfig({ NODE_ENV: 'development' });
    expect(config.encryption.enabled).toBe(true);
    expect(config.warnings).toEqual(expect.arrayContaining([
      expect.stringMatching(/MASTER_KEY not set/), expect.stringMatching(/BLIND_INDEX_KEY not set/),
    ]));
  });
});
