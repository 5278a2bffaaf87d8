import { describe, expect, it, jest } from '@jest/globals';
import type { VerificationCache } from '../cache/verification-cache.js';
import type { ResolvedAuthOptions } from '../options/resolve-options.js';
import type { InvalidationListener } from '../stores/auth-store.interface.js';
import { AuthRevocation } from './auth-revocation.service.js';

describe('AuthRevocation', () => {
  it("forgets a principal's cached verifications on its invalidation, and every one when the store may have missed some", async () => {
    let listener: InvalidationListener = () => undefined;
    const unsubscribe = jest.fn();
    const store = {
      onInvalidation: (l: InvalidationListener) => ((listener = l), unsubscribe),
      close: jest.fn(() => Promise.resolve()),
    };
    const cache = { invalidate: jest.fn(), clear: jest.fn() };
    const revocation = new AuthRevocation(
      { store } as unknown as ResolvedAuthOptions,
      cache as unknown as VerificationCache,
    );
    listener('alice');
    expect(cache.invalidate.mock.calls).toEqual([['alice']]);
    expect(cache.clear).not.toHaveBeenCalled();
    listener(undefined);
    expect(cache.clear).toHaveBeenCalledTimes(1);
    expect(cache.invalidate).toHaveBeenCalledTimes(1);
    await revocation.onModuleDestroy();
    expect(unsubscribe).toHaveBeenCalledTimes(1);
    expect(store.close).toHaveBeenCalledTimes(1);
  });

  it("makes the application's start wait until the store is available (its subscription confirmed), for at most 2 s", async () => {
    jest.useFakeTimers();
    try {
      let available = false;
      const store = { onInvalidation: () => () => undefined, available: () => available };
      const revocation = new AuthRevocation(
        { store } as unknown as ResolvedAuthOptions,
        {} as VerificationCache,
      );
      let started = false;
      void revocation.onApplicationBootstrap().then(() => (started = true));
      await jest.advanceTimersByTimeAsync(100);
      expect(started).toBe(false);
      available = true;
      await jest.advanceTimersByTimeAsync(10);
      expect(started).toBe(true);
      // Still unavailable after 2 s (Redis down at start-up): the start goes on (503 until it is back).
      available = false;
      started = false;
      void revocation.onApplicationBootstrap().then(() => (started = true));
      await jest.advanceTimersByTimeAsync(1990);
      expect(started).toBe(false);
      await jest.advanceTimersByTimeAsync(20);
      expect(started).toBe(true);
    } finally {
      jest.useRealTimers();
    }
  });
});
