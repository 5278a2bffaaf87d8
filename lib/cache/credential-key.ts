import { hash, randomBytes } from 'node:crypto';

/**
 * Keys of the verification cache: SHA-256 of a secret random prefix followed by the message,
 * `SHA-256(k ‖ message)` with `k` one full SHA-256 block (64 characters, 384 random bits), in
 * base64. A single one-shot `crypto.hash()` call, because this runs on every authenticated request:
 * it costs about a third of an HMAC-SHA256 through `createHmac` (0.3 vs 1.4 µs in a loop here,
 * 1.5 vs 2.3 µs per request in a profile of the bench app under load; see the README's Performance
 * section).
 *
 * What the cache needs from its keys holds as with an HMAC: it never holds a credential (the hash
 * is one-way), and its keys are useless outside the process (the prefix is random per process, so
 * keys cannot be precomputed or matched against another process's). HMAC's outer hash guards
 * against length extension, which needs a known digest and yields the digest of a different,
 * longer message, never a second message with the same digest; these digests never leave the
 * process, and a cache hit needs the same digest, so there is nothing to extend.
 * @internal
 */
export class CredentialKey {
  private readonly prefix: string;

  /** @param prefix the secret prefix (tests pass one); 64 random characters when omitted */
  constructor(prefix: string = randomBytes(48).toString('base64')) {
    this.prefix = prefix;
  }

  /** The key of a message (encoded as UTF-8). */
  of(message: string): string {
    return hash('sha256', this.prefix + message, 'base64');
  }
}
