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
});
