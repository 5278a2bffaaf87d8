import { AuthorizationError, withoutStack } from '../errors/auth.error.js';
import type { AuthContext, AuthPrincipal } from '../interfaces/auth-principal.interface.js';
import type { RoutePlan } from './route-plan.js';

/** Whether a principal holds a role (or scope); a single value instead of a list counts as one item. */
function holds(principal: AuthPrincipal, field: 'roles' | 'scopes', item: string): boolean {
  const held: unknown = principal[field];
  if (held === undefined || held === null) return false;
  return Array.isArray(held) ? held.includes(item) : held === item;
}

/** Whether the principals hold, between them, every required role (or scope). */
function holdsAll(
  required: readonly string[],
  principals: readonly AuthPrincipal[],
  field: 'roles' | 'scopes',
): boolean {
  for (const item of required) {
    if (!principals.some((principal) => holds(principal, field, item))) return false;
  }
  return true;
}

/**
 * The 403 of a request whose principals lack a role or scope the route requires (counting
 * everything they hold between them), or `undefined` when they hold all of them.
 */
export function denial(plan: RoutePlan, context: AuthContext): AuthorizationError | undefined {
  const { roles, scopes } = plan.requirement;
  if ((roles.length === 0 && scopes.length === 0) || context.principal === undefined) return;
  const principals = Object.values(context.principals);
  if (holdsAll(roles, principals, 'roles') && holdsAll(scopes, principals, 'scopes')) return;
  return withoutStack(
    () =>
      new AuthorizationError({
        scheme: context.scheme,
        schemes: Object.keys(context.principals),
        roles,
        scopes,
      }),
  );
}
