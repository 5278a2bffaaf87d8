import { AuthenticationError } from '../errors/auth.error.js';
import type { PlatformRequest } from '../interfaces/auth-options.interface.js';
import type { AuthPrincipal } from '../interfaces/auth-principal.interface.js';
import type { AuthScheme } from './auth-scheme.js';

/** The actions passport adds to a strategy while it authenticates a request. */
export interface PassportActions {
  success(user: AuthPrincipal): void;
  fail(challenge: string, status: number): void;
  error(err: unknown): void;
}

/**
 * Runs a built-in scheme as a passport strategy (`authenticate(req)`), so that
 * `AuthGuard('basic')` of @nestjs/passport or `passport.authenticate('basic')` parse and verify
 * exactly as this module's guard does (CONTRACT C-3), including the challenge on failure.
 */
export function authenticateAsPassport(
  strategy: PassportActions,
  scheme: AuthScheme,
  request: PlatformRequest,
): void {
  const fail = (error: AuthenticationError): void =>
    strategy.fail(scheme.challenges(error)[0] ?? scheme.name, error.getStatus());
  const settle = (err: unknown): void =>
    err instanceof AuthenticationError ? fail(err) : strategy.error(err);
  let credentials: unknown;
  try {
    credentials = scheme.read(request);
  } catch (err) {
    return settle(err);
  }
  if (credentials === undefined)
    return fail(new AuthenticationError('credentials_missing', { scheme: scheme.name }));
  scheme.verify(credentials, request).then((principal) => strategy.success(principal), settle);
}
