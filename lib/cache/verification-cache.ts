import { createHmac, randomBytes } from 'node:crypto';
import { LRUCache } from 'lru-cache';
import type { CacheOptions } from '../interfaces/auth-options.interface.js';
import type { AuthPrincipal } from '../interfaces/auth-principal.interface.js';

/** What a scheme lets the cache remember about a verified credential. */
export interface CacheableCredential {
  /** The secret material that identifies the credential (never stored: only its HMAC is). */
  readonly material: string;
  /** When the credential stops being valid, in ms since the epoch (a JWT's `exp`); asked only after a successful verification. */
  readonly expiresAt?: () => number | undefined;
}

interface Entry {
  readonly principal: AuthPrincipal;
}

/** Default bounds: enough for the active users of one instance, small in memory. */
export const DEFAULT_CACHE_MAX = 10_000;
export const DEFAULT_CACHE_TTL_SECONDS = 60;

/**
 * Remembers successful verifications, so that a password hash (20–240 ms) or a jose verify
 * (~150 µs) runs once per credential and TTL instead of once per request.
 *
 * - Keys are an HMAC-SHA256 of scheme and credential under a random per-process key: the cache
 *   never holds a password, token or key, and its keys are useless outside the process.
 * - Bounded (LRU, `max`) and timed (`ttl`, and never past a token's expiry).
 * - Concurrent first requests for the same credential share one verification.
 * - Failures are not cached: a wrong password costs a full verification every time (throttling,
 *   not the cache, bounds that).
 * - `invalidate(id)` drops every entry of a principal: call it on password change, key
 *   revocation or logout, or the old credential keeps working until its entry expires.
 */
export class VerificationCache {
  /** `false` when caching is turned off (`cache: false`): every request verifies. */
  readonly enabled: boolean;
  private readonly key = randomBytes(32);
  private readonly entries: LRUCache<string, Entry>;
  private readonly inFlight = new Map<string, Promise<AuthPrincipal>>();
  private readonly keysByPrincipal = new Map<string, Set<string>>();
  private readonly ttlMs: number;

  /**
   * @param options bounds, or `false` to turn caching off
   * @param clock the monotonic clock of the TTLs (tests pass a fake one)
   */
  constructor(options: CacheOptions | false = {}, clock: { now(): number } = performance) {
    this.enabled = options !== false;
    if (options === false) options = { max: 1 };
    this.ttlMs = (options.ttl ?? DEFAULT_CACHE_TTL_SECONDS) * 1000;
    this.entries = new LRUCache<string, Entry>({
      max: options.max ?? DEFAULT_CACHE_MAX,
      ttl: this.ttlMs,
      dispose: (entry, key) => this.unindex(entry.principal.id, key),
      perf: clock,
    });
  }

  /** How many verified credentials are remembered. */
  get size(): number {
    return this.entries.size;
  }

  /**
   * The principal of a credential: from the cache, from a verification already running for the
   * same credential, or from `verify()` (whose success is then remembered).
   */
  async verify(
    scheme: string,
    credential: CacheableCredential,
    verify: () => Promise<AuthPrincipal>,
  ): Promise<AuthPrincipal> {
    if (!this.enabled) return verify();
    const key = this.keyOf(scheme, credential.material);
    const hit = this.entries.get(key);
    if (hit) return hit.principal;
    const running = this.inFlight.get(key);
    if (running) return running;
    const verification = verify().finally(() => this.inFlight.delete(key));
    this.inFlight.set(key, verification);
    const principal = await verification;
    this.remember(key, principal, credential.expiresAt?.());
    return principal;
  }

  /** Forgets every remembered credential of a principal (by its `id`). */
  invalidate(principalId: string): void {
    for (const key of [...(this.keysByPrincipal.get(principalId) ?? [])]) this.entries.delete(key);
  }

  /** Forgets everything. */
  clear(): void {
    this.entries.clear();
  }

  private keyOf(scheme: string, material: string): string {
    return createHmac('sha256', this.key)
      .update(scheme)
      .update('\0')
      .update(material)
      .digest('base64');
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
