import {
  type CanActivate,
  type ExecutionContext,
  Inject,
  Injectable,
  Logger,
} from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { AUTH_CONFIG } from '../auth.constants.js';
import { authenticate } from '../core/authenticate.js';
import { denial } from '../core/authorization.js';
import { withRouteSchemes } from '../core/route-errors.js';
import { CredentialVerifier } from '../core/credential-verifier.js';
import { AuthRoutesExplorer } from '../core/auth-routes.explorer.js';
import type { RoutePlan } from '../core/route-plan.js';
import { attachAuthContext, authContextOf } from '../core/request-auth-context.js';
import type { AuthContext } from '../interfaces/auth-principal.interface.js';
import type { ResolvedAuthOptions } from '../options/resolve-options.js';
import { rememberCallContext } from '../transports/call-auth-context.js';
import { callRequest, isKnownTransport } from '../transports/call-request.js';
import { transportRequest } from '../transports/transport-request.js';
import { unsupportedTransport } from '../transports/unsupported-transport.js';

/**
 * The one guard of the module, registered globally by `AuthModule` (and usable with `@UseGuards`,
 * where it runs once per request). It enforces the route's `@Auth()` declaration (docs/contract.md
 * C-5) on every transport (C-7): HTTP, GraphQL, WebSocket gateways and microservices; a context type
 * it cannot read credentials from is denied. It never returns `false`: failures reject with
 * `AuthenticationError` (401/400) or `AuthorizationError` (403), which the module's filter answers
 * in the transport's own terms.
 */
@Injectable()
export class AuthGuard implements CanActivate {
  /** Whether contexts go on the request objects (not on Express: see `attachAuthContext`). */
  private contextOnRequest: boolean | undefined;

  /** Handlers already logged as called through a context type the guard cannot read. */
  private readonly loggedUnsupported = new WeakSet<Function>();
  private readonly logger = new Logger('AuthGuard');

  /** @internal Created by Nest. */
  constructor(
    private readonly routes: AuthRoutesExplorer,
    private readonly verifier: CredentialVerifier,
    private readonly adapterHost: HttpAdapterHost,
    @Inject(AUTH_CONFIG) private readonly config: ResolvedAuthOptions,
  ) {}

  /**
   * `true`, a promise of `true`, or a promise rejected with the error to answer. What can be decided
   * at once is answered at once, whatever the route's shape: an open route, and a route whose
   * deciding credentials the verification cache remembers (most requests), without a promise for
   * Nest to wait on. Failures are rejected promises, never `throw`s (the hot-path rules:
   * docs/architecture.md).
   */
  canActivate(context: ExecutionContext): boolean | Promise<boolean> {
    try {
      const type = context.getType<string>();
      if (type !== 'http') return this.activateCall(type, context);
      const plan = this.plan(context.getClass(), context.getHandler());
      if (plan === null) return true;
      // The request is the first argument of an HTTP handler (no `switchToHttp()`: see
      // docs/architecture.md).
      const request = context.getArgByIndex<object>(0);
      if (authContextOf(request)) return true;
      const auth = authenticate(plan, request, this.verifier);
      if (!(auth instanceof Promise)) return this.admit(plan, request, auth);
      return auth.then(
        (verified) => this.admit(plan, request, verified),
        (error: unknown) => Promise.reject(withRouteSchemes(error, plan)),
      );
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /**
   * A call of another transport (C-7): the plan of its handler, enforced on the credentials the
   * call carries (see `callRequest`). A call that carries none is treated like a request that
   * sent none; a context type the guard does not know is denied, and logged once per handler.
   */
  private activateCall(type: string, context: ExecutionContext): true | Promise<boolean> {
    const handler = context.getHandler();
    const plan = this.plan(context.getClass(), handler);
    if (plan === null) return true;
    if (!isKnownTransport(type)) {
      if (!this.loggedUnsupported.has(handler)) {
        this.loggedUnsupported.add(handler);
        this.logger.error(unsupportedTransport(type, context).message);
      }
      return Promise.reject(unsupportedTransport(type, context));
    }
    const request =
      callRequest(type, context, this.config.rpc) ??
      transportRequest(type, [], undefined, undefined);
    const admit = (auth: AuthContext): true | Promise<never> => {
      const denied = denial(plan, auth);
      if (denied) return Promise.reject(denied);
      rememberCallContext(context, auth);
      return true;
    };
    const auth = authenticate(plan, request, this.verifier);
    if (!(auth instanceof Promise)) return admit(auth);
    return auth.then(admit, (error: unknown) => Promise.reject(withRouteSchemes(error, plan)));
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

  /**
   * The route's plan: the one the OpenAPI document is derived from (planned once per route).
   * @internal
   */
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
