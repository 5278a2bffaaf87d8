import type { KeyObject } from 'node:crypto';
import type { JWK, JWTPayload } from 'jose';
import type { Strategy } from 'passport';
import type { AuthStore } from '../stores/auth-store.interface.js';
import type { SchemeRequirement } from './auth-metadata.interface.js';
import type { AuthPrincipal, ValidateResult } from './auth-principal.interface.js';

/** A value or a promise of it. */
export type MaybePromise<T> = T | Promise<T>;

/** The request object of the platform (Express `Request` or Fastify `FastifyRequest`). */
export type PlatformRequest = object;

/** Options of the Basic scheme (RFC 7617). */
export interface BasicSchemeOptions {
  /**
   * Checks a user-id / password pair. The user-id ends at the first colon; the password may
   * contain colons and any non-control UTF-8 character. Return a principal, or a falsy value when
   * the pair is wrong. Throw an `AuthenticationError` to choose the code yourself.
   */
  validate(
    username: string,
    password: string,
    request: PlatformRequest,
  ): MaybePromise<ValidateResult>;
}

/**
 * JWT verification of bearer tokens, done with jose. Exactly one key source must be given:
 * `secret`, `publicKey`, `jwksUrl`, or `discovery: true` with an `issuer`.
 */
export interface JwtVerificationOptions {
  /** Shared secret for HS256/384/512; at least as many bytes as the hash (32 for HS256). */
  readonly secret?: string | Uint8Array | KeyObject;
  /** Public key (SPKI PEM, JWK or KeyObject) for RS*, PS*, ES* or EdDSA. */
  readonly publicKey?: string | JWK | KeyObject;
  /** URL of a JSON Web Key Set, fetched and cached by jose. */
  readonly jwksUrl?: string | URL;
  /**
   * Take the key set from the authorization server's metadata, as an OAuth 2.0 resource server
   * does: `<issuer>/.well-known/openid-configuration` (OpenID Connect Discovery 1.0), else
   * `/.well-known/oauth-authorization-server` inserted before the issuer's path (RFC 8414 §3.1).
   * Needs `issuer` (one URL). The document's `issuer` must be identical to it, else every token is
   * answered 503 and the mismatch is logged (fail closed); its `jwks_uri` is the key set. Nothing
   * is fetched before the first token, so the server need not be up at start-up; unreachable, it
   * is a 503 with `Retry-After`, as for `jwksUrl`. The `jwks*` options apply to the document too:
   * it is kept `jwksCacheMaxAge`, and fetched again for a token with an unknown `kid` once
   * `jwksCooldown` has passed. A key source of its own (instead of `secret`, `publicKey` or
   * `jwksUrl`). Default false.
   */
  readonly discovery?: boolean;
  /**
   * With `jwksUrl` or `discovery`: seconds to wait for the key set (and the metadata document)
   * before answering 503. Default 5 (jose's).
   */
  readonly jwksTimeout?: number;
  /**
   * With `jwksUrl` or `discovery`: after a fetch, seconds during which a token with an unknown
   * `kid` is rejected without fetching the key set (or the metadata document) again, so that
   * made-up `kid`s cannot make every request fetch. A key added to the set is picked up by the
   * first token that uses it after this. Default 30.
   */
  readonly jwksCooldown?: number;
  /**
   * With `jwksUrl` or `discovery`: seconds a fetched key set (and metadata document) is trusted;
   * after that the next token fetches it again (a key removed from the set stops working).
   * Default 600.
   */
  readonly jwksCacheMaxAge?: number;
  /**
   * Enforce a token profile. `'rfc9068'`: JWT access tokens (RFC 9068), as OAuth 2.0 authorization
   * servers issue them for a resource indicator (RFC 8707): the header's `typ` must be `at+jwt` (or
   * `application/at+jwt`), so an ID token or another JWT sent as an access token is refused
   * (`token_invalid`, "not an access token"); `iss`, `exp`, `aud`, `sub`, `client_id`, `iat` and
   * `jti` are required (`sub`, `client_id` and `jti` non-empty strings). Needs `issuer` and
   * `audience`: this API's resource identifier, the `resource` clients request tokens for. The
   * default claim mapping reads the scopes from `scope`. Default: no profile.
   */
  readonly profile?: 'rfc9068';
  /**
   * Accepted `alg` values, pinned: never taken from the token. Default: `HS256` for a secret, the
   * key's own algorithm for a public key, `RS256` for a JWKS.
   */
  readonly algorithms?: readonly string[];
  /** Required `iss`. With `discovery`: the issuer whose metadata names the key set (one URL). */
  readonly issuer?: string | readonly string[];
  /**
   * Required `aud` (one of). For access tokens of an OAuth 2.0 authorization server: this API's
   * resource identifier (the RFC 8707 resource indicator the client asks the token for).
   */
  readonly audience?: string | readonly string[];
  /** Allowed clock skew for `exp`/`nbf`, in seconds. Default 0. */
  readonly clockTolerance?: number;
  /** Claims that must be present besides `exp` (which is always required). */
  readonly requiredClaims?: readonly string[];
  /**
   * Maps verified claims to a principal and may reject the token (e.g. a revoked `jti`).
   * Default: `{ id: sub, roles: roles, scopes: scope | scp, claims }`.
   */
  validate?(
    payload: JWTPayload,
    token: string,
    request: PlatformRequest,
  ): MaybePromise<ValidateResult>;
}

/**
 * Opaque access tokens checked at the authorization server's introspection endpoint (OAuth 2.0
 * Token Introspection, RFC 7662). The resource server authenticates as an OAuth client; an active
 * token's `sub` (else `client_id`) is the principal's id and its `scope` the scopes. Answers are
 * remembered by the verification cache until the token's `exp` (at most `cache.ttl`), refusals for
 * `cache.failureTtl`; an endpoint that cannot be used is a 503 with `Retry-After`.
 */
export interface TokenIntrospectionOptions {
  /** The introspection endpoint (`introspection_endpoint` of the server's metadata), http(s). */
  readonly url: string | URL;
  /** The resource server's client id at the authorization server. */
  readonly clientId: string;
  /** Its client secret. */
  readonly clientSecret: string;
  /**
   * How the client authenticates (RFC 6749 §2.3.1): `client_secret_basic` (HTTP Basic of the
   * form-urlencoded id and secret) or `client_secret_post` (both in the body). Default
   * `client_secret_basic`.
   */
  readonly authMethod?: 'client_secret_basic' | 'client_secret_post';
  /** Seconds to wait for the endpoint before answering 503. Default 5. */
  readonly timeout?: number;
  /** Accepted `iss` of the answer (one of); default: not checked. */
  readonly acceptedIssuers?: readonly string[];
  /** This API's identifier: the answer's `aud` must include it (or one of them); default: not checked. */
  readonly audience?: string | readonly string[];
}

/**
 * Options of the Bearer scheme (RFC 6750). Give exactly one of `jwt`, `introspection`, or
 * `validate` for opaque tokens.
 */
export interface BearerSchemeOptions {
  /**
   * Verify tokens as JWTs with jose: one set of options, or several to accept the tokens of several
   * issuers on this one scheme (e.g. the API's own HS256 tokens and an identity provider's, by
   * discovery), each entry with its own key source, `issuer`, `audience`, `algorithms`, checks and
   * `validate`. With several entries every entry needs an `issuer` (checked at start-up, as is an
   * issuer named by two entries): the token's `iss`, read before verification only to choose, picks
   * the one entry whose `issuer` equals it exactly, and that entry alone verifies the token. A
   * token of no configured issuer is `invalid_token` (401) without any key being tried; the keys of
   * one issuer are never tried for another.
   *
   * @example
   * jwt: [
   *   { secret: process.env.JWT_SECRET, issuer: 'my-api' },
   *   { discovery: true, issuer: 'https://login.example.com', audience: 'https://api.example.com', profile: 'rfc9068' },
   * ]
   */
  readonly jwt?: JwtVerificationOptions | readonly JwtVerificationOptions[];
  /** Check opaque tokens at the authorization server's introspection endpoint (RFC 7662). */
  readonly introspection?: TokenIntrospectionOptions;
  /** Checks an opaque token (when neither `jwt` nor `introspection` is given). */
  validate?(token: string, request: PlatformRequest): MaybePromise<ValidateResult>;
  /** Also accept `access_token` in the query string (RFC 6750 §2.3; discouraged). Default false. */
  readonly allowQuery?: boolean;
  /** Also accept `access_token` in a form-encoded body (RFC 6750 §2.2). Default false. */
  readonly allowBody?: boolean;
  /** Disclose the needed scopes in the `scope` attribute of a 403 challenge. Default false. */
  readonly discloseScopes?: boolean;
  /** OpenAPI `bearerFormat`; default `JWT` when `jwt` is set. */
  readonly bearerFormat?: string;
  /**
   * Also document the authorization server that issues the tokens, as OpenAPI `oauth2` (named
   * `bearerOAuth2`) and/or `openIdConnect` (named `bearerOidc`) security schemes, alternatives to
   * `bearer` on every route that accepts Bearer. Documentation only: verification is unchanged.
   */
  readonly oauth?: BearerOAuthOptions;
}

/**
 * Options of the DPoP scheme (RFC 9449): `Authorization: DPoP <token>` with a `DPoP` proof header.
 * The access token is a JWT verified like a Bearer one and must be bound to the proof's key
 * (`cnf.jkt`). Proof `jti`s are remembered in the module's `store` for `2 × iatWindow`.
 */
export interface DpopSchemeOptions {
  /** How access tokens are verified: the Bearer scheme's JWT options (every key source, discovery included). */
  readonly jwt: JwtVerificationOptions;
  /** Proof algorithms accepted (and announced in `algs`). Default `['ES256', 'RS256', 'EdDSA', 'PS256']`. */
  readonly algorithms?: readonly string[];
  /** Seconds a proof's `iat` may be from now, either way. Default 300. */
  readonly iatWindow?: number;
  /**
   * The public origin of this API (e.g. `https://api.example.com`) when a proxy stands in front of
   * it and the platform's trust-proxy setting is not used: `htu` is compared with this origin and
   * the request's path. Default: the protocol and host the platform reports.
   */
  readonly publicUrl?: string;
  /**
   * Require server-provided nonces in proofs (RFC 9449 §9); off when absent. A proof without
   * `nonce`, or with one that is not current, is refused `401` with
   * `DPoP algs="…", error="use_dpop_nonce", error_description="…"` and a `DPoP-Nonce` header
   * holding the nonce to use; the client signs a new proof with it and retries.
   */
  readonly nonce?: DpopNonceOptions;
}

/**
 * Server-provided DPoP nonces (RFC 9449 §9). They are derived without state: the nonce of each
 * time window of `rotation` seconds is an HMAC of the window's number under `secret`, so every
 * instance that shares the secret (and a clock kept in step, e.g. by NTP) issues and accepts the
 * same nonces with no store round trip, and nobody without the secret can compute a future one.
 * A proof's nonce is accepted while it is the current or the previous window's: a nonce handed
 * out stays valid between `rotation` and `2 × rotation` seconds. Successful responses carry no
 * `DPoP-Nonce`: a client learns the next nonce from the `401` its stale one gets.
 */
export interface DpopNonceOptions {
  /**
   * The HMAC key, at least 32 bytes (a string counts its UTF-8 bytes), the same on every instance;
   * checked at start-up. Changing it makes every outstanding nonce stale (one more `401` each).
   */
  readonly secret: string | Uint8Array;
  /** Seconds each nonce is the current one (it is accepted one window more). Default 300. */
  readonly rotation?: number;
}

/** An OAuth 2.0 flow documented for the Bearer scheme (OpenAPI Security Scheme Object `flows`). */
export type BearerOAuthFlow = 'authorizationCode' | 'clientCredentials';

/**
 * The authorization server behind the Bearer scheme, for the OpenAPI document and Swagger UI's
 * Authorize dialog. URLs are absolute `http(s)` URLs, checked at start-up.
 */
export interface BearerOAuthOptions {
  /** The authorization endpoint (needed by the `authorizationCode` flow). */
  readonly authorizationUrl?: string;
  /** The token endpoint (needed by every flow). */
  readonly tokenUrl?: string;
  /** The endpoint for refreshing tokens, when it differs from `tokenUrl`. */
  readonly refreshUrl?: string;
  /**
   * The flows of the `oauth2` scheme. Default: `authorizationCode` when `authorizationUrl` and
   * `tokenUrl` are given, and `clientCredentials` when `tokenUrl` is given.
   */
  readonly flows?: readonly BearerOAuthFlow[];
  /**
   * Scope descriptions. Every scope an `@Auth()` accepting Bearer requires is listed in each flow
   * anyway (with an empty description when not given here).
   */
  readonly scopes?: Readonly<Record<string, string>>;
  /** OpenID Connect discovery URL (`…/.well-known/openid-configuration`): adds the `openIdConnect` scheme. */
  readonly openIdConnectUrl?: string;
}

/** Where an API key may be sent. */
export type ApiKeyLocation = 'header' | 'query' | 'cookie';

/**
 * Options of the API-key scheme. Name each location the key may come from; with none given the
 * key is read from the `X-API-Key` header. Several locations may be enabled at once.
 */
export interface ApiKeySchemeOptions {
  /** Header name, e.g. `X-API-Key`. */
  readonly header?: string;
  /** Query parameter name, e.g. `api_key`. */
  readonly query?: string;
  /** Cookie name. */
  readonly cookie?: string;
  /** Looks the key up. Return a principal, or a falsy value for an unknown or revoked key. */
  validate(key: string, request: PlatformRequest): MaybePromise<ValidateResult>;
}

/** An OpenAPI Security Scheme Object, as @nestjs/swagger types it (kept structural here). */
export interface SecuritySchemeDefinition {
  readonly type: 'apiKey' | 'http' | 'oauth2' | 'openIdConnect' | 'mutualTLS';
  readonly [field: string]: unknown;
}

/**
 * Any other passport strategy, registered as an extra named scheme. The module runs the strategy
 * itself (no passport middleware), maps `success` to a principal, `fail` to 401 and `error` to the
 * error.
 */
export interface PassportSchemeOptions {
  /** The strategy instance, or the name it was registered under with passport (`PassportStrategy(S, 'name')`). */
  readonly strategy: Strategy | string;
  /** The challenge sent on 401, e.g. `Negotiate` or `Custom realm="api"`. */
  readonly challenge: string;
  /** Its OpenAPI security scheme. */
  readonly securityScheme: SecuritySchemeDefinition;
  /**
   * Whether the request carries credentials for this scheme. A failing request with credentials is
   * `credentials_invalid`, without them `credentials_missing`. Default: the strategy decides, and a
   * failure counts as missing credentials.
   */
  hasCredentials?(request: PlatformRequest): boolean;
  /** Options passed to the strategy's `authenticate(req, options)`. */
  readonly options?: Readonly<Record<string, unknown>>;
}

/** Options of the verification cache; see `VerificationCache`. */
export interface CacheOptions {
  /** Most entries kept. Default 10,000. */
  readonly max?: number;
  /** Longest an entry lives, in seconds (never past a JWT's `exp`). Default 60. */
  readonly ttl?: number;
  /** How long a rejected credential is remembered, in seconds; 0 turns that off. Default 10. */
  readonly failureTtl?: number;
}

/** Options of failed-attempt throttling (CONTRACT C-1: 429 with `Retry-After`). */
export interface ThrottleOptions {
  /** Failed authentications allowed per client and identity (e.g. Basic user-id) per window. Default 10. */
  readonly maxFailures?: number;
  /** Failed authentications allowed per client alone per window. Default 10 × `maxFailures`. */
  readonly maxFailuresPerClient?: number;
  /** The window, in seconds. Default 900. */
  readonly window?: number;
  /** Who the client is. Default: the address the platform reports (`request.ip`; set Express/Fastify `trustProxy` behind a proxy). */
  clientKey?(request: PlatformRequest): string;
}

/**
 * How microservice messages (`@MessagePattern`, `@EventPattern`) carry credentials. A message
 * handler covered by `@Auth()` or the `default` option is always enforced (docs/contract.md C-7);
 * without `credentials`, messages carry none and every covered handler is refused with
 * `credentials_missing`.
 */
export interface RpcOptions {
  /**
   * Finds header-like credentials in a message, by header name: e.g.
   * `(data) => ({ authorization: data?.authorization })`, or the transport's own headers (NATS,
   * RabbitMQ, Kafka and gRPC contexts have them). Names are case-insensitive; values that are not
   * strings are ignored.
   * @param data the message's payload, as the handler receives it
   * @param context the transport's context (`TcpContext`, `NatsContext`, …)
   */
  credentials?(data: unknown, context: unknown): Readonly<Record<string, unknown>> | undefined;
}

/** How a client may send a Bearer token: RFC 9728 §2 `bearer_methods_supported` (RFC 6750 §2.1–2.3). */
export type BearerMethod = 'header' | 'body' | 'query';

/**
 * OAuth 2.0 Protected Resource Metadata (RFC 9728): with this option the module serves the
 * resource's metadata document at `GET /.well-known/oauth-protected-resource` (and at the
 * path-suffixed form of RFC 9728 §3.1 when the resource has a path), to anyone and outside the
 * OpenAPI document, and every Bearer challenge names it in `resource_metadata` (RFC 9728 §5.1).
 * Needs the Bearer scheme. The field names follow the RFC's (`resource`, `authorization_servers`, …).
 */
export interface ResourceMetadataOptions {
  /**
   * The resource identifier (`resource`, RFC 9728 §1.2): an absolute `https` URL (`http` for
   * development) without query or fragment, e.g. `https://api.example.com` or
   * `https://api.example.com/v1`; its path may contain letters, digits and `- . _ ~` between slashes.
   */
  readonly resource: string;
  /** Issuer identifiers of the authorization servers whose tokens the resource accepts (`authorization_servers`). */
  readonly authorizationServers?: readonly string[];
  /**
   * `scopes_supported`. Default: every scope that an `@Auth()` accepting Bearer requires, over
   * all controller routes (left out when there is none).
   */
  readonly scopesSupported?: readonly string[];
  /**
   * `bearer_methods_supported`, each enabled in the Bearer options. Default: `header`, then `body`
   * with `bearer.allowBody` and `query` with `bearer.allowQuery`.
   */
  readonly bearerMethodsSupported?: readonly BearerMethod[];
  /** A human-readable name of the resource (`resource_name`). */
  readonly resourceName?: string;
  /** URL of the resource's human-readable documentation (`resource_documentation`). */
  readonly resourceDocumentation?: string;
  /** URL of the resource's policy on how clients may use its data (`resource_policy_uri`). */
  readonly resourcePolicyUri?: string;
  /** URL of the resource's terms of service (`resource_tos_uri`). */
  readonly resourceTosUri?: string;
}

/** Body format of error responses. */
export type ErrorFormat = 'json' | 'problem+json';

/** Options of `AuthModule.forRoot()`. */
export interface AuthModuleOptions {
  /** Realm sent in every challenge. Default `api`. */
  readonly realm?: string;
  /** Enables the Basic scheme, named `basic`. */
  readonly basic?: BasicSchemeOptions;
  /** Enables the Bearer scheme, named `bearer`. */
  readonly bearer?: BearerSchemeOptions;
  /** Enables the API-key scheme, named `apiKey`. */
  readonly apiKey?: ApiKeySchemeOptions;
  /** Enables the DPoP scheme (RFC 9449), named `dpop`. */
  readonly dpop?: DpopSchemeOptions;
  /** Extra passport schemes, by scheme name. */
  readonly schemes?: Readonly<Record<string, PassportSchemeOptions>>;
  /**
   * Schemes required on every route without `@Auth()` (any-of, same syntax as `@Auth()`).
   * Routes opt out with `@Public()`. Default: none (routes without `@Auth()` are open).
   */
  readonly default?: readonly SchemeRequirement[];
  /** Error body format. Default `json` (Nest's shape plus `code`). */
  readonly errorFormat?: ErrorFormat;
  /**
   * Remember successful verifications (keyed by a hash, bounded, timed), so that password hashes and
   * signature checks run once per credential and TTL. `false` turns it off. Default on:
   * `{ max: 10000, ttl: 60 }`. Call `VerificationCache.invalidate(id)` when a password changes or a
   * key or token is revoked.
   */
  readonly cache?: CacheOptions | false;
  /**
   * Throttle failed authentications: 429 with `Retry-After` after too many failures per client and
   * identity. Off unless given (`throttle: {}` turns it on with the defaults).
   */
  readonly throttle?: ThrottleOptions;
  /**
   * Where failure counters, token revocations and cache invalidations live. Default: a bounded
   * in-memory store (one instance). Several instances: `new RedisAuthStore(redis)`.
   */
  readonly store?: AuthStore;
  /** Added as `documentation_url` to error bodies (and as the base of problem `type` URIs). */
  readonly documentationUrl?: string;
  /** How microservice messages carry credentials (default: they carry none). */
  readonly rpc?: RpcOptions;
  /**
   * Serve OAuth 2.0 Protected Resource Metadata (RFC 9728) and name it in Bearer challenges
   * (`resource_metadata`). Off unless given.
   */
  readonly resourceMetadata?: ResourceMetadataOptions;
}

/** Re-exported for convenience in callbacks. */
export type { AuthPrincipal, JWTPayload };
