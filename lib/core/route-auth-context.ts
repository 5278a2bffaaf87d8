import type { AuthContext, AuthPrincipal } from '../interfaces/auth-principal.interface.js';
import type { AuthScheme } from '../schemes/auth-scheme.js';
import type { RoutePlan } from './route-plan.js';

/**
 * The {@link AuthContext} of a request, which also knows the schemes its route accepts, so that an
 * authentication error the application throws later is still challenged for exactly those schemes
 * (CONTRACT C-2). They are a private field: the application sees the three public fields only, and
 * the request carries no extra property for them (what a property of a request costs: see
 * `attachAuthContext`).
 */
export class RouteAuthContext implements AuthContext {
  readonly #routeSchemes: readonly string[];

  constructor(
    readonly principal: AuthPrincipal | undefined,
    readonly scheme: string | undefined,
    readonly principals: Readonly<Record<string, AuthPrincipal>>,
    plan: RoutePlan,
  ) {
    this.#routeSchemes = plan.schemeNames;
  }

  static routeSchemesOf(context: AuthContext | undefined): readonly string[] | undefined {
    return context instanceof RouteAuthContext ? context.#routeSchemes : undefined;
  }
}

/** The schemes accepted by the route on which {@link authenticate} established a context. */
export function routeSchemesOf(context: AuthContext | undefined): readonly string[] | undefined {
  return RouteAuthContext.routeSchemesOf(context);
}

/** The context of a request that one scheme authenticated on a route. */
export function authContext(
  plan: RoutePlan,
  scheme: AuthScheme,
  principal: AuthPrincipal,
): AuthContext {
  return new RouteAuthContext(principal, scheme.name, { [scheme.name]: principal }, plan);
}

/** The anonymous context of each optional route: built once, frozen, shared by its requests. */
const anonymousContexts = new WeakMap<RoutePlan, AuthContext>();

/** The context of an anonymous call on an optional route. */
export function anonymous(plan: RoutePlan): AuthContext {
  let context = anonymousContexts.get(plan);
  if (!context) {
    context = Object.freeze(new RouteAuthContext(undefined, undefined, Object.freeze({}), plan));
    anonymousContexts.set(plan, context);
  }
  return context;
}
