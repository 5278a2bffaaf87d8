import { Inject, Injectable } from '@nestjs/common';
import { SQLITE } from '../database/database.tokens.js';
import type { SqliteDatabase } from '../database/open-database.js';

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

/** What revoking a family found. */
export interface RevokedFamily {
  /** The family's user (`undefined` for an unknown family). */
  readonly username: string | undefined;
  /** Its access tokens that have not expired yet. */
  readonly accessTokens: FamilyAccessToken[];
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

/** The `refresh_tokens` table. */
@Injectable()
export class RefreshTokensRepository {
  constructor(@Inject(SQLITE) private readonly db: SqliteDatabase) {}

  /** Stores a new refresh token under its digest. */
  insert(digest: Buffer, token: Omit<StoredRefreshToken, 'usedAt' | 'revokedAt'>): void {
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
  }

  /** The token with this digest, if any. */
  find(digest: Buffer): StoredRefreshToken | undefined {
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
  markUsed(digest: Buffer, now: number): boolean {
    return (
      this.db
        .prepare(
          'UPDATE refresh_tokens SET used_at = ? WHERE digest = ? AND used_at IS NULL AND revoked_at IS NULL',
        )
        .run(now, digest).changes === 1
    );
  }

  /** The family of the refresh token issued with access token `jti`, if any. */
  familyOfAccessToken(jti: string): string | undefined {
    return this.db
      .prepare<[string], { family_id: string }>(
        'SELECT family_id FROM refresh_tokens WHERE access_jti = ?',
      )
      .get(jti)?.family_id;
  }

  /**
   * Revokes every refresh token of a family and returns the family's access tokens that are still
   * live, so that they can be revoked too.
   */
  revokeFamily(familyId: string, now: number): RevokedFamily {
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
  deleteExpired(now: number): void {
    this.db.prepare('DELETE FROM refresh_tokens WHERE expires_at <= ?').run(now);
  }
}
