/** The answer of `POST /auth/token` and `POST /auth/refresh` (the OAuth 2.0 token response's field names). */
export interface TokenPair {
  readonly access_token: string;
  readonly token_type: 'Bearer';
  /** Seconds until the access token expires. */
  readonly expires_in: number;
  /** Single use: `POST /auth/refresh` exchanges it for a new pair. */
  readonly refresh_token: string;
}
