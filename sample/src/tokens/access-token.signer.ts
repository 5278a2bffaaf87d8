import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { SignJWT } from 'jose';
import { SAMPLE_CONFIG } from '../config/config.tokens.js';
import type { SampleConfig } from '../config/sample-config.js';
import type { PublicUser } from '../users/user.js';
import { nowInSeconds } from './clock.js';
import { TOKEN_ISSUER } from './token-issuer.js';

/** A signed access token and the claims the server keeps track of. */
export interface AccessToken {
  readonly token: string;
  /** Its `jti`: what logout revokes. */
  readonly jti: string;
  /** Its `exp`, seconds since the epoch. */
  readonly expiresAt: number;
}

/** Signs HS256 access tokens with jose: `sub`, `roles`, `jti`, `iat`, `exp`, `iss`. */
@Injectable()
export class AccessTokenSigner {
  private readonly key: Uint8Array;
  private readonly ttl: number;

  constructor(@Inject(SAMPLE_CONFIG) config: SampleConfig) {
    this.key = new TextEncoder().encode(config.jwtSecret);
    this.ttl = config.accessTokenTtl;
  }

  /** Lifetime of the tokens, in seconds (`expires_in`). */
  get lifetime(): number {
    return this.ttl;
  }

  /** A new access token for `user`. */
  async sign(user: PublicUser): Promise<AccessToken> {
    const jti = randomUUID();
    const issuedAt = nowInSeconds();
    const expiresAt = issuedAt + this.ttl;
    const token = await new SignJWT({ roles: [...user.roles] })
      .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
      .setSubject(user.username)
      .setIssuer(TOKEN_ISSUER)
      .setJti(jti)
      .setIssuedAt(issuedAt)
      .setExpirationTime(expiresAt)
      .sign(this.key);
    return { token, jti, expiresAt };
  }
}
