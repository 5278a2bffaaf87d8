import { type CanActivate, type ExecutionContext, Injectable } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import {
  authContext,
  authenticate,
  denial,
  type Verify,
  withRouteSchemes,
} from '../core/authenticate.js';
import { CredentialVerifier } from '../core/credential-verifier.js';
import { AuthRoutesExplorer } from '../core/auth-routes.explorer.js';
import { onlyScheme, type RoutePlan } from '../core/route-plan.js';
import { attachAuthContext, authContextOf } from '../core/request-auth-context.js';
import type { AuthContext } from '../interfaces/auth-principal.interface.js';

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
  /** Whether contexts go on the request objects (not on Express: see `attachAuthContext`). */
  private contextOnRequest: boolean | undefined;

  constructor(
    private readonly routes: AuthRoutesExplorer,
    private readonly verifier: CredentialVerifier,
    private readonly adapterHost: HttpAdapterHost,
  ) {
    this.verify = (scheme, credentials, request) =>
      this.verifier.verify(scheme, credentials, request);
  }

  /**
   * `true`, a promise of `true`, or a promise rejected with the error to answer. What can be decided
   * at once is answered at once: an open route, and a route of one scheme whose credential the
   * verification cache remembers (most requests), without a promise for Nest to wait on. Failures
   * are rejected promises, never `throw`s: in Node every `throw` also records where it happened, a
   * few µs per 401.
   */
  canActivate(context: ExecutionContext): boolean | Promise<boolean> {
    try {
      if (context.getType() !== 'http') return true;
      const plan = this.plan(context.getClass(), context.getHandler());
      if (plan === null) return true;
      // The request is the first argument of an HTTP handler (what `switchToHttp().getRequest()`
      // returns, without the three closures it builds per call).
      const request = context.getArgByIndex<object>(0);
      if (authContextOf(request)) return true;
      const scheme = onlyScheme(plan);
      if (scheme !== undefined) {
        const verdict = this.verifier.recall(scheme, request);
        if (verdict !== undefined) {
          return verdict.error === undefined
            ? this.admit(plan, request, authContext(plan, scheme, verdict.principal))
            : Promise.reject(withRouteSchemes(verdict.error, plan));
        }
      }
      return authenticate(plan, request, this.verify).then(
        (auth) => this.admit(plan, request, auth),
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
    this.contextOnRequest ??= this.adapterHost.httpAdapter?.getType() !== 'express';
    attachAuthContext(request, auth, this.contextOnRequest);
    (request as { user?: unknown }).user = auth.principal;
  }

  /** The route's plan: the one the OpenAPI document is derived from (planned once per route). */
  protected plan(controller: Function, handler: Function): RoutePlan | null {
    return this.routes.plan(controller, handler);
  }

  /** `true` once the context is attached, or the 403 of principals that lack a role or scope. */
  private admit(plan: RoutePlan, request: object, auth: AuthContext): true | Promise<never> {
    const denied = denial(plan, auth);
    if (denied) return Promise.reject(denied);
    this.attach(request, auth);
    return true;
  }
}
