import { jest } from '@jest/globals';

/**
 * Fakes only `Date` (what jose's JWKS cooldown and cache age read, and `exp` checks), from now on:
 * the servers' sockets, timers and `fetch`'s timeouts stay real. Move it with `jest.setSystemTime`;
 * undo with `jest.useRealTimers()`.
 */
export function fakeDateOnly(): void {
  jest.useFakeTimers({
    now: Date.now(),
    doNotFake: [
      'hrtime',
      'nextTick',
      'performance',
      'queueMicrotask',
      'requestAnimationFrame',
      'cancelAnimationFrame',
      'requestIdleCallback',
      'cancelIdleCallback',
      'setImmediate',
      'clearImmediate',
      'setInterval',
      'clearInterval',
      'setTimeout',
      'clearTimeout',
    ],
  });
}
