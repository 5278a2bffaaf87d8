import { LRUCache } from 'lru-cache';
import { AuthenticationError } from '../errors/auth.error.js';
import { CredentialKey } from './credential-key.js';
import type { CacheOptions } from '../interfaces/auth-options.interface.js';
import type { AuthPrincipal } from '../interfaces/auth-principal.interface.js';

/** What a scheme lets the cache remember about a credential. */
export interface CacheableCredential {
  /** The secret material that identifies the credential (never stored: only a keyed hash of it is). */
  readonly material: string;
  /**
   * When the credential stops being valid, in ms since the epoch (a JWT's `exp`); asked only
   * after a successful verification, with the principal it established.
   */
  readonly expiresAt?: (principal: AuthPrincipal) => number | undefined;
}

/** A remembered verdict: the principal, or the authentication error of a rejected credential. */
export type Verdict =
  | { readonly principal: AuthPrincipal; readonly error?: undefined }
  | { readonly error: AuthenticationError; readonly principal?: undefined };

/** Default bounds: enough for the active users of one instance, small in memory. */
export const DEFAULT_CACHE_MAX = 10_000;
export const DEFAULT_CACHE_TTL_SECONDS = 60;
export const DEFAULT_CACHE_FAILURE_TTL_SECONDS = 10;

/**
 * Remembers verifications, so that a password hash or a jose verify runs once per credential and
 * TTL instead of once per request (what each costs: see docs/performance.md).
 *
 * - Keys are an HMAC-SHA256 of scheme and credential under a random per-process key
 *   (`CredentialKey`): the cache never holds a password, token or key, and its keys are
 *   useless outside the process.
 * - Bounded (LRU, `max` entries in all) and timed (`ttl`, never past a token's expiry).
 * - A rejected credential is remembered for `failureTtl` (shorter), so that repeating a wrong
 *   password or a forged token does not cost a hash or a signature check each time. Errors that
 *   are not authentication failures (an unreachable store: 503) are never remembered.
 * - Concurrent first requests for the same credential share one verification.
 * - `invalidate(id)` drops every remembered success of a principal: call it on password change,
 *   key revocation or logout, or the old credential keeps working until its entry expires.
 */
export class VerificationCache {
  /**
   * `false` when caching is turned off (`cache: false`): every request verifies.
   * @internal
   */
  readonly enabled: boolean;
  /** Keys entries: an HMAC-SHA256 under a random per-process key. */
  private readonly credentialKey = new CredentialKey();
  private readonly entries: LRUCache<string, Verdict>;
  private readonly inFlight = new Map<string, Promise<AuthPrincipal>>();
  /** Counts invalidations, so that a verification that overlapped one is not remembered. */
  private invalidations = 0;
  private readonly keysByPrincipal = new Map<string, Set<string>>();
  private readonly ttlMs: number;
  private readonly failureTtlMs: number;

  /**
   * @param options bounds, or `false` to turn caching off
   * @param clock the monotonic clock of the TTLs (tests pass a fake one)
   */
  constructor(options: CacheOptions | false = {}, clock: { now(): number } = performance) {
    this.enabled = options !== false;
    const { max = DEFAULT_CACHE_MAX, ttl = DEFAULT_CACHE_TTL_SECONDS } = options || {};
    const failureTtl =
      (options || {}).failureTtl ?? Math.min(ttl, DEFAULT_CACHE_FAILURE_TTL_SECONDS);
    this.ttlMs = ttl * 1000;
    this.failureTtlMs = failureTtl * 1000;
    this.entries = new LRUCache<string, Verdict>({
      max,
      ttl: this.ttlMs,
      dispose: (entry, key) => {
        if (entry.error === undefined) this.unindex(entry.principal.id, key);
      },
      perf: clock,
    });
  }

  /** How many verdicts are remembered. */
  get size(): number {
    return this.entries.size;
  }

  /**
   * The principal of a credential: from the cache, from a verification already running for the
   * same credential, or from `verify()` (whose verdict is then remembered). A remembered rejection
   * is thrown again.
   */
  verify(
    scheme: string,
    credential: CacheableCredential,
    verify: () => Promise<AuthPrincipal>,
  ): Promise<AuthPrincipal> {
    try {
      if (!this.enabled) return verify();
      return this.settle(this.keyOf(scheme, credential.material), verify, credential.expiresAt);
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /**
   * The key under which a scheme's credential is remembered: a keyed hash of both
   * (`CredentialKey`), never the credential itself.
   * @internal
   */
  keyOf(scheme: string, material: string): string {
    return this.credentialKey.of(`${scheme}\0${material}`);
  }

  /**
   * The verdict remembered under a key, if any: answered at once, without a promise.
   * @internal
   */
  recall(key: string): Verdict | undefined {
    return this.enabled ? this.entries.get(key) : undefined;
  }

  /**
   * {@link verify} by key: the remembered verdict, a verification already running under the key,
   * or `verify()` now.
   * @param expiresAt when the verified credential expires (ms since the epoch), asked after a success
   * @internal
   */
  settle(
    key: string,
    verify: () => Promise<AuthPrincipal>,
    expiresAt?: (principal: AuthPrincipal) => number | undefined,
  ): Promise<AuthPrincipal> {
    const hit = this.entries.get(key);
    // A hit answers without `async`/`throw` (see docs/architecture.md): every repeated wrong
    // credential takes this path.
    if (hit) return hit.error ? Promise.reject(hit.error) : Promise.resolve(hit.principal);
    return this.inFlight.get(key) ?? this.verifyOnce(key, verify, expiresAt);
  }

  /** Runs a verification whose verdict is not known yet, shared by concurrent requests, and remembers it. */
  private async verifyOnce(
    key: string,
    verify: () => Promise<AuthPrincipal>,
    expiresAt: ((principal: AuthPrincipal) => number | undefined) | undefined,
  ): Promise<AuthPrincipal> {
    // An invalidation while this runs may concern its principal (a key revoked after its record was
    // read): then the verdict is not remembered.
    const invalidations = this.invalidations;
    const verification = verify().finally(() => {
      if (this.inFlight.get(key) === verification) this.inFlight.delete(key);
    });
    this.inFlight.set(key, verification);
    try {
      const principal = await verification;
      if (this.invalidations === invalidations)
        this.remember(key, principal, expiresAt?.(principal));
      return principal;
    } catch (error) {
      if (error instanceof AuthenticationError && this.failureTtlMs > 0) {
        this.entries.set(key, { error }, { ttl: this.failureTtlMs });
      }
      throw error;
    }
  }

  /**
   * Forgets every remembered success of a principal (by its `id`). Verifications running at that
   * moment are not remembered when they end, and later requests do not share them: whichever
   * principal they are for, they may have read what the invalidation changed.
   */
  invalidate(principalId: string): void {
    this.invalidations++;
    this.inFlight.clear();
    for (const key of [...(this.keysByPrincipal.get(principalId) ?? [])]) this.entries.delete(key);
  }

  /** Forgets everything. */
  clear(): void {
    this.invalidations++;
    this.inFlight.clear();
    this.entries.clear();
  }

  private remember(key: string, principal: AuthPrincipal, expiresAt: number | undefined): void {
    const ttl = expiresAt === undefined ? this.ttlMs : Math.min(this.ttlMs, expiresAt - Date.now());
    if (ttl <= 0) return;
    this.entries.set(key, { principal }, { ttl });
    let keys = this.keysByPrincipal.get(principal.id);
    if (!keys) this.keysByPrincipal.set(principal.id, (keys = new Set()));
    keys.add(key);
  }

  private unindex(principalId: string, key: string): void {
    const keys = this.keysByPrincipal.get(principalId);
    if (!keys) return;
    keys.delete(key);
    if (keys.size === 0) this.keysByPrincipal.delete(principalId);
  }
}
