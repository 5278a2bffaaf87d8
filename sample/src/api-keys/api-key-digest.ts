import { createHash } from 'node:crypto';

/**
 * Characters of a key stored in clear to find its row: `ak_demo_7Hq2` of `ak_demo_7Hq2xR9pLm4vT8wZ`.
 * The rest of the key is the secret, checked against a digest.
 */
export const API_KEY_PREFIX_LENGTH = 12;

/** The lookup prefix of a key (shorter keys are their own prefix and never match a digest alone). */
export function apiKeyPrefix(key: string): string {
  return key.slice(0, API_KEY_PREFIX_LENGTH);
}

/**
 * SHA-256 of a key. A fast hash is right for keys (unlike passwords): they are long and random, so
 * there is nothing to guess from the digest, and each request costs 0.4 µs instead of a password hash.
 */
export function apiKeyDigest(key: string): Buffer {
  return createHash('sha256').update(key, 'utf8').digest();
}
