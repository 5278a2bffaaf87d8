import { createHash, randomBytes } from 'node:crypto';

/** A new refresh token: 32 random bytes, base64url (43 characters). */
export function newRefreshToken(): string {
  return randomBytes(32).toString('base64url');
}

/** What is stored of a refresh token: its SHA-256 (the token is random, so a fast hash is enough). */
export function refreshTokenDigest(token: string): Buffer {
  return createHash('sha256').update(token, 'utf8').digest();
}
