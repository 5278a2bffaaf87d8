import {
  Inject,
  Injectable,
  type OnApplicationBootstrap,
  type OnModuleDestroy,
} from '@nestjs/common';
import { AUTH_CONFIG } from '../auth.constants.js';
import { VerificationCache } from '../cache/verification-cache.js';
import type { ResolvedAuthOptions } from '../options/resolve-options.js';
import { revokedTokenKey } from '../stores/store-keys.js';

/**
 * How long the application's start waits for the store to become available (a Redis store's
 * subscription is confirmed a few milliseconds after it starts); a store still unavailable then
 * (Redis down at start-up) answers 503 until it is back, and the start goes on.
 */
const STARTUP_WAIT_MS = 2000;

/** The claims of a JWT that revocation needs. */
export interface RevocableToken {
  readonly jti?: string;
  /** Expiry, seconds since the epoch: the revocation is kept until then. */
  readonly exp?: number;
  readonly sub?: string;
}

/**
 * Revokes credentials on every instance that shares the module's store: a JWT by its `jti` (kept
 * until the token expires; the Bearer scheme then answers 401 `token_invalid`), and cached
 * verifications of a principal (after a password change, an API-key revocation or a logout). When
 * the store may have missed invalidations (a Redis subscriber outage), every cached verification is
 * forgotten.
 */
@Injectable()
export class AuthRevocation implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly unsubscribe: () => void;

  constructor(
    @Inject(AUTH_CONFIG) private readonly config: ResolvedAuthOptions,
    cache: VerificationCache,
  ) {
    // `undefined`: the store may have missed invalidations (its subscription was interrupted).
    this.unsubscribe = config.store.onInvalidation((principalId) =>
      principalId === undefined ? cache.clear() : cache.invalidate(principalId),
    );
  }

  /**
   * Revokes a JWT until its `exp`, and forgets the cached verifications of its principal everywhere.
   * @param principalId the principal's `id` when it is not the token's `sub`
   */
  async revokeToken(
    token: RevocableToken,
    principalId: string | undefined = token.sub,
  ): Promise<void> {
    const { jti, exp } = token;
    if (typeof jti !== 'string' || jti === '')
      throw new TypeError("revokeToken() needs the token's jti claim.");
    const ttlMs = typeof exp === 'number' ? exp * 1000 - Date.now() : 24 * 3600 * 1000;
    if (ttlMs > 0) await this.config.store.set(revokedTokenKey(jti), '1', ttlMs);
    if (principalId !== undefined) await this.invalidate(principalId);
  }

  /** Whether a JWT (by `jti`) is revoked. */
  async isTokenRevoked(jti: string): Promise<boolean> {
    return (await this.config.store.get(revokedTokenKey(jti))) !== undefined;
  }

  /** Forgets the cached verifications of a principal on every instance: its next request verifies again. */
  async invalidate(principalId: string): Promise<void> {
    await this.config.store.publishInvalidation(principalId);
  }

  /**
   * Lets `app.init()` / `app.listen()` resolve once the store is available, so that the first
   * requests are not answered 503 while its subscription is being confirmed; at most 2 s. @internal
   */
  async onApplicationBootstrap(): Promise<void> {
    const deadline = Date.now() + STARTUP_WAIT_MS;
    while (this.config.store.available?.() === false && Date.now() < deadline)
      await new Promise((resolve) => setTimeout(resolve, 5));
  }

  /** Stops listening for invalidations of other instances. @internal */
  async onModuleDestroy(): Promise<void> {
    this.unsubscribe();
    await this.config.store.close?.();
  }
}
