import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import { authContextOf } from '../core/request-auth-context.js';
import type {
  AuthContext as AuthContextValue,
  AuthPrincipal,
} from '../interfaces/auth-principal.interface.js';
import { callContextOf } from '../transports/call-auth-context.js';

/** The auth context of a call: an HTTP request's, or one the guard kept for another transport. */
function contextOf(context: ExecutionContext): AuthContextValue | undefined {
  // The request is the HTTP handler's first argument (no `switchToHttp()`: see
  // docs/architecture.md).
  if (context.getType() === 'http') return authContextOf(context.getArgByIndex<object>(0));
  return callContextOf(context);
}

/**
 * The authenticated {@link AuthPrincipal}, or `undefined` for an anonymous call on an optional route.
 * With a property name, that field of the principal: `@Principal('id') id: string`. Works in
 * controllers, resolvers, gateways and message handlers. Where this module's guard did not run on an
 * HTTP request (e.g. `AuthGuard('basic')` of @nestjs/passport), passport's `request.user` is used.
 */
export const Principal = createParamDecorator(
  (field: keyof AuthPrincipal | undefined, context: ExecutionContext): unknown => {
    let principal = contextOf(context)?.principal;
    if (principal === undefined && context.getType() === 'http') {
      principal = context.getArgByIndex<{ user?: AuthPrincipal }>(0).user;
    }
    return field === undefined ? principal : principal?.[field];
  },
);

/**
 * The whole {@link AuthContextValue} of the call (`@CurrentAuth() auth: AuthContext`): principal,
 * deciding scheme, every principal of an all-of group; `undefined` for an anonymous call on an
 * optional route.
 */
export const CurrentAuth = createParamDecorator(
  (_: unknown, context: ExecutionContext): AuthContextValue | undefined => contextOf(context),
);
