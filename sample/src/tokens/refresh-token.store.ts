import type { FamilyAccessToken } from './refresh-tokens.repository.js';

/** A refresh token to store (by its digest; never the token). */
export interface NewRefreshToken {
  /** Every token rotated from one login shares it. */
  readonly familyId: string;
  readonly username: string;
  /** The access token issued together with it. */
  readonly accessJti: string;
  readonly accessExpiresAt: number;
  readonly expiresAt: number;
}

/** What presenting a refresh token did. */
export type RefreshTokenUse =
  /** Valid, and now used: exchange it for a new pair. */
  | { readonly outcome: 'used'; readonly token: NewRefreshToken }
  /** Used before (or twice at once): it was copied, revoke its family. */
  | { readonly outcome: 'reused'; readonly familyId: string }
  /** Unknown, expired or revoked. */
  | { readonly outcome: 'invalid' };

/** What revoking a family found. */
export interface RevokedFamily {
  /** The family's user (`undefined` for an unknown family). */
  readonly username: string | undefined;
  /** Its access tokens that have not expired yet. */
  readonly accessTokens: readonly FamilyAccessToken[];
}

/**
 * Where refresh tokens live: the SQLite table for one instance, or the shared auth store (Redis)
 * when `REDIS_URL` is set, so that a token used on one instance cannot be used again on another.
 */
export interface RefreshTokenStore {
  insert(digest: Buffer, token: NewRefreshToken): Promise<void>;
  /** Uses a token once; exactly one of concurrent uses gets `used`. */
  use(digest: Buffer, now: number): Promise<RefreshTokenUse>;
  /** The family of the refresh token issued with access token `jti`, if any. */
  familyOfAccessToken(jti: string): Promise<string | undefined>;
  /** Revokes every refresh token of a family; returns its live access tokens to revoke too. */
  revokeFamily(familyId: string, now: number): Promise<RevokedFamily>;
}

/** Injection token of the {@link RefreshTokenStore}. */
export const REFRESH_TOKENS = Symbol('sample:refresh-tokens');
