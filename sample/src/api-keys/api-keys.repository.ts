import { Inject, Injectable } from '@nestjs/common';
import {
  ApiKeys,
  type ApiKeyChanges,
  type ApiKeyRecord,
  type ApiKeyRepository,
} from 'nest-http-auth';
import { SQLITE } from '../database/database.tokens.js';
import type { SqliteDatabase } from '../database/open-database.js';
import { type ApiKeyGrant, LEGACY_ID_LENGTH, SAMPLE_API_KEY_PREFIX } from './api-key.js';

/**
 * Added to the sample's schema on start-up (idempotent, `IF NOT EXISTS`), leaving the `api_keys`
 * table of earlier runs as it is: an index for looking legacy keys up by digest, and the lifecycle
 * of a key (the grace deadline of a rotated key, its revocation) in a table of its own.
 */
const MIGRATION = `
CREATE INDEX IF NOT EXISTS api_keys_digest ON api_keys (digest);

CREATE TABLE IF NOT EXISTS api_key_status (
  key_id        TEXT PRIMARY KEY REFERENCES api_keys (prefix),
  expires_at_ms INTEGER,                    -- ms since the epoch: the key stops working then
  revoked_at_ms INTEGER                     -- ms since the epoch: set when revoked, for good
) STRICT;
`;

const SELECT = `
SELECT k.prefix AS id, k.digest, k.owner, k.scopes, k.created_at, s.expires_at_ms, s.revoked_at_ms
FROM api_keys k LEFT JOIN api_key_status s ON s.key_id = k.prefix`;

interface ApiKeyRow {
  readonly id: string;
  readonly digest: Buffer;
  readonly owner: string;
  readonly scopes: string;
  readonly created_at: number;
  readonly expires_at_ms: number | null;
  readonly revoked_at_ms: number | null;
}

function toRecord(row: ApiKeyRow | undefined): ApiKeyRecord | undefined {
  if (!row) return undefined;
  return {
    id: row.id,
    digest: row.digest,
    owner: row.owner,
    scopes: JSON.parse(row.scopes) as string[],
    createdAt: row.created_at * 1000,
    ...(row.expires_at_ms !== null ? { expiresAt: row.expires_at_ms } : {}),
    ...(row.revoked_at_ms !== null ? { revokedAt: row.revoked_at_ms } : {}),
  };
}

/**
 * The sample's API keys in SQLite, for the library's `ApiKeys` ({@link keys}), which issues,
 * verifies, rotates and revokes them: the `api_keys` table holds each key's id (column `prefix`)
 * and its SHA-256 digest, never the key. A key in the format (`sample_dev_…`) is found by its id;
 * the seeded demo key, older than the format, is a legacy key found by its digest.
 */
@Injectable()
export class ApiKeysRepository implements ApiKeyRepository {
  /**
   * The library's API keys over this table. No pepper: the digests stay the plain SHA-256 this
   * table has always held (a production application would set `pepper` from its secrets).
   */
  readonly keys: ApiKeys;

  constructor(@Inject(SQLITE) private readonly db: SqliteDatabase) {
    db.exec(MIGRATION);
    this.keys = new ApiKeys({ prefix: SAMPLE_API_KEY_PREFIX, repository: this, legacy: true });
  }

  findById(id: string): ApiKeyRecord | undefined {
    return toRecord(this.db.prepare<[string], ApiKeyRow>(`${SELECT} WHERE k.prefix = ?`).get(id));
  }

  findByDigest(digest: Uint8Array): ApiKeyRecord | undefined {
    return toRecord(
      this.db.prepare<[Uint8Array], ApiKeyRow>(`${SELECT} WHERE k.digest = ?`).get(digest),
    );
  }

  add(record: ApiKeyRecord): void {
    this.db.transaction(() => {
      this.db
        .prepare(
          'INSERT INTO api_keys (prefix, digest, owner, scopes, created_at) VALUES (?, ?, ?, ?, ?)',
        )
        .run(...this.columns(record));
      if (record.expiresAt !== undefined || record.revokedAt !== undefined)
        this.update(record.id, record);
    })();
  }

  update(id: string, changes: ApiKeyChanges): void {
    this.db
      .prepare(
        `INSERT INTO api_key_status (key_id, expires_at_ms, revoked_at_ms)
         SELECT prefix, ?, ? FROM api_keys WHERE prefix = ?
         ON CONFLICT (key_id) DO UPDATE SET
           expires_at_ms = coalesce(excluded.expires_at_ms, expires_at_ms),
           revoked_at_ms = coalesce(excluded.revoked_at_ms, revoked_at_ms)`,
      )
      .run(changes.expiresAt ?? null, changes.revokedAt ?? null, id);
  }

  /**
   * Stores a key issued before the format (the demo key) as a legacy record, unless a key with
   * its id (its first 12 characters) exists: `true` when added. The digest is the library's
   * (`ApiKeys.legacyRecord()`).
   */
  insert(key: string, grant: ApiKeyGrant): boolean {
    const record = this.keys.legacyRecord(key, { ...grant, id: key.slice(0, LEGACY_ID_LENGTH) });
    return (
      this.db
        .prepare(
          'INSERT INTO api_keys (prefix, digest, owner, scopes, created_at) VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING',
        )
        .run(...this.columns(record)).changes === 1
    );
  }

  private columns(record: ApiKeyRecord): [string, Uint8Array, string, string, number] {
    return [
      record.id,
      record.digest,
      record.owner,
      JSON.stringify(record.scopes),
      Math.floor(record.createdAt / 1000),
    ];
  }
}
