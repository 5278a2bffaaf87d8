import { describe, expect, it } from '@jest/globals';
import { createHash } from 'node:crypto';
import { inspect } from 'node:util';
import { CredentialKey } from './credential-key.js';

describe('CredentialKey', () => {
  it('is SHA-256 of the secret prefix and the UTF-8 message, in base64', () => {
    const prefix = 'p'.repeat(64);
    const key = new CredentialKey(prefix);
    for (const message of [
      '',
      'basic\0alice:S3cret',
      'basic\0test:123£',
      'bearer\0' + 't'.repeat(8192),
    ]) {
      expect(key.of(message)).toBe(
        createHash('sha256').update(prefix, 'utf8').update(message, 'utf8').digest('base64'),
      );
    }
  });

  it('is the same for the same message, and differs between messages and between processes (keys)', () => {
    const one = new CredentialKey();
    const two = new CredentialKey();
    expect(one.of('basic\0alice:pw')).toBe(one.of('basic\0alice:pw'));
    expect(one.of('basic\0alice:pw')).not.toBe(one.of('basic\0alice:pw2'));
    expect(one.of('basic\0alice:pw')).not.toBe(two.of('basic\0alice:pw'));
  });

  it('draws a random prefix of one SHA-256 block', () => {
    const prefixes = Array.from({ length: 20 }, () =>
      String((new CredentialKey() as unknown as { prefix: string }).prefix),
    );
    for (const prefix of prefixes) expect(Buffer.byteLength(prefix)).toBe(64);
    expect(new Set(prefixes).size).toBe(20);
  });

  it('C-4: keeps no message', () => {
    const key = new CredentialKey();
    key.of('basic\0alice:S3cret-Passw0rd!');
    expect(inspect(key, { showHidden: true, depth: 5 })).not.toContain('S3cret');
  });
});
