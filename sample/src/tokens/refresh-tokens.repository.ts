import { Inject, Injectable } from '@nestjs/common';
import { SQLITE } from '../database/database.tokens.js';
import type { SqliteDatabase } from '../database/open-database.js';
import type {
  NewRefreshToken,
  RefreshTokenStore,
  RefreshTokenUse,
  RevokedFamily,
} from './refresh-token.store.js';

/** A refresh token as stored (by its digest; never the token). */
export interface StoredRefreshToken {
  /** Every token rotated from one login shares it. */
  readonly familyId: string;
  readonly username: string;
  /** The access token issued together with it. */
  readonly accessJti: string;
  readonly accessExpiresAt: number;
  readonly expiresAt: number;
  /** When it was exchanged for a new pair; a second use is a reuse. */
  readonly usedAt: number | null;
  /** When it was revoked (logout, or a reuse in its family). */
  readonly revokedAt: number | null;
}

/** An access token of a revoked family, to revoke as well. */
export interface FamilyAccessToken {
  readonly jti: string;
  readonly expiresAt: number;
}

interface RefreshTokenRow {
  readonly family_id: string;
  readonly username: string;
  readonly access_jti: string;
  readonly access_expires_at: number;
  readonly expires_at: number;
  readonly used_at: number | null;
  readonly revoked_at: number | null;
}

/** The `refresh_tokens` table: the {@link RefreshTokenStore} of a single instance. */
@Injectable()
export class RefreshTokensRepository implements RefreshTokenStore {
  constructor(@Inject(SQLITE) private readonly db: SqliteDatabase) {}

  /** Stores a new refresh token under its digest (and drops expired ones). */
  insert(digest: Buffer, token: NewRefreshToken): Promise<void> {
    this.deleteExpired(Math.floor(Date.now() / 1000));
    this.db
      .prepare(
        `INSERT INTO refresh_tokens (digest, family_id, username, access_jti, access_expires_at, expires_at)
         VALUES (?, ?, ?, ?, ?, ?)`,
      )
      .run(
        digest,
        token.familyId,
        token.username,
        token.accessJti,
        token.accessExpiresAt,
        token.expiresAt,
      );
    return Promise.resolve();
  }

  use(digest: Buffer, now: number): Promise<RefreshTokenUse> {
    const stored = this.find(digest);
    if (!stored) return Promise.resolve({ outcome: 'invalid' });
    if (stored.usedAt !== null)
      return Promise.resolve({ outcome: 'reused', familyId: stored.familyId });
    if (stored.revokedAt !== null || stored.expiresAt <= now)
      return Promise.resolve({ outcome: 'invalid' });
    // Two concurrent uses of one token: one wins, the other counts as a reuse.
    if (!this.markUsed(digest, now))
      return Promise.resolve({ outcome: 'reused', familyId: stored.familyId });
    return Promise.resolve({ outcome: 'used', token: stored });
  }

  /** The token with this digest, if any. */
  private find(digest: Buffer): StoredRefreshToken | undefined {
    const row = this.db
      .prepare<[Buffer], RefreshTokenRow>(
        `SELECT family_id, username, access_jti, access_expires_at, expires_at, used_at, revoked_at
         FROM refresh_tokens WHERE digest = ?`,
      )
      .get(digest);
    return (
      row && {
        familyId: row.family_id,
        username: row.username,
        accessJti: row.access_jti,
        accessExpiresAt: row.access_expires_at,
        expiresAt: row.expires_at,
        usedAt: row.used_at,
        revokedAt: row.revoked_at,
      }
    );
  }

  /** Marks a token used; `false` when it already was (or is revoked): only one caller wins. */
  private markUsed(digest: Buffer, now: number): boolean {
    return (
      this.db
        .prepare(
          'UPDATE refresh_tokens SET used_at = ? WHERE digest = ? AND used_at IS NULL AND revoked_at IS NULL',
        )
        .run(now, digest).changes === 1
    );
  }

  /** The family of the refresh token issued with access token `jti`, if any. */
  familyOfAccessToken(jti: string): Promise<string | undefined> {
    return Promise.resolve(
      this.db
        .prepare<[string], { family_id: string }>(
          'SELECT family_id FROM refresh_tokens WHERE access_jti = ?',
        )
        .get(jti)?.family_id,
    );
  }

  /**
   * Revokes every refresh token of a family and returns the family's access tokens that are still
   * live, so that they can be revoked too.
   */
  revokeFamily(familyId: string, now: number): Promise<RevokedFamily> {
    return Promise.resolve(this.revokeFamilyNow(familyId, now));
  }

  private revokeFamilyNow(familyId: string, now: number): RevokedFamily {
    return this.db.transaction((): RevokedFamily => {
      this.db
        .prepare(
          'UPDATE refresh_tokens SET revoked_at = ? WHERE family_id = ? AND revoked_at IS NULL',
        )
        .run(now, familyId);
      const rows = this.db
        .prepare<[string], { username: string; access_jti: string; access_expires_at: number }>(
          'SELECT username, access_jti, access_expires_at FROM refresh_tokens WHERE family_id = ?',
        )
        .all(familyId);
      return {
        username: rows[0]?.username,
        accessTokens: rows
          .filter((row) => row.access_expires_at > now)
          .map((row) => ({ jti: row.access_jti, expiresAt: row.access_expires_at })),
      };
    })();
  }

  /** Deletes tokens that expired before `now` (they can be neither used nor reused). */
  private deleteExpired(now: number): void {
    this.db.prepare('DELETE FROM refresh_tokens WHERE expires_at <= ?').run(now);
  }
}
