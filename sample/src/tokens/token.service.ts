import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { AuthRevocation } from 'nest-http-auth';
import { SAMPLE_CONFIG } from '../config/config.tokens.js';
import type { SampleConfig } from '../config/sample-config.js';
import type { PublicUser } from '../users/user.js';
import { UsersService } from '../users/users.service.js';
import { AccessTokenSigner } from './access-token.signer.js';
import { nowInSeconds } from './clock.js';
import { newRefreshToken, refreshTokenDigest } from './refresh-token.js';
import { REFRESH_TOKENS, type RefreshTokenStore } from './refresh-token.store.js';
import type { TokenPair } from './token-pair.js';

/**
 * Issues, rotates and revokes tokens. Refresh tokens are single use: each use returns a new pair in
 * the same family; using one a second time means it was copied, so the whole family (refresh
 * tokens and the access tokens issued with them) is revoked.
 *
 * Access tokens are revoked through the module's {@link AuthRevocation}: by `jti` until they
 * expire (the Bearer scheme then answers 401 `token_invalid`), with the user's cached
 * verifications dropped, in the module's store (in memory for one instance, Redis for several).
 */
@Injectable()
export class TokenService {
  private readonly refreshTtl: number;

  constructor(
    @Inject(SAMPLE_CONFIG) config: SampleConfig,
    private readonly signer: AccessTokenSigner,
    @Inject(REFRESH_TOKENS) private readonly refreshTokens: RefreshTokenStore,
    private readonly users: UsersService,
    private readonly revocation: AuthRevocation,
  ) {
    this.refreshTtl = config.refreshTokenTtl;
  }

  /** A new pair, in a new family, for a user who just authenticated. */
  login(user: PublicUser): Promise<TokenPair> {
    return this.issue(user, randomUUID());
  }

  /**
   * Exchanges a refresh token for a new pair (rotation). `undefined` when the token is unknown,
   * expired, revoked or already used; a reuse also revokes its family.
   */
  async refresh(refreshToken: string): Promise<TokenPair | undefined> {
    const now = nowInSeconds();
    const use = await this.refreshTokens.use(refreshTokenDigest(refreshToken), now);
    if (use.outcome === 'reused') await this.revokeFamily(use.familyId, now);
    if (use.outcome !== 'used') return undefined;
    // Roles are read again: a change since the login applies from the next access token.
    const user = this.users.find(use.token.username);
    return user && this.issue(user, use.token.familyId);
  }

  /** Revokes an access token and the refresh token family it was issued with. */
  async logout(username: string, accessJti: string, accessExpiresAt: number): Promise<void> {
    await this.revocation.revokeToken({ jti: accessJti, exp: accessExpiresAt, sub: username });
    const family = await this.refreshTokens.familyOfAccessToken(accessJti);
    if (family !== undefined) await this.revokeFamily(family, nowInSeconds());
  }

  private async revokeFamily(familyId: string, now: number): Promise<void> {
    const { username, accessTokens } = await this.refreshTokens.revokeFamily(familyId, now);
    for (const { jti, expiresAt } of accessTokens)
      await this.revocation.revokeToken({ jti, exp: expiresAt, sub: username });
  }

  private async issue(user: PublicUser, familyId: string): Promise<TokenPair> {
    const access = await this.signer.sign(user);
    const refreshToken = newRefreshToken();
    await this.refreshTokens.insert(refreshTokenDigest(refreshToken), {
      familyId,
      username: user.username,
      accessJti: access.jti,
      accessExpiresAt: access.expiresAt,
      expiresAt: nowInSeconds() + this.refreshTtl,
    });
    return {
      access_token: access.token,
      token_type: 'Bearer',
      expires_in: this.signer.lifetime,
      refresh_token: refreshToken,
    };
  }
}
