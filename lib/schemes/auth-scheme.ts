import type { CacheableCredential } from '../cache/verification-cache.js';
import type { AuthenticationError } from '../errors/auth.error.js';
import type {
  PlatformRequest,
  SecuritySchemeDefinition,
} from '../interfaces/auth-options.interface.js';
import type { AuthPrincipal } from '../interfaces/auth-principal.interface.js';

/**
 * One authentication scheme as the guard drives it: a cheap synchronous look for credentials, then
 * an asynchronous verification. Built-in schemes are also passport strategies (registered under
 * their name), but the guard calls these methods directly and skips passport's middleware.
 */
export interface AuthScheme<TCredentials = unknown> {
  /** The scheme's name, as used in `@Auth()` and as the OpenAPI security scheme name. */
  readonly name: string;

  /**
   * Finds this scheme's credentials in the request. Returns `undefined` when there are none (the
   * next alternative may decide); throws an {@link AuthenticationError} when they are present but
   * malformed (`credentials_invalid`, `token_invalid`, `invalid_request`).
   */
  read(request: PlatformRequest): TCredentials | undefined;

  /** Verifies credentials found by {@link read}; throws an {@link AuthenticationError} when they are not valid. */
  verify(credentials: TCredentials, request: PlatformRequest): Promise<AuthPrincipal>;

  /**
   * The `WWW-Authenticate` challenges of this scheme (usually one), for a 401 or 400.
   * @param error the failure, when this scheme's credential was the one that failed
   */
  challenges(error?: AuthenticationError): readonly string[];

  /** The challenge for a 403 of a principal this scheme authenticated, if the scheme has one. */
  forbiddenChallenge?(scopes: readonly string[]): string | undefined;

  /**
   * What the verification cache may remember of these credentials; `undefined` (or no method) when
   * verifications of this scheme must not be cached.
   */
  cacheable?(credentials: TCredentials): CacheableCredential | undefined;

  /** Who the credentials claim to be (e.g. the Basic user-id), for failed-attempt throttling. */
  identity?(credentials: TCredentials): string | undefined;

  /** OpenAPI security schemes, by name: usually one, named like the scheme. */
  securitySchemes(): Readonly<Record<string, SecuritySchemeDefinition>>;
}
