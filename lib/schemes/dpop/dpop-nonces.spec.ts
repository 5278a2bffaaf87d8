import { afterEach, beforeEach, describe, expect, it, jest } from '@jest/globals';
import { fakeDateOnly } from '../../../test/support/fake-date.js';
import { DpopNonces } from './dpop-nonces.js';

const SECRET = 'a-secret-of-32-bytes-shared-by-instances';
/** RFC 9449 §8.1: nonce = 1*NQCHAR, NQCHAR = %x21 / %x23-5B / %x5D-7E. */
const NQCHARS = /^[\x21\x23-\x5b\x5d-\x7e]+$/;

describe('DpopNonces (RFC 9449 §9, docs/contract.md C-2.13)', () => {
  beforeEach(() => {
    fakeDateOnly();
    // The start of a 60-second window, so that each step below lands where it says.
    jest.setSystemTime(60_000 * 29_000_000);
  });

  afterEach(() => {
    jest.useRealTimers();
  });

  const nonces = (rotation = 60, secret: string | Uint8Array = SECRET): DpopNonces =>
    new DpopNonces({ secret, rotation });

  it('C-2.13: a nonce is NQCHARs, unpredictable without the secret, the same on every instance sharing it', () => {
    const a = nonces();
    expect(a.current()).toMatch(NQCHARS);
    expect(a.current()).toHaveLength(43);
    expect(nonces().current()).toBe(a.current());
    expect(nonces(60, new TextEncoder().encode(SECRET)).current()).toBe(a.current());
    expect(nonces(60, `${SECRET}!`).current()).not.toBe(a.current());
    expect(nonces(120).current()).not.toBe(a.current());
  });

  it('C-2.13: accepts the current and the previous window, refuses the one before and any other value', () => {
    const server = nonces();
    const other = nonces();
    const first = server.current();
    expect(server.accepts(first)).toBe(true);
    jest.setSystemTime(Date.now() + 59_999);
    expect(server.current()).toBe(first);
    jest.setSystemTime(Date.now() + 1);
    const second = server.current();
    expect(second).not.toBe(first);
    expect(server.accepts(second)).toBe(true);
    expect(server.accepts(first)).toBe(true);
    // Another instance that never issued `first` accepts it as well: nothing is stored.
    expect(other.accepts(first)).toBe(true);
    jest.setSystemTime(Date.now() + 60_000);
    expect(server.accepts(first)).toBe(false);
    expect(other.accepts(first)).toBe(false);
    expect(server.accepts(second)).toBe(true);
    for (const bad of [
      undefined,
      null,
      42,
      '',
      `${second}x`,
      second.slice(1),
      second.toUpperCase(),
    ]) {
      expect(server.accepts(bad)).toBe(false);
    }
  });

  it('C-2.13: after a gap of several windows, neither old window is accepted', () => {
    const server = nonces();
    const old = server.current();
    jest.setSystemTime(Date.now() + 5 * 60_000);
    expect(server.accepts(old)).toBe(false);
    expect(server.accepts(server.current())).toBe(true);
  });

  it('C-2.13: refuses a short secret and a bad rotation at start-up', () => {
    expect(DpopNonces.problem({ secret: 'x'.repeat(31) })).toMatch(/at least 32 bytes/);
    // 11 characters of 3 UTF-8 bytes: 33 bytes.
    expect(DpopNonces.problem({ secret: '€'.repeat(11) })).toBeUndefined();
    expect(DpopNonces.problem({ secret: new Uint8Array(31) })).toMatch(/at least 32 bytes/);
    expect(DpopNonces.problem({ secret: 42 as unknown as string })).toMatch(/secret/);
    expect(DpopNonces.problem(undefined as unknown as { secret: string })).toMatch(/object/);
    for (const rotation of [0, 0.5, -1, Number.NaN, Infinity, '60']) {
      expect(DpopNonces.problem({ secret: SECRET, rotation: rotation as number })).toMatch(
        /rotation/,
      );
    }
    expect(DpopNonces.problem({ secret: SECRET, rotation: 1 })).toBeUndefined();
    expect(DpopNonces.problem({ secret: SECRET })).toBeUndefined();
  });
});
