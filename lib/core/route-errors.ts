import { AuthenticationError } from '../errors/auth.error.js';
import type { RoutePlan } from './route-plan.js';

/**
 * Copies of errors that name a route's schemes, by original error and route: a remembered
 * rejection (the verification cache answers a repeated wrong credential with the same error) is
 * copied once per route, not once per request (errors are never mutated once built: see
 * docs/architecture.md).
 */
const withSchemesCopies = new WeakMap<
  AuthenticationError,
  WeakMap<readonly string[], AuthenticationError>
>();

/** Adds the route's accepted schemes to an authentication error, so the filter can challenge for each. */
export function withRouteSchemes(error: unknown, plan: RoutePlan): unknown {
  if (!(error instanceof AuthenticationError) || error.schemes.length > 0) return error;
  let byRoute = withSchemesCopies.get(error);
  if (!byRoute) withSchemesCopies.set(error, (byRoute = new WeakMap()));
  let copy = byRoute.get(plan.schemeNames);
  if (!copy) byRoute.set(plan.schemeNames, (copy = error.withSchemes(plan.schemeNames)));
  return copy;
}
