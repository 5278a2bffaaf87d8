import type { MaybePromise } from '../interfaces/auth-options.interface.js';

/**
 * What an application stores for one API key: never the key, only its digest (HMAC-SHA256 under
 * the server's pepper, or SHA-256 without one), found again by the key's public `id`.
 */
export interface ApiKeyRecord {
  /** The public lookup id: the `<id>` part of the key (12 base62 characters), or any unique id of a legacy key. */
  readonly id: string;
  /** The key's digest (32 bytes): HMAC-SHA256(pepper, key), or SHA-256(key) without a pepper. */
  readonly digest: Uint8Array;
  /** The principal the key authenticates as: its `id` (the verification cache and revocation go by it). */
  readonly owner: string;
  /** What the key may do, checked against `@Auth(..., { scopes })`. */
  readonly scopes: readonly string[];
  /** When the key was issued, ms since the epoch. */
  readonly createdAt: number;
  /**
   * When the key stops working, ms since the epoch: set on issue, or by `ApiKeys.rotate()` (the
   * grace deadline of the replaced key). Absent: it works until revoked.
   */
  readonly expiresAt?: number;
  /** When the key was revoked, ms since the epoch: a revoked key never works again. */
  readonly revokedAt?: number;
}

/** The fields `ApiKeys` changes on a stored record (revocation, a rotation's grace deadline). */
export interface ApiKeyChanges {
  /** Sets {@link ApiKeyRecord.expiresAt}. */
  readonly expiresAt?: number;
  /** Sets {@link ApiKeyRecord.revokedAt}. */
  readonly revokedAt?: number;
}

/**
 * Where an application keeps its API keys' records (a SQL table, a document store...). `ApiKeys`
 * issues, verifies, rotates and revokes keys through it; {@link MemoryApiKeyRepository} is the
 * in-memory one for tests and samples. Every method may return a promise; a rejection makes
 * verification answer 503 `service_unavailable` (docs/api-keys.md).
 *
 * Several instances of an application see the same keys when they share the repository (the same
 * database): a revocation is then seen by all of them at their next lookup.
 */
export interface ApiKeyRepository {
  /** The record with this id, revoked or expired ones included; `undefined` when there is none. */
  findById(id: string): MaybePromise<ApiKeyRecord | undefined>;
  /**
   * The record with this digest, for legacy keys (keys not in the format, issued before it), which
   * carry no id. Needed only with the `legacy` option of `ApiKeys`; index the digest column.
   */
  findByDigest?(digest: Uint8Array): MaybePromise<ApiKeyRecord | undefined>;
  /** Stores a new record. Must reject (or throw) when a record with its id exists. */
  add(record: ApiKeyRecord): MaybePromise<void>;
  /** Changes the record with this id (nothing when there is none). */
  update(id: string, changes: ApiKeyChanges): MaybePromise<void>;
}
