/** The HTTP platform the sample runs on. */
export type Adapter = 'express' | 'fastify';

/** The sample's settings, parsed and checked from the environment by `loadConfig()`. */
export interface SampleConfig {
  /** TCP port (`PORT`); 0 picks a free one. */
  readonly port: number;
  /** Bind address (`HOST`). */
  readonly host: string;
  /**
   * The sample's external base URL (`PUBLIC_URL`, default `http://HOST:PORT`): the resource
   * identifier of its protected resource metadata (RFC 9728), named in Bearer challenges.
   */
  readonly publicUrl: string;
  /** Nest platform (`ADAPTER`). */
  readonly adapter: Adapter;
  /** SQLite file, or `:memory:` (`SAMPLE_DB`). */
  readonly database: string;
  /** HS256 secret of issued access tokens (`JWT_SECRET`, at least 32 bytes). */
  readonly jwtSecret: string;
  /** Whether {@link jwtSecret} was generated at start-up (tokens die with the process). */
  readonly jwtSecretGenerated: boolean;
  /** Access token lifetime in seconds (`ACCESS_TOKEN_TTL`). */
  readonly accessTokenTtl: number;
  /** Refresh token lifetime in seconds (`REFRESH_TOKEN_TTL`). */
  readonly refreshTokenTtl: number;
  /** Realm of every challenge (`AUTH_REALM`). */
  readonly realm: string;
  /** Failed attempts per client and identity per window before 429 (`AUTH_MAX_FAILURES`). */
  readonly maxFailures: number;
  /** That window in seconds (`AUTH_FAILURE_WINDOW`). */
  readonly failureWindow: number;
  /** Shared store for several instances (`REDIS_URL`); unset: in memory (one instance). */
  readonly redisUrl: string | undefined;
  /** The one browser origin allowed to call the API cross-origin (`CORS_ORIGIN`); unset: no CORS. */
  readonly corsOrigin: string | undefined;
  /**
   * An OpenID Connect issuer whose RFC 9068 access tokens for {@link publicUrl} Bearer routes also
   * accept (`OIDC_ISSUER`); unset: only the sample's own tokens.
   */
  readonly oidcIssuer: string | undefined;
}
