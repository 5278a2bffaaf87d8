import type { AuthPrincipal } from 'nest-http-auth';

/**
 * The principal every scheme of the sample returns: `id` and `username` are the user's name (for an
 * API key: its owner's), `roles` the user's roles.
 */
export interface SamplePrincipal extends AuthPrincipal {
  readonly username: string;
  readonly roles: readonly string[];
  /** API keys: the key's scopes. */
  readonly scopes?: readonly string[];
  /** Bearer: the access token's `jti` and `exp`, for logout. */
  readonly tokenId?: string;
  readonly tokenExpiresAt?: number;
}
