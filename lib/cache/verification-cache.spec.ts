import { afterEach, beforeEach, describe, expect, it, jest } from '@jest/globals';
import { inspect } from 'node:util';
import { AuthenticationError, AuthUnavailableError } from '../errors/auth.error.js';
import type { AuthPrincipal } from '../interfaces/auth-principal.interface.js';
import { VerificationCache } from './verification-cache.js';

/** A verification that counts its calls and resolves to a principal. */
function verifier(principal: AuthPrincipal = { id: 'alice' }) {
  const calls = { count: 0 };
  return {
    calls,
    verify: async (): Promise<AuthPrincipal> => {
      calls.count++;
      await Promise.resolve();
      return principal;
    },
  };
}

/** A verification that counts its calls and stays pending until `release(principal)`. */
function heldVerifier() {
  const calls = { count: 0 };
  let release: (principal: AuthPrincipal) => void = () => undefined;
  return {
    calls,
    release: (principal: AuthPrincipal) => release(principal),
    verify: (): Promise<AuthPrincipal> => {
      calls.count++;
      return new Promise((resolve) => (release = resolve));
    },
  };
}

describe('VerificationCache', () => {
  beforeEach(() => {
    jest.useFakeTimers({ now: new Date('2026-11-23T08:00:00Z') });
  });
  afterEach(() => {
    jest.useRealTimers();
  });

  /** The cache's TTL clock, following jest's fake time. */
  const fakeClock = { now: () => Date.now() };

  it('verifies a credential once, then answers from the cache', async () => {
    const cache = new VerificationCache();
    const { calls, verify } = verifier();
    for (let i = 0; i < 3; i++) {
      await expect(cache.verify('basic', { material: 'alice:pw' }, verify)).resolves.toEqual({
        id: 'alice',
      });
    }
    expect(calls.count).toBe(1);
    expect(cache.size).toBe(1);
  });

  it('keeps schemes and credentials apart', async () => {
    const cache = new VerificationCache();
    const { calls, verify } = verifier();
    await cache.verify('basic', { material: 'k' }, verify);
    await cache.verify('apiKey', { material: 'k' }, verify);
    await cache.verify('basic', { material: 'k2' }, verify);
    expect(calls.count).toBe(3);
  });

  it('shares one verification among concurrent first requests for the same credential', async () => {
    const cache = new VerificationCache();
    const { calls, release, verify } = heldVerifier();
    const all = Promise.all(
      [1, 2, 3].map(() => cache.verify('basic', { material: 'alice:pw' }, verify)),
    );
    release({ id: 'alice' });
    await expect(all).resolves.toEqual([{ id: 'alice' }, { id: 'alice' }, { id: 'alice' }]);
    expect(calls.count).toBe(1);
  });

  it('does not remember errors other than authentication failures (e.g. an unreachable store)', async () => {
    const cache = new VerificationCache();
    let calls = 0;
    const failing = (): Promise<AuthPrincipal> => {
      calls++;
      return Promise.reject(new AuthUnavailableError());
    };
    await expect(cache.verify('basic', { material: 'alice:pw' }, failing)).rejects.toBeInstanceOf(
      AuthUnavailableError,
    );
    await expect(cache.verify('basic', { material: 'alice:pw' }, failing)).rejects.toBeInstanceOf(
      AuthUnavailableError,
    );
    expect(calls).toBe(2);
    expect(cache.size).toBe(0);
  });

  it('remembers a rejected credential for failureTtl seconds, then verifies it again', async () => {
    const cache = new VerificationCache({ ttl: 60, failureTtl: 5 }, fakeClock);
    const rejection = new AuthenticationError('credentials_invalid', { scheme: 'basic' });
    let calls = 0;
    const failing = (): Promise<AuthPrincipal> => {
      calls++;
      return Promise.reject(rejection);
    };
    await expect(cache.verify('basic', { material: 'alice:bad' }, failing)).rejects.toBe(rejection);
    jest.advanceTimersByTime(4_000);
    await expect(cache.verify('basic', { material: 'alice:bad' }, failing)).rejects.toBe(rejection);
    expect(calls).toBe(1);
    jest.advanceTimersByTime(2_000);
    await expect(cache.verify('basic', { material: 'alice:bad' }, failing)).rejects.toBe(rejection);
    expect(calls).toBe(2);
  });

  it('failureTtl: 0 remembers no rejection', async () => {
    const cache = new VerificationCache({ failureTtl: 0 });
    let calls = 0;
    const failing = (): Promise<AuthPrincipal> => {
      calls++;
      return Promise.reject(new AuthenticationError('token_invalid'));
    };
    await expect(cache.verify('bearer', { material: 't' }, failing)).rejects.toThrow();
    await expect(cache.verify('bearer', { material: 't' }, failing)).rejects.toThrow();
    expect(calls).toBe(2);
  });

  it('stays bounded with many distinct rejected credentials', async () => {
    const cache = new VerificationCache({ max: 100 });
    const failing = (): Promise<AuthPrincipal> =>
      Promise.reject(new AuthenticationError('credentials_invalid'));
    for (let i = 0; i < 1_000; i++) {
      await expect(cache.verify('apiKey', { material: `bad-${i}` }, failing)).rejects.toThrow();
    }
    expect(cache.size).toBe(100);
  });

  it('expires entries after ttl seconds', async () => {
    const cache = new VerificationCache({ ttl: 30 }, fakeClock);
    const { calls, verify } = verifier();
    await cache.verify('basic', { material: 'alice:pw' }, verify);
    jest.advanceTimersByTime(29_000);
    await cache.verify('basic', { material: 'alice:pw' }, verify);
    expect(calls.count).toBe(1);
    jest.advanceTimersByTime(2_000);
    await cache.verify('basic', { material: 'alice:pw' }, verify);
    expect(calls.count).toBe(2);
  });

  it("never keeps an entry past the credential's expiry (a JWT's exp)", async () => {
    const cache = new VerificationCache({ ttl: 60 }, fakeClock);
    const { calls, verify } = verifier();
    const expiresAt = Date.now() + 5_000;
    await cache.verify('bearer', { material: 'jwt', expiresAt: () => expiresAt }, verify);
    jest.advanceTimersByTime(4_000);
    await cache.verify('bearer', { material: 'jwt', expiresAt: () => expiresAt }, verify);
    expect(calls.count).toBe(1);
    jest.advanceTimersByTime(1_500);
    await cache.verify('bearer', { material: 'jwt', expiresAt: () => expiresAt }, verify);
    expect(calls.count).toBe(2);
  });

  it('does not remember a credential that is already expired', async () => {
    const cache = new VerificationCache();
    const { verify } = verifier();
    await cache.verify('bearer', { material: 'jwt', expiresAt: () => Date.now() - 1 }, verify);
    expect(cache.size).toBe(0);
  });

  it('is bounded: the least recently used entries go first', async () => {
    const cache = new VerificationCache({ max: 2 });
    const { calls, verify } = verifier();
    await cache.verify('basic', { material: 'a' }, verify);
    await cache.verify('basic', { material: 'b' }, verify);
    await cache.verify('basic', { material: 'a' }, verify); // a is now the most recent
    await cache.verify('basic', { material: 'c' }, verify); // evicts b
    expect(cache.size).toBe(2);
    expect(calls.count).toBe(3);
    await cache.verify('basic', { material: 'a' }, verify);
    expect(calls.count).toBe(3);
    await cache.verify('basic', { material: 'b' }, verify);
    expect(calls.count).toBe(4);
  });

  it('invalidate(id) forgets every credential of that principal only', async () => {
    const cache = new VerificationCache();
    const alice = verifier({ id: 'alice' });
    const bob = verifier({ id: 'bob' });
    await cache.verify('basic', { material: 'alice:pw' }, alice.verify);
    await cache.verify('bearer', { material: 'alice-token' }, alice.verify);
    await cache.verify('basic', { material: 'bob:pw' }, bob.verify);
    cache.invalidate('alice');
    expect(cache.size).toBe(1);
    await cache.verify('basic', { material: 'alice:pw' }, alice.verify);
    await cache.verify('bearer', { material: 'alice-token' }, alice.verify);
    await cache.verify('basic', { material: 'bob:pw' }, bob.verify);
    expect(alice.calls.count).toBe(4);
    expect(bob.calls.count).toBe(1);
  });

  it('invalidate(id) of a principal it never saw changes nothing: the other entries survive', async () => {
    const cache = new VerificationCache();
    const alice = verifier({ id: 'alice' });
    const rejection = new AuthenticationError('credentials_invalid', { scheme: 'basic' });
    await cache.verify('basic', { material: 'alice:pw' }, alice.verify);
    await expect(
      cache.verify('basic', { material: 'alice:bad' }, () => Promise.reject(rejection)),
    ).rejects.toBe(rejection);
    cache.invalidate('nobody');
    expect(cache.size).toBe(2);
    expect(cache.recall(cache.keyOf('basic', 'alice:pw'))).toEqual({ principal: { id: 'alice' } });
    expect(cache.recall(cache.keyOf('basic', 'alice:bad'))).toEqual({ error: rejection });
    await cache.verify('basic', { material: 'alice:pw' }, alice.verify);
    expect(alice.calls.count).toBe(1);
  });

  it('C-4: holds no raw credential, only keyed hashes of them', async () => {
    const cache = new VerificationCache();
    const secrets = [
      'alice:S3cret-Passw0rd!',
      'ak_demo_7Hq2xR9pLm4vT8wZ',
      'eyJhbGciOiJIUzI1NiJ9.e30.sig',
    ];
    for (const material of secrets) await cache.verify('x', { material }, verifier().verify);
    const dump = inspect(cache, { depth: 10, showHidden: true });
    for (const secret of secrets) expect(dump).not.toContain(secret);
    expect(cache.size).toBe(3);
  });

  it('cache: false verifies every time', async () => {
    const cache = new VerificationCache(false);
    const { calls, verify } = verifier();
    await cache.verify('basic', { material: 'alice:pw' }, verify);
    await cache.verify('basic', { material: 'alice:pw' }, verify);
    expect(calls.count).toBe(2);
    expect(cache.enabled).toBe(false);
    expect(cache.size).toBe(0);
  });

  describe('recall (the synchronous lookup of the guard)', () => {
    it('answers a remembered success or rejection at once, by the key of scheme and credential', async () => {
      const cache = new VerificationCache();
      const rejection = new AuthenticationError('credentials_invalid', { scheme: 'apiKey' });
      await cache.verify('basic', { material: 'QWxhZGRpbjpvcGVu' }, verifier().verify);
      await expect(
        cache.verify('apiKey', { material: 'bad-key' }, () => Promise.reject(rejection)),
      ).rejects.toBe(rejection);

      expect(cache.recall(cache.keyOf('basic', 'QWxhZGRpbjpvcGVu'))).toEqual({
        principal: { id: 'alice' },
      });
      expect(cache.recall(cache.keyOf('apiKey', 'bad-key'))).toEqual({ error: rejection });
      expect(cache.recall(cache.keyOf('apiKey', 'QWxhZGRpbjpvcGVu'))).toBeUndefined();
      expect(cache.recall(cache.keyOf('basic', 'never-seen'))).toBeUndefined();
    });

    it('forgets what expired or was invalidated', async () => {
      const cache = new VerificationCache({ ttl: 30 }, fakeClock);
      await cache.verify('basic', { material: 'a' }, verifier({ id: 'alice' }).verify);
      await cache.verify('basic', { material: 'b' }, verifier({ id: 'bob' }).verify);
      cache.invalidate('bob');
      expect(cache.recall(cache.keyOf('basic', 'a'))).toEqual({ principal: { id: 'alice' } });
      expect(cache.recall(cache.keyOf('basic', 'b'))).toBeUndefined();
      jest.advanceTimersByTime(31_000);
      expect(cache.recall(cache.keyOf('basic', 'a'))).toBeUndefined();
    });

    it('keys are keyed hashes: the same for one credential, never the credential', () => {
      const cache = new VerificationCache();
      const key = cache.keyOf('basic', 'alice:S3cret');
      expect(key).toBe(cache.keyOf('basic', 'alice:S3cret'));
      expect(key).not.toBe(cache.keyOf('bearer', 'alice:S3cret'));
      expect(key).not.toBe(new VerificationCache().keyOf('basic', 'alice:S3cret'));
      expect(key).not.toContain('S3cret');
    });

    it('cache: false recalls nothing', async () => {
      const cache = new VerificationCache(false);
      await cache.verify('basic', { material: 'a' }, verifier().verify);
      expect(cache.recall(cache.keyOf('basic', 'a'))).toBeUndefined();
    });
  });

  it('settle(key) shares a running verification with verify() of the same credential', async () => {
    const cache = new VerificationCache();
    const { calls, release, verify } = heldVerifier();
    const first = cache.verify('bearer', { material: 'tok' }, verify);
    const second = cache.settle(cache.keyOf('bearer', 'tok'), verify);
    release({ id: 'alice' });
    await expect(Promise.all([first, second])).resolves.toEqual([{ id: 'alice' }, { id: 'alice' }]);
    expect(calls.count).toBe(1);
    expect(cache.recall(cache.keyOf('bearer', 'tok'))).toEqual({ principal: { id: 'alice' } });
  });

  it('C-1.2: a verification that overlapped an invalidation is not remembered, and later requests do not join it', async () => {
    const cache = new VerificationCache();
    const first = heldVerifier();
    const second = heldVerifier();
    // The key's record was read as valid; before the verdict, the key is revoked everywhere.
    const running = cache.verify('apiKey', { material: 'k' }, first.verify);
    cache.invalidate('bob');
    // A request after the revocation starts its own verification.
    const after = cache.verify('apiKey', { material: 'k' }, second.verify);
    expect([first.calls.count, second.calls.count]).toEqual([1, 1]);
    first.release({ id: 'bob' });
    await expect(running).resolves.toEqual({ id: 'bob' });
    expect(cache.recall(cache.keyOf('apiKey', 'k'))).toBeUndefined();
    second.release({ id: 'bob' });
    await expect(after).resolves.toEqual({ id: 'bob' });
    // The verification that began after the invalidation is remembered as usual.
    expect(cache.recall(cache.keyOf('apiKey', 'k'))).toEqual({ principal: { id: 'bob' } });
  });
});
