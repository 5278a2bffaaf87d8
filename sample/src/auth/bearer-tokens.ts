import type { JwtVerificationOptions } from 'nest-http-auth';
import type { JWTPayload } from 'jose';
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

/**
 * The sample's own access tokens: HS256 with `JWT_SECRET`, `iss` = `nest-http-auth-sample`, `sub`
 * and `jti` required. Revoked ones (logout, a reused refresh token) are refused by the module
 * itself (`AuthRevocation.revokeToken`); `validate` maps the claims to the sample's principal.
 */
export function ownTokens(config: SampleConfig): JwtVerificationOptions {
  return {
    secret: config.jwtSecret,
    issuer: TOKEN_ISSUER,
    requiredClaims: ['sub', 'jti'],
    validate: ownTokenPrincipal,
  };
}

/**
 * The access tokens of `OIDC_ISSUER`: RFC 9068 JWTs (`typ: at+jwt`, `aud` = `PUBLIC_URL`) signed
 * with a key of the issuer's key set, found by discovery (its metadata's `issuer` must be
 * `OIDC_ISSUER` exactly; fetched on the first such token; unreachable: 503).
 */
export function issuerTokens(config: SampleConfig, issuer: string): JwtVerificationOptions {
  return {
    discovery: true,
    issuer,
    audience: config.publicUrl,
    profile: 'rfc9068',
    validate: issuerTokenPrincipal,
  };
}
