import { afterEach, beforeEach, describe, expect, it, jest } from '@jest/globals';
import { TooManyAttemptsError } from '../errors/auth.error.js';
import type { PlatformRequest, ThrottleOptions } from '../interfaces/auth-options.interface.js';
import type { AuthStore, WindowCount } from '../stores/auth-store.interface.js';
import { MemoryAuthStore } from '../stores/memory-auth.store.js';
import {
  type Attempt,
  clientAddress,
  DEFAULT_FAILURE_WINDOW_SECONDS,
  DEFAULT_MAX_FAILURES,
  FailureThrottle,
} from './failure-throttle.js';

/*
 * Failed-attempt throttling (CONTRACT C-1.5) on the in-memory store, under a fake clock (jest's
 * fake timers move `Date.now()`, which the store's fixed windows read): the lockout, the window
 * that ends it, the counter a success resets, and a `Retry-After` that counts down to the end of
 * the window in whole seconds, never below 1.
 */

/** The 429 that `check()` throws, or `undefined` when the attempt may go ahead. */
async function refusal(throttle: FailureThrottle, attempt: Attempt): Promise<unknown> {
  try {
    await throttle.check(attempt);
    return undefined;
  } catch (error) {
    return error;
  }
}

/** `Retry-After` of the attempt's 429 (failing the test when there is none). */
async function retryAfter(throttle: FailureThrottle, attempt: Attempt): Promise<number> {
  const error = await refusal(throttle, attempt);
  expect(error).toBeInstanceOf(TooManyAttemptsError);
  return (error as TooManyAttemptsError).retryAfter;
}

async function fail(throttle: FailureThrottle, attempt: Attempt, times: number): Promise<void> {
  for (let i = 0; i < times; i++) await throttle.failed(attempt);
}

/** A MemoryAuthStore that records the keys it is given. */
class RecordingStore extends MemoryAuthStore {
  readonly keys = new Set<string>();
  override increment(key: string, windowMs: number): Promise<WindowCount> {
    this.keys.add(key);
    return super.increment(key, windowMs);
  }
  override count(key: string): Promise<WindowCount> {
    this.keys.add(key);
    return super.count(key);
  }
}

describe('FailureThrottle (CONTRACT C-1.5)', () => {
  const alice: Attempt = { client: '203.0.113.7', identity: 'alice' };
  const bob: Attempt = { client: '203.0.113.7', identity: 'bob' };
  const aliceElsewhere: Attempt = { client: '198.51.100.2', identity: 'alice' };

  function throttle(options: ThrottleOptions = {}, store: AuthStore = new MemoryAuthStore()) {
    return new FailureThrottle(store, { maxFailures: 3, window: 60, ...options });
  }

  beforeEach(() => {
    jest.useFakeTimers({ now: new Date('2026-11-23T08:00:00Z') });
  });
  afterEach(() => {
    jest.useRealTimers();
  });

  it('C-1.5: below maxFailures the attempt goes ahead; at maxFailures it is a 429 too_many_attempts', async () => {
    const t = throttle();
    await fail(t, alice, 2);
    await expect(refusal(t, alice)).resolves.toBeUndefined();
    await fail(t, alice, 1);
    const error = await refusal(t, alice);
    expect(error).toBeInstanceOf(TooManyAttemptsError);
    expect(error).toMatchObject({ code: 'too_many_attempts', retryAfter: 60 });
    expect((error as TooManyAttemptsError).getStatus()).toBe(429);
  });

  it('C-1.5: failed() answers the 429 of a failure made while already locked out (a remembered rejection skips check()), for the identity or the client', async () => {
    const t = throttle({ maxFailuresPerClient: 5 });
    for (let i = 0; i < 3; i++) await expect(t.failed(alice)).resolves.toBeUndefined();
    jest.advanceTimersByTime(20_000);
    await expect(t.failed(alice)).resolves.toMatchObject({
      code: 'too_many_attempts',
      retryAfter: 40,
    });
    // bob is under his own limit, but the client has failed 5 times now: the client is locked.
    await expect(t.failed(bob)).resolves.toBeUndefined();
    await expect(t.failed(bob)).resolves.toBeInstanceOf(TooManyAttemptsError);
  });

  it('C-1.5: the lockout is per client and identity: another identity, or another client, still goes ahead', async () => {
    const t = throttle();
    await fail(t, alice, 3);
    await expect(refusal(t, alice)).resolves.toBeInstanceOf(TooManyAttemptsError);
    await expect(refusal(t, bob)).resolves.toBeUndefined();
    await expect(refusal(t, aliceElsewhere)).resolves.toBeUndefined();
  });

  it('C-1.5: Retry-After counts down, in whole seconds rounded up, to the end of the window', async () => {
    const t = throttle();
    await fail(t, alice, 3);
    expect(await retryAfter(t, alice)).toBe(60);
    jest.advanceTimersByTime(500);
    expect(await retryAfter(t, alice)).toBe(60); // 59.5 s left
    jest.advanceTimersByTime(19_500);
    expect(await retryAfter(t, alice)).toBe(40);
    jest.advanceTimersByTime(39_000);
    expect(await retryAfter(t, alice)).toBe(1);
    jest.advanceTimersByTime(999);
    expect(await retryAfter(t, alice)).toBe(1); // 1 ms left: never 0
  });

  it('C-1.5: when the window ends the lockout ends, and counting starts afresh', async () => {
    const t = throttle();
    await fail(t, alice, 3);
    jest.advanceTimersByTime(59_999);
    await expect(refusal(t, alice)).resolves.toBeInstanceOf(TooManyAttemptsError);
    jest.advanceTimersByTime(1);
    await expect(refusal(t, alice)).resolves.toBeUndefined();
    // A fresh window: two more failures are below the limit, the third locks out for a full window.
    await fail(t, alice, 2);
    await expect(refusal(t, alice)).resolves.toBeUndefined();
    await fail(t, alice, 1);
    expect(await retryAfter(t, alice)).toBe(60);
  });

  it('C-1.5: the window is fixed, from the first failure: failures spread over it still add up', async () => {
    const t = throttle();
    await fail(t, alice, 1);
    jest.advanceTimersByTime(30_000);
    await fail(t, alice, 1);
    jest.advanceTimersByTime(25_000);
    await fail(t, alice, 1);
    // The window started 55 s ago, with the first failure: 5 s left, not 60.
    expect(await retryAfter(t, alice)).toBe(5);
    jest.advanceTimersByTime(5_000);
    await expect(refusal(t, alice)).resolves.toBeUndefined();
  });

  it('C-1.5: failures older than the window do not count', async () => {
    const t = throttle();
    await fail(t, alice, 2);
    jest.advanceTimersByTime(61_000);
    await fail(t, alice, 2);
    await expect(refusal(t, alice)).resolves.toBeUndefined();
  });

  it("C-1.5: a success resets the identity's counter", async () => {
    const t = throttle({ maxFailuresPerClient: 100 });
    await fail(t, alice, 2);
    await t.succeeded(alice);
    // Without the reset, alice would be at 4 failures (>= 3) after two more.
    await fail(t, alice, 2);
    await expect(refusal(t, alice)).resolves.toBeUndefined();
    await fail(t, alice, 1);
    await expect(refusal(t, alice)).resolves.toBeInstanceOf(TooManyAttemptsError);
  });

  it("C-1.5: a success does not reset the client's own counter (maxFailuresPerClient)", async () => {
    const t = throttle({ maxFailuresPerClient: 5 });
    await fail(t, alice, 2);
    await t.succeeded(alice);
    await fail(t, alice, 2);
    await t.succeeded(alice);
    await expect(refusal(t, bob)).resolves.toBeUndefined();
    // The fifth failure of this client, whoever it claims to be, locks the client out.
    await fail(t, bob, 1);
    for (const attempt of [alice, bob, { client: alice.client, identity: 'carol' }]) {
      await expect(refusal(t, attempt)).resolves.toBeInstanceOf(TooManyAttemptsError);
    }
    await expect(refusal(t, aliceElsewhere)).resolves.toBeUndefined();
  });

  it('C-1.5: Retry-After is the later end of the two windows that block', async () => {
    const t = throttle({ maxFailuresPerClient: 4 });
    await fail(t, bob, 1); // the client's window starts now
    jest.advanceTimersByTime(20_000);
    await fail(t, alice, 3); // alice's window starts 20 s later; the client is at 4
    // Blocked by both: alice's window ends in 60 s, the client's in 40 s.
    expect(await retryAfter(t, alice)).toBe(60);
    // Bob is blocked by the client's window only.
    expect(await retryAfter(t, bob)).toBe(40);
  });

  it(`defaults: ${DEFAULT_MAX_FAILURES} failures in ${DEFAULT_FAILURE_WINDOW_SECONDS} s, ${DEFAULT_MAX_FAILURES * 10} per client`, async () => {
    const t = new FailureThrottle(new MemoryAuthStore(), {});
    await fail(t, alice, DEFAULT_MAX_FAILURES - 1);
    await expect(refusal(t, alice)).resolves.toBeUndefined();
    await fail(t, alice, 1);
    expect(await retryAfter(t, alice)).toBe(DEFAULT_FAILURE_WINDOW_SECONDS);
    // Per client: 10 × maxFailures, spread over identities that each stay below their own limit.
    const other = { client: '192.0.2.1', identity: '' };
    for (let i = 0; i < DEFAULT_MAX_FAILURES * 10 - 1; i++)
      await t.failed({ ...other, identity: `user-${i % 20}` });
    await expect(refusal(t, { ...other, identity: 'someone' })).resolves.toBeUndefined();
    await t.failed({ ...other, identity: 'user-0' });
    await expect(refusal(t, { ...other, identity: 'someone' })).resolves.toBeInstanceOf(
      TooManyAttemptsError,
    );
  });

  it('C-4.5: store keys are SHA-256 digests, never the client or the identity in clear', async () => {
    const store = new RecordingStore();
    const t = throttle({}, store);
    const attempt = { client: '203.0.113.99', identity: 'Zebra-User-7781' };
    await t.failed(attempt);
    await refusal(t, attempt);
    expect(store.keys.size).toBe(2);
    for (const key of store.keys) {
      expect(key).toMatch(/^fail:(id|client):[A-Za-z0-9_-]{43}$/);
      expect(key).not.toContain('Zebra');
      expect(key).not.toContain('203.0.113.99');
    }
  });

  describe('the client of a request', () => {
    it('is clientKey(request) when configured', () => {
      const t = throttle({
        clientKey: (req) =>
          String((req as { headers: Record<string, unknown> }).headers['x-client']),
      });
      const request = { headers: { 'x-client': 'tenant-7' }, ip: '203.0.113.7' } as PlatformRequest;
      expect(t.attempt(request, 'alice')).toEqual({ client: 'tenant-7', identity: 'alice' });
    });

    it("is the platform's address otherwise: request.ip, else the socket's, else 'unknown'", () => {
      const ip = { headers: {}, ip: '203.0.113.7' } as PlatformRequest;
      const socket = { headers: {}, socket: { remoteAddress: '::1' } } as PlatformRequest;
      expect(clientAddress(ip)).toBe('203.0.113.7');
      expect(clientAddress(socket)).toBe('::1');
      expect(clientAddress({ headers: {} })).toBe('unknown');
      expect(throttle().attempt(ip, 'basic')).toEqual({ client: '203.0.113.7', identity: 'basic' });
    });
  });
});
