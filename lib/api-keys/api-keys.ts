import { createHmac, hash, timingSafeEqual } from 'node:crypto';
import { AuthConfigurationError } from '../errors/auth-configuration.error.js';
import { AuthUnavailableError, withoutStack } from '../errors/auth.error.js';
import type { MaybePromise, PlatformRequest } from '../interfaces/auth-options.interface.js';
import type { AuthPrincipal } from '../interfaces/auth-principal.interface.js';
import {
  apiKeyPattern,
  formatApiKey,
  isApiKeyPrefix,
  looksFormatted,
  type ParsedApiKey,
  parseApiKey,
  randomApiKeyId,
  randomApiKeySecret,
} from './api-key-format.js';
import type { ApiKeyRecord, ApiKeyRepository } from './api-key-repository.js';

/** The shortest pepper accepted: 32 bytes, the output size of SHA-256 (RFC 2104 §3). */
const MIN_PEPPER_BYTES = 32;

/**
 * What forgets cached verifications of a principal on every instance: the module's
 * `AuthRevocation` (inject it and pass it to {@link ApiKeys.revoke}), whose `invalidate()`
 * publishes the invalidation through the module's store.
 */
export interface VerificationInvalidator {
  /** Forgets every cached verification of the principal with this `id`, on every instance. */
  invalidate(principalId: string): Promise<void>;
}

/** How keys that are not in the format (issued before it) are verified. */
export interface LegacyApiKeyOptions {
  /**
   * Whether their digests are HMAC-SHA256 under the pepper, like new keys' (`true`, the default),
   * or plain SHA-256 (`false`: digests stored before a pepper was introduced).
   */
  readonly pepper?: boolean;
}

/** Options of {@link ApiKeys}. */
export interface ApiKeysOptions {
  /**
   * The application and environment the keys belong to, the first part of every key:
   * lower-case words joined by `_`, at most 32 characters, e.g. `myapp_live` or `myapp_test`.
   */
  readonly prefix: string;
  /** Where the records are kept (the application's table; {@link MemoryApiKeyRepository} in tests). */
  readonly repository: ApiKeyRepository;
  /**
   * A server-side secret of at least 32 bytes (e.g. from a secret manager, never in the database):
   * digests are then HMAC-SHA256 under it, so that a stolen table cannot be checked against
   * guessed keys. Without it digests are SHA-256, which is enough for random 256-bit secrets.
   * Changing it invalidates every stored digest.
   */
  readonly pepper?: string | Uint8Array;
  /**
   * Also accept keys that are not in the format, issued before it (`true`, or options): such a key
   * is looked up by its digest (`repository.findByDigest`). A key that starts with `<prefix>_` or
   * ends like the format is always judged by the format alone, so a mistyped new key is still
   * refused without a lookup. Records of legacy keys come from {@link ApiKeys.legacyRecord}.
   */
  readonly legacy?: boolean | LegacyApiKeyOptions;
  /** The time in ms since the epoch (tests pass a fake clock). Default `Date.now`. */
  readonly clock?: () => number;
}

/** Whom a new key is for, and what it may do. */
export interface ApiKeyGrant {
  /** The principal `id` the key authenticates as (a user, a service account). */
  readonly owner: string;
  /** Scopes of the key; default none. */
  readonly scopes?: readonly string[];
  /** When the key stops working, ms since the epoch; default never (until revoked). */
  readonly expiresAt?: number;
}

/** A grant for a legacy key, with the id of its record. */
export interface LegacyApiKeyGrant extends ApiKeyGrant {
  /** The record's id (unique, not secret; e.g. the key's first characters); random when omitted. */
  readonly id?: string;
}

/** A key just issued: the only time the key exists in clear. */
export interface IssuedApiKey {
  /** The key, to hand to its owner once; it is never stored, only its digest is. */
  readonly key: string;
  /** The record stored for it. */
  readonly record: ApiKeyRecord;
}

/** Options of {@link ApiKeys.rotate}. */
export interface ApiKeyRotation {
  /**
   * Seconds the replaced key keeps working (its new `expiresAt`, unless it expires sooner); `0`
   * ends it now. Omitted: it works until it is revoked.
   */
  readonly grace?: number;
  /** When the new key stops working, ms since the epoch; default never. */
  readonly expiresAt?: number;
}

/** What an application adds to the principal of a key (its `id` is always the record's `owner`). */
export interface ApiKeyPrincipalFields {
  /** Roles of the principal, checked against `@Auth(..., { roles })`. */
  readonly roles?: readonly string[];
  /** Scopes; default the record's. */
  readonly scopes?: readonly string[];
  /** Anything else (`id` is replaced by the record's owner). */
  readonly [field: string]: unknown;
}

/**
 * Builds the principal of a verified key from its record, e.g. by loading its owner: the fields
 * to add, or a falsy value to refuse the key (an owner that was deleted or disabled).
 */
export type ApiKeyPrincipalMapper = (
  record: ApiKeyRecord,
  request: PlatformRequest,
) => MaybePromise<ApiKeyPrincipalFields | null | undefined | false>;

/** An `apiKey.validate` callback of `AuthModule.forRoot()`, made by {@link ApiKeys.validator}. */
export type ApiKeyValidator = (
  key: string,
  request: PlatformRequest,
) => Promise<AuthPrincipal | null>;

/** Whether an optional field is unset (`undefined`, or `null` from a database row). */
function unset(value: number | null | undefined): boolean {
  return value === undefined || value === null;
}

/** Equal digests, compared in constant time (lengths are not secret: unequal ones are simply unequal). */
function sameDigest(a: Uint8Array, b: Uint8Array): boolean {
  return a.byteLength === b.byteLength && timingSafeEqual(a, b);
}

/**
 * API keys issued and checked by the library, in a recognisable format that secret scanners find
 * and whose checksum refuses typos without a lookup (docs/api-keys.md):
 *
 * `<prefix>_<id>_<secret>_<checksum>`, e.g. `myapp_live_0dG6Yq3mS1Xc_…43…_…6…`
 *
 * Only a digest of each key is stored, in the application's {@link ApiKeyRepository}, found by
 * the key's public id and compared in constant time.
 *
 * ```ts
 * const apiKeys = new ApiKeys({ prefix: 'myapp_live', repository, pepper: process.env.API_KEY_PEPPER });
 * AuthModule.forRoot({ apiKey: { header: 'X-API-Key', validate: apiKeys.validator() } });
 * const { key } = await apiKeys.issue({ owner: user.id, scopes: ['reports:read'] });
 * await apiKeys.revoke(id, authRevocation); // refused on every instance from now on
 * ```
 */
export class ApiKeys {
  /** The prefix of every key issued. */
  readonly prefix: string;
  private readonly repository: ApiKeyRepository;
  private readonly pepper: Buffer | undefined;
  private readonly legacy: boolean;
  private readonly legacyPeppered: boolean;
  private readonly now: () => number;

  /** @throws AuthConfigurationError for a prefix that is not one, a short pepper, or `legacy` with a repository that cannot find digests */
  constructor(options: ApiKeysOptions) {
    const { prefix, repository, pepper, legacy = false, clock = Date.now } = options;
    if (typeof prefix !== 'string' || !isApiKeyPrefix(prefix))
      throw new AuthConfigurationError(
        `ApiKeys: prefix must be lower-case words ([a-z][a-z0-9]*) joined by "_", at most 32 characters (got ${JSON.stringify(prefix)}).`,
      );
    const pepperBytes =
      pepper === undefined
        ? undefined
        : typeof pepper === 'string'
          ? Buffer.from(pepper, 'utf8')
          : Buffer.from(pepper);
    if (pepperBytes !== undefined && pepperBytes.length < MIN_PEPPER_BYTES)
      throw new AuthConfigurationError(
        `ApiKeys: pepper must be at least ${MIN_PEPPER_BYTES} bytes (got ${pepperBytes.length}).`,
      );
    this.legacy = legacy !== false;
    if (this.legacy && typeof repository.findByDigest !== 'function')
      throw new AuthConfigurationError(
        'ApiKeys: the legacy option needs a repository with findByDigest(digest).',
      );
    this.prefix = prefix;
    this.repository = repository;
    this.pepper = pepperBytes;
    this.legacyPeppered = typeof legacy === 'object' ? legacy.pepper !== false : true;
    this.now = clock;
  }

  /**
   * A global regular expression that finds this application's keys in text (secret scanning,
   * log redaction), e.g. for `myapp_live`:
   * `\bmyapp_live_[0-9A-Za-z]{12}_[0-9A-Za-z]{43}_[0-9A-Za-z]{6}\b`. A new `RegExp` each time.
   */
  get pattern(): RegExp {
    return apiKeyPattern(this.prefix);
  }

  /**
   * Takes a key of this prefix apart and checks its checksum, without a lookup: `undefined` for
   * anything else (another prefix, a typo, a legacy key).
   */
  parse(key: string): ParsedApiKey | undefined {
    return parseApiKey(key, this.prefix);
  }

  /**
   * Issues a new key: stores its record (the digest, never the key) and returns the key, which
   * exists in clear only in the result.
   */
  async issue(grant: ApiKeyGrant): Promise<IssuedApiKey> {
    if (typeof grant.owner !== 'string' || grant.owner === '')
      throw new TypeError('ApiKeys.issue() needs the owner: a non-empty principal id.');
    const id = randomApiKeyId();
    const key = formatApiKey({ prefix: this.prefix, id, secret: randomApiKeySecret() });
    const record = this.record(id, this.digest(key), grant);
    await this.repository.add(record);
    return { key, record };
  }

  /**
   * The record of a key that works now: in the format with this prefix and a matching checksum
   * (else refused before any lookup), found by its id — or, with `legacy`, a key not in the
   * format found by its digest — whose digest matches (compared with `timingSafeEqual`), not
   * revoked and not expired. `undefined` otherwise. Rejects when the repository does.
   */
  async verify(key: string): Promise<ApiKeyRecord | undefined> {
    if (typeof key !== 'string' || key === '') return undefined;
    const parsed = parseApiKey(key, this.prefix);
    let digest: Buffer;
    let record: ApiKeyRecord | undefined;
    if (parsed) {
      digest = this.digest(key);
      record = await this.repository.findById(parsed.id);
    } else if (this.legacy && !looksFormatted(key, this.prefix)) {
      digest = this.legacyDigest(key);
      record = await this.repository.findByDigest!(digest);
    } else {
      return undefined;
    }
    return record && sameDigest(digest, record.digest) && this.works(record) ? record : undefined;
  }

  /**
   * The `validate` callback of `AuthModule.forRoot({ apiKey: { header, validate } })`: the
   * principal of a key that {@link verify} accepts, `{ id: owner, scopes }` plus what `principal`
   * adds; `null` (401 `credentials_invalid`) for any other key, a malformed or mistyped one
   * refused before any lookup. A repository that rejects makes it reject with 503
   * `service_unavailable` (docs/contract.md C-1.6), never a 401.
   * @param principal adds fields to the principal (roles, the owner's name...) or refuses the key
   */
  validator(principal?: ApiKeyPrincipalMapper): ApiKeyValidator {
    return async (key, request) => {
      let record: ApiKeyRecord | undefined;
      try {
        record = await this.verify(key);
      } catch (cause) {
        throw withoutStack(() => new AuthUnavailableError({ scheme: 'apiKey', cause }));
      }
      if (!record) return null;
      const fields = principal ? await principal(record, request) : {};
      return fields ? { scopes: record.scopes, ...fields, id: record.owner } : null;
    };
  }

  /**
   * Issues a new key for the owner and scopes of the key `id`, which keeps working until it is
   * revoked, or for `grace` seconds. `undefined` when no working key has this id. A legacy key
   * rotates into a key in the format.
   * @throws RangeError when `grace` is negative or not a number
   */
  async rotate(id: string, options: ApiKeyRotation = {}): Promise<IssuedApiKey | undefined> {
    const { grace, expiresAt } = options;
    if (grace !== undefined && !(Number.isFinite(grace) && grace >= 0))
      throw new RangeError('ApiKeys.rotate(): grace is a number of seconds, 0 or more.');
    const old = await this.repository.findById(id);
    if (!old || !this.works(old)) return undefined;
    const issued = await this.issue({
      owner: old.owner,
      scopes: old.scopes,
      ...(expiresAt !== undefined ? { expiresAt } : {}),
    });
    if (grace !== undefined) {
      const deadline = this.now() + grace * 1000;
      if (unset(old.expiresAt) || deadline < old.expiresAt!)
        await this.repository.update(id, { expiresAt: deadline });
    }
    return issued;
  }

  /**
   * Revokes the key `id` for good, and makes every instance forget the cached verifications of
   * its owner: the record is marked revoked in the repository (which every instance reads), then
   * `revocation.invalidate(owner)` publishes the invalidation through the module's store (pass the
   * module's `AuthRevocation`). From then on the key is 401 `credentials_invalid` everywhere; the
   * owner's other credentials are verified again once. `false` when there is no key with this id.
   */
  async revoke(id: string, revocation: VerificationInvalidator): Promise<boolean> {
    if (typeof revocation?.invalidate !== 'function')
      throw new TypeError(
        "ApiKeys.revoke() needs the module's AuthRevocation (or anything with invalidate(principalId)).",
      );
    const record = await this.repository.findById(id);
    if (!record) return false;
    if (unset(record.revokedAt)) await this.repository.update(id, { revokedAt: this.now() });
    await revocation.invalidate(record.owner);
    return true;
  }

  /**
   * The record of a key issued before the format (any string), to store with
   * `repository.add()`: its digest as `legacy` verifies it. Needs the `legacy` option.
   * @throws AuthConfigurationError without the `legacy` option
   */
  legacyRecord(key: string, grant: LegacyApiKeyGrant): ApiKeyRecord {
    if (!this.legacy)
      throw new AuthConfigurationError(
        'ApiKeys.legacyRecord(): legacy keys are verified only with the legacy option.',
      );
    if (typeof key !== 'string' || key === '')
      throw new TypeError('ApiKeys.legacyRecord() needs the key.');
    return this.record(grant.id ?? randomApiKeyId(), this.legacyDigest(key), grant);
  }

  private record(id: string, digest: Buffer, grant: ApiKeyGrant): ApiKeyRecord {
    return {
      id,
      digest,
      owner: grant.owner,
      scopes: [...(grant.scopes ?? [])],
      createdAt: this.now(),
      ...(grant.expiresAt !== undefined ? { expiresAt: grant.expiresAt } : {}),
    };
  }

  /** Whether a record works now: not revoked, not past its `expiresAt`. */
  private works(record: ApiKeyRecord): boolean {
    return unset(record.revokedAt) && (unset(record.expiresAt) || this.now() < record.expiresAt!);
  }

  /** HMAC-SHA256 of the key under the pepper, or SHA-256 without one. */
  private digest(key: string): Buffer {
    return this.pepper
      ? createHmac('sha256', this.pepper).update(key, 'utf8').digest()
      : hash('sha256', key, 'buffer');
  }

  private legacyDigest(key: string): Buffer {
    return this.legacyPeppered ? this.digest(key) : hash('sha256', key, 'buffer');
  }
}
