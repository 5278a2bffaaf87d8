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
   * The credential exactly as the client sent it (e.g. the token68 of `Authorization: Basic`),
   * found without decoding or checking it: `undefined` exactly when {@link read} finds nothing, and
   * `null` when something is there that only `read()` can judge (e.g. a parameter sent twice). The
   * guard decides which alternative of a route applies from this, and the verification cache
   * remembers verdicts under a keyed hash of the string, so a repeated credential costs one hash and
   * one lookup and is never parsed. What `read()` makes of a request must follow from this string
   * alone. Without this method, the guard calls `read()` and verifications are not cached.
   */
  credential?(request: PlatformRequest): string | null | undefined;

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

  /**
   * A response header that goes with this scheme's own 401 or 400 on HTTP, besides the challenge
   * (DPoP's `DPoP-Nonce`); asked for each such response, so its value may change over time.
   */
  errorHeader?(error: AuthenticationError): readonly [name: string, value: string] | undefined;

  /** The challenge for a 403 of a principal this scheme authenticated, if the scheme has one. */
  forbiddenChallenge?(scopes: readonly string[]): string | undefined;

  /**
   * When verified credentials stop being valid, in ms since the epoch (a JWT's `exp`): the cache
   * forgets them then at the latest. Asked only after a successful verification.
   * @param principal the principal the verification established (e.g. an introspection answer's `exp`)
   */
  expiresAt?(credentials: TCredentials, principal?: AuthPrincipal): number | undefined;

  /** Who the credentials claim to be (e.g. the Basic user-id), for failed-attempt throttling. */
  identity?(credentials: TCredentials): string | undefined;

  /**
   * Whether verifying depends on a service that can be unreachable (a JSON Web Key Set, an
   * introspection endpoint), answered with 503: the OpenAPI document then lists that response.
   */
  readonly remote?: boolean;

  /** OpenAPI security schemes, by name: usually one, named like the scheme. */
  securitySchemes(): Readonly<Record<string, SecuritySchemeDefinition>>;
}
