import { AUTH_CONTEXT } from '../auth.constants.js';
import type { AuthContext } from '../interfaces/auth-principal.interface.js';

/** Contexts kept beside their requests instead of on them (see {@link attachAuthContext}). */
const besideRequests = new WeakMap<object, AuthContext>();

/** The {@link AuthContext} the guard attached to a request, if it ran. */
export function authContextOf(request: object): AuthContext | undefined {
  return (request as { [AUTH_CONTEXT]?: AuthContext })[AUTH_CONTEXT] ?? besideRequests.get(request);
}

/**
 * Attaches a request's {@link AuthContext}, where {@link authContextOf} finds it: as a (symbol)
 * property of the request, or in a `WeakMap` beside it. Which is cheaper depends on the platform: a
 * property on Fastify, a `WeakMap` entry on Express, where every property added to a request gives
 * it a new V8 hidden class (see docs/performance.md).
 * @param onRequest whether to store it on the request (else beside it)
 */
export function attachAuthContext(request: object, context: AuthContext, onRequest: boolean): void {
  if (onRequest) (request as { [AUTH_CONTEXT]?: AuthContext })[AUTH_CONTEXT] = context;
  else besideRequests.set(request, context);
}
