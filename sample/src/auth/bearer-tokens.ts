import { createRemoteJWKSet, decodeJwt, errors, jwtVerify, type JWTPayload } from 'jose';
import { AuthenticationError, AuthUnavailableError, type AuthRevocation } from 'nest-http-auth';
import type { SampleConfig } from '../config/sample-config.js';
import { TOKEN_ISSUER } from '../tokens/token-issuer.js';
import type { SamplePrincipal } from './sample-principal.js';

function stringArray(value: unknown): string[] | undefined {
  return Array.isArray(value) && value.every((v) => typeof v === 'string') ? value : undefined;
}

/** The principal of one of the sample's own access tokens (verified), or null. */
export function ownTokenPrincipal(payload: JWTPayload): SamplePrincipal | null {
  const { sub, jti, exp } = payload;
  const roles = stringArray(payload['roles']);
  if (!sub || !jti || exp === undefined || !roles) return null;
  return { id: sub, username: sub, roles, tokenId: jti, tokenExpiresAt: exp };
}

/** The principal of an issuer's RFC 9068 access token (verified): its `sub` (a client's id for client_credentials), no roles, its scopes. */
function issuerTokenPrincipal(payload: JWTPayload): SamplePrincipal | null {
  if (typeof payload.sub !== 'string' || payload.sub === '') return null;
  const scope = typeof payload['scope'] === 'string' ? payload['scope'] : '';
  return {
    id: payload.sub,
    username: payload.sub,
    roles: [],
    scopes: scope.split(' ').filter(Boolean),
  };
}

const expired = (): AuthenticationError =>
  new AuthenticationError('token_expired', {
    scheme: 'bearer',
    description: 'The access token expired',
  });

/** Seconds a client waits when the issuer cannot be reached (`Retry-After`). */
const RETRY_AFTER = 10;

/**
 * Bearer with two key sources, for `OIDC_ISSUER`: the module's `bearer.jwt` takes one key source
 * (a secret, a public key, a JWKS or discovery), so the sample checks its tokens itself, in
 * `bearer.validate`, chosen by the (unverified) `iss`:
 * - its own (`iss` = `nest-http-auth-sample`): HS256 with `JWT_SECRET`, `sub` and `jti` required,
 *   refused once revoked (logout), as with `bearer.jwt`;
 * - the issuer's: RFC 9068 JWT access tokens (`typ: at+jwt`, `aud` = `PUBLIC_URL`), signed with a
 *   key of the `jwks_uri` of its OpenID Connect Discovery document, whose `issuer` must be
 *   `OIDC_ISSUER` exactly. The document is fetched on the first such token (again after a failure).
 *
 * Any other token is refused (`invalid_token`); an issuer that cannot be reached is a 503.
 */
export class SampleBearerTokens {
  private readonly secret: Uint8Array;
  private keySet: Promise<ReturnType<typeof createRemoteJWKSet>> | undefined;

  /** @param revocation the module's revocation service (resolved when the first token arrives) */
  constructor(
    private readonly config: SampleConfig & { readonly oidcIssuer: string },
    private readonly revocation: () => AuthRevocation,
  ) {
    this.secret = new TextEncoder().encode(config.jwtSecret);
  }

  /** `bearer.validate`: the principal of a valid token, null for any other. */
  async validate(token: string): Promise<SamplePrincipal | null> {
    let iss: string | undefined;
    try {
      iss = decodeJwt(token).iss;
    } catch {
      return null;
    }
    if (iss === TOKEN_ISSUER) return this.own(token);
    if (iss === this.config.oidcIssuer) return this.issuers(token);
    return null;
  }

  private async own(token: string): Promise<SamplePrincipal | null> {
    const payload = await this.verified(() =>
      jwtVerify(token, this.secret, {
        issuer: TOKEN_ISSUER,
        algorithms: ['HS256'],
        requiredClaims: ['sub', 'jti', 'exp'],
      }),
    );
    if (!payload) return null;
    if (typeof payload.jti === 'string' && (await this.revocation().isTokenRevoked(payload.jti)))
      throw new AuthenticationError('token_invalid', {
        scheme: 'bearer',
        description: 'The access token was revoked',
      });
    return ownTokenPrincipal(payload);
  }

  private async issuers(token: string): Promise<SamplePrincipal | null> {
    const keys = await this.issuerKeys();
    const payload = await this.verified(() =>
      jwtVerify(token, keys, {
        issuer: this.config.oidcIssuer,
        audience: this.config.publicUrl,
        typ: 'at+jwt',
        requiredClaims: ['exp', 'sub', 'client_id', 'iat', 'jti'],
      }),
    );
    return payload ? issuerTokenPrincipal(payload) : null;
  }

  /** The payload, null when the token is not valid; throws `token_expired` for an expired one and 503 when the key set cannot be fetched. */
  private async verified(
    verify: () => Promise<{ payload: JWTPayload }>,
  ): Promise<JWTPayload | null> {
    try {
      return (await verify()).payload;
    } catch (error) {
      if (error instanceof errors.JWTExpired) throw expired();
      if (error instanceof errors.JWKSTimeout || error instanceof TypeError)
        throw new AuthUnavailableError({ retryAfter: RETRY_AFTER, cause: error });
      return null;
    }
  }

  /** The issuer's key set, from its discovery document (fetched once; again after a failure). */
  private issuerKeys(): Promise<ReturnType<typeof createRemoteJWKSet>> {
    this.keySet ??= this.discover().catch((error: unknown) => {
      this.keySet = undefined;
      throw new AuthUnavailableError({ retryAfter: RETRY_AFTER, cause: error });
    });
    return this.keySet;
  }

  private async discover(): Promise<ReturnType<typeof createRemoteJWKSet>> {
    const issuer = this.config.oidcIssuer;
    const url = `${issuer.replace(/\/$/, '')}/.well-known/openid-configuration`;
    const response = await fetch(url, { signal: AbortSignal.timeout(5000) });
    if (!response.ok) throw new Error(`${url} answered ${response.status}`);
    const metadata = (await response.json()) as { issuer?: unknown; jwks_uri?: unknown };
    if (metadata.issuer !== issuer) throw new Error(`${url} names another issuer`);
    if (typeof metadata.jwks_uri !== 'string') throw new Error(`${url} has no jwks_uri`);
    return createRemoteJWKSet(new URL(metadata.jwks_uri));
  }
}
