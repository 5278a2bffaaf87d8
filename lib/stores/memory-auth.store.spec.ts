import { afterEach, beforeEach, describe, expect, it, jest } from '@jest/globals';
import { DEFAULT_MEMORY_STORE_MAX, MemoryAuthStore } from './memory-auth.store.js';

/*
 * The default AuthStore: bounded (least recently used first), so that a flood of distinct clients
 * or credentials cannot grow it without limit, and timed (counter windows and value TTLs) on
 * `Date.now()`, which jest's fake timers move.
 */

describe('MemoryAuthStore', () => {
  beforeEach(() => {
    jest.useFakeTimers({ now: new Date('2026-11-23T08:00:00Z') });
  });
  afterEach(() => {
    jest.useRealTimers();
  });

  describe('counters (fixed windows)', () => {
    it('counts in a window that starts with the first increment, and reports the time left', async () => {
      const store = new MemoryAuthStore();
      await expect(store.count('c')).resolves.toEqual({ count: 0, resetInMs: 0 });
      await expect(store.increment('c', 60_000)).resolves.toEqual({
        count: 1,
        resetInMs: 60_000,
      });
      jest.advanceTimersByTime(15_000);
      await expect(store.increment('c', 60_000)).resolves.toEqual({
        count: 2,
        resetInMs: 45_000,
      });
      jest.advanceTimersByTime(5_000);
      await expect(store.count('c')).resolves.toEqual({ count: 2, resetInMs: 40_000 });
    });

    it('a later increment does not extend the window (its own windowMs is ignored)', async () => {
      const store = new MemoryAuthStore();
      await store.increment('c', 10_000);
      jest.advanceTimersByTime(4_000);
      await expect(store.increment('c', 60_000)).resolves.toEqual({
        count: 2,
        resetInMs: 6_000,
      });
    });

    it('forgets the counter when its window ends, and starts a new one', async () => {
      const store = new MemoryAuthStore();
      await store.increment('c', 10_000);
      await store.increment('c', 10_000);
      jest.advanceTimersByTime(9_999);
      await expect(store.count('c')).resolves.toEqual({ count: 2, resetInMs: 1 });
      jest.advanceTimersByTime(1);
      await expect(store.count('c')).resolves.toEqual({ count: 0, resetInMs: 0 });
      await expect(store.increment('c', 10_000)).resolves.toEqual({
        count: 1,
        resetInMs: 10_000,
      });
    });

    it('delete() resets a counter at once', async () => {
      const store = new MemoryAuthStore();
      await store.increment('c', 10_000);
      await store.delete('c');
      await expect(store.count('c')).resolves.toEqual({ count: 0, resetInMs: 0 });
    });
  });

  describe('values (TTLs)', () => {
    it('keeps a value for its TTL, then forgets it', async () => {
      const store = new MemoryAuthStore();
      await store.set('revoked:j1', '1', 5_000);
      jest.advanceTimersByTime(4_999);
      await expect(store.get('revoked:j1')).resolves.toBe('1');
      jest.advanceTimersByTime(1);
      await expect(store.get('revoked:j1')).resolves.toBeUndefined();
    });

    it('set() again replaces the value and its TTL', async () => {
      const store = new MemoryAuthStore();
      await store.set('k', 'first', 1_000);
      await store.set('k', 'second', 10_000);
      jest.advanceTimersByTime(5_000);
      await expect(store.get('k')).resolves.toBe('second');
    });

    it('take() hands a single-use value out once', async () => {
      const store = new MemoryAuthStore();
      await store.set('refresh', 'family-1', 60_000);
      await expect(store.take('refresh')).resolves.toBe('family-1');
      await expect(store.take('refresh')).resolves.toBeUndefined();
      await expect(store.get('refresh')).resolves.toBeUndefined();
    });

    it('take() of an expired value hands out nothing', async () => {
      const store = new MemoryAuthStore();
      await store.set('refresh', 'family-1', 1_000);
      jest.advanceTimersByTime(1_000);
      await expect(store.take('refresh')).resolves.toBeUndefined();
    });

    it('delete() forgets a value at once', async () => {
      const store = new MemoryAuthStore();
      await store.set('k', 'v', 60_000);
      await store.delete('k');
      await expect(store.get('k')).resolves.toBeUndefined();
    });
  });

  describe('size bound', () => {
    it('holds at most `max` counters and values together, dropping the least recently used', async () => {
      const store = new MemoryAuthStore({ max: 3 });
      await store.increment('a', 60_000);
      await store.set('b', 'vb', 60_000);
      await store.increment('c', 60_000);
      await store.count('a'); // a is now more recently used than b
      await store.set('d', 'vd', 60_000); // evicts b
      await expect(store.get('b')).resolves.toBeUndefined();
      await expect(store.count('a')).resolves.toMatchObject({ count: 1 });
      await expect(store.count('c')).resolves.toMatchObject({ count: 1 });
      await expect(store.get('d')).resolves.toBe('vd');
      await store.increment('e', 60_000); // evicts the least recent of a, c, d: a
      await expect(store.count('a')).resolves.toEqual({ count: 0, resetInMs: 0 });
      await expect(store.get('d')).resolves.toBe('vd');
      await expect(store.count('e')).resolves.toMatchObject({ count: 1 });
    });

    it('an evicted counter starts again from 0: the bound trades a lockout for memory', async () => {
      const store = new MemoryAuthStore({ max: 2 });
      for (let i = 0; i < 5; i++) await store.increment('victim', 60_000);
      await store.increment('flood-1', 60_000);
      await store.increment('flood-2', 60_000);
      await expect(store.increment('victim', 60_000)).resolves.toMatchObject({ count: 1 });
    });

    it(`is ${DEFAULT_MEMORY_STORE_MAX} entries by default`, async () => {
      const store = new MemoryAuthStore();
      await store.increment('first', 60_000);
      for (let i = 1; i < DEFAULT_MEMORY_STORE_MAX; i++) await store.set(`k${i}`, 'v', 60_000);
      // Full: the first entry is still there...
      await expect(store.count('first')).resolves.toMatchObject({ count: 1 });
      await store.set(`k${DEFAULT_MEMORY_STORE_MAX}`, 'v', 60_000);
      // ...one more evicts the least recently used, k1 (first was just read).
      await expect(store.get('k1')).resolves.toBeUndefined();
      await expect(store.count('first')).resolves.toMatchObject({ count: 1 });
      await expect(store.get(`k${DEFAULT_MEMORY_STORE_MAX}`)).resolves.toBe('v');
    }, 60_000);
  });

  describe('invalidations (this process only)', () => {
    it('reaches every listener until it unsubscribes', async () => {
      const store = new MemoryAuthStore();
      const one: (string | undefined)[] = [];
      const two: (string | undefined)[] = [];
      const stopOne = store.onInvalidation((id) => one.push(id));
      store.onInvalidation((id) => two.push(id));
      await store.publishInvalidation('alice');
      stopOne();
      await store.publishInvalidation('bob');
      expect(one).toEqual(['alice']);
      expect(two).toEqual(['alice', 'bob']);
    });
  });
});
