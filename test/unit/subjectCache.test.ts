/** The process-wide key and value cache: bounded, forgets a subject at once, never re-filled by a read that started before. */
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { aesKey } from '../../src/crypto/envelope';
import { SubjectCache } from '../../src/crypto/subjectCache';

const key = () => aesKey(randomBytes(32));

describe('SubjectCache', () => {
  it('keeps keys and values per subject until forgotten', () => {
    const cache = new SubjectCache();
    const k = key();
    cache.rememberKey('s1', 1, k, cache.epoch);
    cache.rememberValue('s1', 'customers.email', 'pgenc:v1:1:abc', 'a@example.com', cache.epoch);
    expect(cache.key('s1', 1)).toBe(k);
    expect(cache.entryOf('s1')?.values.get('customers.email')).toEqual({ stored: 'pgenc:v1:1:abc', value: 'a@example.com' });
    cache.forget('s1');
    expect(cache.holds('s1')).toBe(false);
    expect(cache.key('s1', 1)).toBeUndefined();
  });

  it('ignores what a read that started before a forget tries to cache afterwards', () => {
    const cache = new SubjectCache();
    const started = cache.epoch;
    cache.forget('s2'); // an erasure while the read was in flight
    cache.rememberKey('s2', 1, key(), started);
    cache.rememberValue('s2', 'customers.email', 'pgenc:v1:1:abc', 'b@example.com', started);
    expect(cache.holds('s2')).toBe(false);
    cache.rememberKey('s2', 1, key(), cache.epoch);
    expect(cache.holds('s2')).toBe(true);
  });

  it('holds at most maxSubjects subjects, evicting the least recently used', () => {
    const cache = new SubjectCache({ maxSubjects: 3 });
    for (const id of ['a', 'b', 'c']) cache.rememberKey(id, 1, key(), cache.epoch);
    cache.key('a', 1); // a is used again
    cache.rememberKey('d', 1, key(), cache.epoch);
    expect(['a', 'b', 'c', 'd'].filter((id) => cache.holds(id))).toEqual(['a', 'c', 'd']);
    expect(cache.size).toBe(3);
  });

  it('forgets entries older than the TTL', async () => {
    const cache = new SubjectCache({ ttlMs: 20 });
    cache.rememberKey('t', 1, key(), cache.epoch);
    await new Promise((resolve) => setTimeout(resolve, 40));
    expect(cache.key('t', 1)).toBeUndefined();
  });
});
