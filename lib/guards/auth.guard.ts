import { type CanActivate, type ExecutionContext, Injectable } from '@nestjs/common';
import { AUTH_CONTEXT } from '../auth.constants.js';
import { authenticate, denial, type Verify, withRouteSchemes } from '../core/authenticate.js';
import { CredentialVerifier } from '../core/credential-verifier.js';
import { AuthRoutesExplorer } from '../core/auth-routes.explorer.js';
import type { RoutePlan } from '../core/route-plan.js';
import { authContextOf } from '../decorators/principal.decorator.js';
import type { AuthContext } from '../interfaces/auth-principal.interface.js';

/** What `canActivate` answers for open routes: one promise, already resolved. */
const ALLOWED: Promise<boolean> = Promise.resolve(true);

/**
 * The one guard of the module, registered globally by `AuthModule` (and usable with `@UseGuards`,
 * where it runs once per request). It enforces the route's `@Auth()` declaration per CONTRACT C-5
 * and never returns `false`: failures reject with `AuthenticationError` (401/400) or
 * `AuthorizationError` (403), which the module's filter turns into challenges and bodies.
 */
@Injectable()
export class AuthGuard implements CanActivate {
  /** One verification function for every request (not a closure per request). */
  private readonly verify: Verify;

  constructor(
    private readonly routes: AuthRoutesExplorer,
    private readonly verifier: CredentialVerifier,
  ) {
    this.verify = (scheme, credentials, request) =>
      this.verifier.verify(scheme, credentials, request);
  }

  /**
   * Resolves to `true` or rejects with the error to answer. Written without `async`, `await` and
   * `throw`: a failure is a rejected promise (in Node every `throw` also records where it happened,
   * a few µs per 401), and an open route gets an already resolved promise.
   */
  canActivate(context: ExecutionContext): Promise<boolean> {
    try {
      if (context.getType() !== 'http') return ALLOWED;
      const plan = this.plan(context.getClass(), context.getHandler());
      if (plan === null) return ALLOWED;
      // The request is the first argument of an HTTP handler (what `switchToHttp().getRequest()`
      // returns, without the three closures it builds per call).
      const request = context.getArgByIndex<object>(0);
      if (authContextOf(request)) return ALLOWED;
      return authenticate(plan, request, this.verify).then(
        (auth) => {
          const denied = denial(plan, auth);
          if (denied) return Promise.reject(denied);
          this.attach(request, auth);
          return true;
        },
        (error: unknown) => Promise.reject(withRouteSchemes(error, plan)),
      );
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /**
   * Stores the result where `@Principal()` and `@AuthContext()` read it, and as passport's
   * `request.user`. The context also knows the route's schemes, with which the filter challenges
   * authentication errors the application throws later (CONTRACT C-2).
   */
  protected attach(request: object, auth: AuthContext): void {
    (request as Record<symbol, unknown>)[AUTH_CONTEXT] = auth;
    (request as { user?: unknown }).user = auth.principal;
  }

  /** The route's plan: the one the OpenAPI document is derived from (planned once per route). */
  protected plan(controller: Function, handler: Function): RoutePlan | null {
    return this.routes.plan(controller, handler);
  }
}
