import { randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto';
import { Injectable } from '@nestjs/common';

/**
 * scrypt cost parameters: N=2^14, r=8, p=1 (RFC 7914; ~38 ms per hash here, see sample/README.md).
 */
const PARAMS = { N: 16384, r: 8, p: 1 } as const;
const KEY_BYTES = 32;
const SALT_BYTES = 16;
/** N=16384, r=8 needs 16 MiB (128·N·r); scrypt's default ceiling is 32 MiB, so allow some headroom. */
const MAX_MEMORY = 64 * 1024 * 1024;

/** `scrypt$N$r$p$salt$key` with base64url salt and key. */
const ENCODED = /^scrypt\$(\d+)\$(\d+)\$(\d+)\$([A-Za-z0-9_-]+)\$([A-Za-z0-9_-]+)$/;

function derive(
  password: string,
  salt: Buffer,
  options: ScryptOptions,
  length: number,
): Promise<Buffer> {
  return new Promise((resolve, reject) =>
    scrypt(
      password.normalize('NFC'),
      salt,
      length,
      { ...options, maxmem: MAX_MEMORY },
      (err, key) => (err ? reject(err) : resolve(key)),
    ),
  );
}

/**
 * Password hashing with node:crypto's scrypt (no dependency): a random salt per password and the
 * parameters stored in the encoded hash, so they can be raised later without breaking old hashes.
 * Passwords are NFC-normalised first, so `£` typed on any keyboard hashes the same.
 */
@Injectable()
export class PasswordHasher {
  /** A hash of an unknown password, checked when a user does not exist (same cost: no timing oracle). */
  private readonly decoy: Promise<string> = this.hash(randomBytes(16).toString('hex'));

  /** Hashes a password: `scrypt$16384$8$1$<salt>$<key>`. */
  async hash(password: string): Promise<string> {
    const salt = randomBytes(SALT_BYTES);
    const key = await derive(password, salt, PARAMS, KEY_BYTES);
    return `scrypt$${PARAMS.N}$${PARAMS.r}$${PARAMS.p}$${salt.toString('base64url')}$${key.toString('base64url')}`;
  }

  /**
   * Whether `password` matches `encoded` (compared with `timingSafeEqual`). With `encoded`
   * undefined (no such user) it spends the same time and answers false.
   */
  async verify(password: string, encoded: string | undefined): Promise<boolean> {
    const match = ENCODED.exec(encoded ?? (await this.decoy));
    if (!match) return false;
    const [, n, r, p, salt, key] = match as unknown as [
      string,
      string,
      string,
      string,
      string,
      string,
    ];
    const expected = Buffer.from(key, 'base64url');
    const actual = await derive(
      password,
      Buffer.from(salt, 'base64url'),
      { N: Number(n), r: Number(r), p: Number(p) },
      expected.length,
    );
    return encoded !== undefined && timingSafeEqual(actual, expected);
  }
}
