/** Stable, machine-readable reasons of an authentication failure (CONTRACT C-4). */
export type AuthenticationErrorCode =
  | 'credentials_missing'
  | 'credentials_invalid'
  | 'token_expired'
  | 'token_invalid'
  | 'invalid_request';

/** Every code that an error of this module carries in its body. */
export type AuthErrorCode =
  AuthenticationErrorCode | 'insufficient_scope' | 'too_many_attempts' | 'service_unavailable';

/** The human sentence sent as `message` for each code. Never contains a credential. */
export const AUTH_ERROR_MESSAGES: Readonly<Record<AuthErrorCode, string>> = {
  credentials_missing: 'Authentication is required to access this resource.',
  credentials_invalid: 'The credentials provided are invalid.',
  token_expired: 'The access token expired.',
  token_invalid: 'The access token is invalid.',
  invalid_request: 'The request carries credentials in a way that is not allowed.',
  insufficient_scope: 'The authenticated principal is not allowed to access this resource.',
  too_many_attempts: 'Too many failed authentication attempts. Try again later.',
  service_unavailable: 'Authentication is temporarily unavailable. Try again later.',
};
