import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { createHmac } from 'node:crypto';
import { inspect } from 'node:util';
import { CredentialKey } from './credential-key.js';

/** Any UTF-16 code unit, lone surrogates included. */
const codeUnit = fc.integer({ min: 0, max: 0xffff }).map((c) => String.fromCharCode(c));
const key = fc.uint8Array({ minLength: 64, maxLength: 64, max: 0x7f });
// Every property test has a 120 s timeout: jest's 5 s is too short on two busy cores.

describe('CredentialKey', () => {
  it('is HMAC-SHA256 of the UTF-8 message under the key, as a binary string', () => {
    const bytes = Uint8Array.from({ length: 64 }, (_, i) => (i * 37) % 128);
    const credentialKey = new CredentialKey(bytes);
    for (const message of [
      '',
      'basic\0QWxhZGRpbjpvcGVuIHNlc2FtZQ==',
      'basic\0test:123£ 密码',
      'bearer\0' + 't'.repeat(8192),
    ]) {
      expect(credentialKey.of(message)).toBe(
        createHmac('sha256', bytes).update(message, 'utf8').digest('binary'),
      );
    }
  });

  it('is HMAC-SHA256 for any key and any message (fast-check)', () => {
    fc.assert(
      fc.property(key, fc.string({ unit: codeUnit, maxLength: 300 }), (bytes, message) => {
        const expected = createHmac('sha256', bytes).update(message, 'utf8').digest('binary');
        return new CredentialKey(bytes).of(message) === expected;
      }),
      { numRuns: 2_000 },
    );
  }, 120_000);

  it('gives the same key for the same message, and differs between messages and between processes (keys)', () => {
    const one = new CredentialKey();
    const two = new CredentialKey();
    expect(one.of('basic\0alice:pw')).toBe(one.of('basic\0alice:pw'));
    expect(one.of('basic\0alice:pw')).not.toBe(one.of('basic\0alice:pw2'));
    expect(one.of('basic\0alice:pw')).not.toBe(two.of('basic\0alice:pw'));
    expect(one.of('basic\0alice:pw')).toHaveLength(32);
  });

  it('draws a random 64-byte key of 7-bit bytes', () => {
    const pads = Array.from({ length: 20 }, () =>
      String((new CredentialKey() as unknown as { innerPad: string }).innerPad),
    );
    for (const pad of pads) {
      expect(pad).toHaveLength(64);
      expect([...pad].every((c) => c.charCodeAt(0) < 0x80)).toBe(true);
    }
    expect(new Set(pads).size).toBe(20);
  });

  it('refuses a key that is not 64 bytes below 0x80', () => {
    expect(() => new CredentialKey(new Uint8Array(32))).toThrow(RangeError);
    expect(() => new CredentialKey(new Uint8Array(64).fill(0x80))).toThrow(RangeError);
  });

  it('C-4: keeps no message', () => {
    const credentialKey = new CredentialKey();
    credentialKey.of('basic\0alice:S3cret-Passw0rd!');
    expect(inspect(credentialKey, { showHidden: true, depth: 5 })).not.toContain('S3cret');
  });
});
