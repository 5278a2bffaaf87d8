/** Invalid options or `@Auth()` declarations, reported at start-up instead of as a 500 later. */
export class AuthConfigurationError extends Error {
  override readonly name = 'AuthConfigurationError';

  constructor(message: string) {
    super(`nest-http-auth: ${message}`);
  }
}
