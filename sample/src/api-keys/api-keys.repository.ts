import { timingSafeEqual } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { SQLITE } from '../database/database.tokens.js';
import type { SqliteDatabase } from '../database/open-database.js';
import { apiKeyDigest, apiKeyPrefix } from './api-key-digest.js';
import type { ApiKeyGrant } from './api-key.js';

interface ApiKeyRow {
  readonly digest: Buffer;
  readonly owner: string;
  readonly scopes: string;
}

/** The `api_keys` table: a lookup prefix and a SHA-256 digest per key, never the key. */
@Injectable()
export class ApiKeysRepository {
  constructor(@Inject(SQLITE) private readonly db: SqliteDatabase) {}

  /**
   * The grant of `key`: the row is found by the key's prefix, then the digests are compared in
   * constant time (`timingSafeEqual`).
   */
  find(key: string): ApiKeyGrant | undefined {
    const row = this.db
      .prepare<[string], ApiKeyRow>('SELECT digest, owner, scopes FROM api_keys WHERE prefix = ?')
      .get(apiKeyPrefix(key));
    if (!row || !timingSafeEqual(apiKeyDigest(key), row.digest)) return undefined;
    return { owner: row.owner, scopes: JSON.parse(row.scopes) as string[] };
  }

  /** Stores a key (as prefix + digest) unless a key with that prefix exists; `true` when added. */
  insert(key: string, grant: ApiKeyGrant): boolean {
    return (
      this.db
        .prepare(
          'INSERT INTO api_keys (prefix, digest, owner, scopes, created_at) VALUES (?, ?, ?, ?, unixepoch()) ON CONFLICT DO NOTHING',
        )
        .run(apiKeyPrefix(key), apiKeyDigest(key), grant.owner, JSON.stringify(grant.scopes))
        .changes === 1
    );
  }
}
