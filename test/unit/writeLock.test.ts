/**
 * The lock the embedded store's main connection shares with its append writer thread: a main-thread
 * write waits while the writer holds it and fails (writing nothing) past the busy timeout; a lock
 * left by a writer thread that died is released by its owner, never one the main thread holds.
 */
import { describe, expect, it } from 'vitest';
import { StoreError } from '../../src/store/port';
import { WriteLock } from '../../src/store/sqlite/writeLock';

const HOLDER = 0;
const WRITER = 2;
const holder = (lock: WriteLock) => Atomics.load(new Int32Array(lock.buffer), HOLDER);
const holdAsWriter = (lock: WriteLock) => Atomics.store(new Int32Array(lock.buffer), HOLDER, WRITER);

describe('WriteLock', () => {
  it('runs the body holding the lock, re-entrantly, and frees it afterwards (also when the body throws)', () => {
    const lock = new WriteLock(1000);
    expect(lock.exclusive(() => lock.exclusive(() => holder(lock)))).toBe(1);
    expect(holder(lock)).toBe(0);
    expect(() => lock.exclusive(() => { throw new Error('write failed'); })).toThrow('write failed');
    expect(holder(lock)).toBe(0);
  });

  it('a main-thread write waits while the writer holds the lock, then fails without running past the busy timeout', () => {
    const lock = new WriteLock(100);
    holdAsWriter(lock);
    let ran = false;
    const started = Date.now();
    expect(() => lock.exclusive(() => { ran = true; })).toThrow(StoreError);
    expect(Date.now() - started).toBeGreaterThanOrEqual(100);
    expect(ran).toBe(false);
    expect(holder(lock)).toBe(WRITER);
  });

  it('a lock abandoned by a writer thread that ended is released; one the main thread holds is not', () => {
    const lock = new WriteLock(100);
    holdAsWriter(lock);
    lock.releaseAbandoned();
    expect(lock.exclusive(() => {
      lock.releaseAbandoned();
      return holder(lock);
    })).toBe(1);
  });
});
