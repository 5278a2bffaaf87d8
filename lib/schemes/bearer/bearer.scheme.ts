import { PassportStrategy } from '@nestjs/passport';
import { decodeJwt, type JWTPayload } from 'jose';
import { Strategy as PassportBearerStrategy } from 'passport-http-bearer';
import { DEFAULT_MAX_CREDENTIAL_LENGTH } from '../../auth.constants.js';
import { AuthenticationError, withoutStack } from '../../errors/auth.error.js';
import { challenge, errorDescription, type AuthParam } from '../../http/challenge.js';
import { authorizationCredentials } from '../../http/authorization-header.js';
import { formParam, header, queryParam } from '../../http/request-access.js';
import type {
  BearerSchemeOptions,
  JwtVerificationOptions,
  PlatformRequest,
  SecuritySchemeDefinition,
} from '../../interfaces/auth-options.interface.js';
import type { AuthPrincipal, ValidateResult } from '../../interfaces/auth-principal.interface.js';
import type { AuthScheme } from '../auth-scheme.js';
import { authenticateAsPassport, type PassportActions } from '../passport-bridge.js';
import type { AuthStore } from '../../stores/auth-store.interface.js';
import { revokedTokenKey } from '../../stores/store-keys.js';
import { PrincipalCheck } from '../validate-result.js';
import { JwtIssuers } from './jwt-issuers.js';
import { introspectedExpiry, TokenIntrospector } from './token-introspection.js';
import { oauthSecuritySchemes } from './oauth-documentation.js';

/** RFC 6750 §2.1 b64token. */
const B64TOKEN = /^[A-Za-z0-9\-._~+/]+=*$/;

/** The token of `Authorization: Bearer`, as sent (not checked). */
function headerToken(request: PlatformRequest): string | undefined {
  return authorizationCredentials(header(request, 'authorization'), 'bearer');
}

function fail(code: 'token_invalid' | 'invalid_request', description: string): AuthenticationError {
  return withoutStack(() => new AuthenticationError(code, { scheme: 'bearer', description }));
}

function stringList(value: unknown): string[] | undefined {
  if (typeof value === 'string') return value.split(' ').filter(Boolean);
  return Array.isArray(value) && value.every((v) => typeof v === 'string') ? value : undefined;
}

/**
 * The principal of a verified JWT when no `jwt.validate` is configured: `sub` is the id, `roles`
 * the roles, `scope` (space-separated) or `scp` the scopes, and the claims are kept.
 */
export function principalFromClaims(payload: JWTPayload): ValidateResult {
  if (typeof payload.sub !== 'string' || payload.sub === '') return undefined;
  return {
    id: payload.sub,
    roles: stringList(payload['roles']) ?? [],
    scopes: stringList(payload['scope']) ?? stringList(payload['scp']) ?? [],
    claims: payload,
  };
}

/**
 * Bearer tokens (RFC 6750), registered with passport as `bearer` on top of passport-http-bearer's
 * `Strategy`. Tokens are JWTs verified with jose, or opaque tokens checked by `validate`. The header
 * is always read; the `access_token` query or form parameter only when enabled, and a token sent
 * twice is `invalid_request` (400).
 */
export class BearerScheme
  extends PassportStrategy(PassportBearerStrategy, 'bearer')
  implements AuthScheme<string>
{
  override readonly name = 'bearer';
  private readonly jwt: JwtIssuers | undefined;
  private readonly introspection: TokenIntrospector | undefined;
  /**
   * Whether tokens are verified with fetched keys (a JWKS, discovery) or by introspection: 503
   * while those are unreachable.
   */
  readonly remote: boolean;
  private readonly realmParam: AuthParam;
  /**
   * Auth-params that end every Bearer challenge: `resource_metadata` when protected resource
   * metadata is configured (RFC 9728 §5.1, docs/contract.md C-2.11), else none.
   */
  private readonly trailingParams: readonly AuthParam[];
  private readonly challengeLine: string;
  /** Checks what `jwt.validate` (JWT) or `validate` (opaque tokens) returns. */
  private readonly results: PrincipalCheck;

  /**
   * @param resourceMetadataUrl the URL of the resource's protected resource metadata (RFC 9728),
   *   named by `resource_metadata` in every challenge
   */
  constructor(
    realm: string,
    private readonly options: BearerSchemeOptions,
    private readonly store?: AuthStore,
    resourceMetadataUrl?: string,
  ) {
    super({ realm });
    this.jwt = options.jwt ? new JwtIssuers(options.jwt) : undefined;
    this.introspection = options.introspection
      ? new TokenIntrospector(options.introspection)
      : undefined;
    this.remote = (this.jwt?.remote ?? false) || this.introspection !== undefined;
    this.realmParam = ['realm', realm];
    this.trailingParams =
      resourceMetadataUrl === undefined ? [] : [['resource_metadata', resourceMetadataUrl]];
    this.challengeLine = challenge('Bearer', [this.realmParam, ...this.trailingParams]);
    this.results = new PrincipalCheck(
      options.jwt ? 'bearer.jwt.validate' : 'bearer.validate',
      'bearer',
    );
  }

  /**
   * The `jwt` options as configured, `undefined` for opaque tokens: read by `mintToken()` of
   * `nest-http-auth/testing`, which signs tokens this scheme accepts. With several entries, the
   * first that verifies with a shared secret (the one the application can sign with), else the first.
   * @internal
   */
  get jwtOptions(): JwtVerificationOptions | undefined {
    const entries = this.jwt?.entries.map((entry) => entry.options);
    return entries?.find((options) => options.secret !== undefined) ?? entries?.[0];
  }

  /**
   * The token as sent. With only the header method enabled (the default) that is what follows
   * `Bearer `; with the query or form method enabled too, the one token sent (`null` when several
   * or a malformed parameter were: `read()` answers 400).
   */
  credential(request: PlatformRequest): string | null | undefined {
    const fromHeader = headerToken(request);
    if (!this.options.allowQuery && !this.options.allowBody) return fromHeader;
    const found = this.locate(request, fromHeader);
    return found === undefined || typeof found === 'string' ? found : null;
  }

  read(request: PlatformRequest): string | undefined {
    const token = this.locate(request, headerToken(request));
    if (token === undefined) return undefined;
    if (typeof token !== 'string') throw token;
    if (token === '') throw fail('invalid_request', 'The access token is empty');
    if (token.length > DEFAULT_MAX_CREDENTIAL_LENGTH || !B64TOKEN.test(token)) {
      throw fail('token_invalid', 'The access token is malformed');
    }
    return token;
  }

  /** The one token of a request (header, and query or form body where enabled), or the 400 of a request with several. */
  private locate(
    request: PlatformRequest,
    fromHeader: string | undefined,
  ): string | AuthenticationError | undefined {
    const fromQuery = this.options.allowQuery ? queryParam(request, 'access_token') : undefined;
    const fromBody = this.options.allowBody ? formParam(request, 'access_token') : undefined;
    if (fromQuery === undefined && fromBody === undefined) return fromHeader;
    if (fromQuery === null || fromBody === null) {
      return fail('invalid_request', 'The access_token parameter is repeated or malformed');
    }
    const found = [fromHeader, fromQuery, fromBody].filter((t) => t !== undefined);
    return found.length > 1
      ? fail('invalid_request', 'The access token was sent by more than one method')
      : found[0];
  }

  async verify(token: string, request: PlatformRequest): Promise<AuthPrincipal> {
    let principal: AuthPrincipal | undefined;
    if (this.jwt) {
      const { payload, issuer } = await this.jwt.verify(token);
      // RFC 9449 §7.2: a DPoP-bound token is refused as a bearer token (no downgrade).
      if ((payload['cnf'] as { jkt?: unknown } | undefined)?.jkt !== undefined) {
        throw fail('token_invalid', 'The access token is DPoP-bound: send it with a DPoP proof');
      }
      if (await this.revoked(payload)) throw fail('token_invalid', 'The access token was revoked');
      const jwt = issuer.options;
      principal = jwt.validate
        ? this.results.validated(await jwt.validate(payload, token, request))
        : principalFromClaims(payload) || undefined;
    } else if (this.introspection) {
      principal = await this.introspection.introspect(token);
    } else {
      principal = this.results.validated(await this.options.validate?.(token, request));
    }
    if (!principal) throw fail('token_invalid', 'The access token is invalid');
    return principal;
  }

  /** Whether the token's `jti` was revoked (`AuthRevocation.revokeToken`), on any instance. */
  private async revoked(payload: JWTPayload): Promise<boolean> {
    const { store } = this;
    if (!store || typeof payload.jti !== 'string') return false;
    return (await store.get(revokedTokenKey(payload.jti))) !== undefined;
  }

  /**
   * A JWT's `exp`, or the introspection answer's (asked only once the token verified, so its
   * claims can be trusted).
   */
  expiresAt(token: string, principal?: AuthPrincipal): number | undefined {
    if (this.introspection) return introspectedExpiry(principal);
    return this.jwt ? (decodeJwt(token).exp ?? 0) * 1000 : undefined;
  }

  challenges(error?: AuthenticationError): readonly string[] {
    if (!error?.credentialsPresented) return [this.challengeLine];
    const params: AuthParam[] = [
      this.realmParam,
      ['error', error.code === 'invalid_request' ? 'invalid_request' : 'invalid_token'],
    ];
    if (error.description) params.push(['error_description', errorDescription(error.description)]);
    return [challenge('Bearer', [...params, ...this.trailingParams])];
  }

  forbiddenChallenge(scopes: readonly string[]): string {
    const params: AuthParam[] = [this.realmParam, ['error', 'insufficient_scope']];
    if (this.options.discloseScopes && scopes.length > 0) params.push(['scope', scopes.join(' ')]);
    return challenge('Bearer', [...params, ...this.trailingParams]);
  }

  securitySchemes(): Readonly<Record<string, SecuritySchemeDefinition>> {
    const bearerFormat = this.options.bearerFormat ?? (this.jwt ? 'JWT' : undefined);
    return {
      [this.name]: { type: 'http', scheme: 'bearer', ...(bearerFormat ? { bearerFormat } : {}) },
      ...oauthSecuritySchemes(this.name, this.options.oauth),
    };
  }

  /** Passport's entry point: same parsing and verification as the guard's. */
  override authenticate(this: BearerScheme & PassportActions, request: PlatformRequest): void {
    authenticateAsPassport(this, this, request);
  }

  /** Passport's verify callback (unused: {@link authenticate} calls {@link verify}). */
  validate(token: string): Promise<AuthPrincipal> {
    return this.verify(token, {});
  }
}
