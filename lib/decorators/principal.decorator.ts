import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import { AUTH_CONTEXT } from '../auth.constants.js';
import type {
  AuthContext as AuthContextValue,
  AuthPrincipal,
} from '../interfaces/auth-principal.interface.js';

/** The {@link AuthContextValue} the guard stored on the request, if it ran. */
export function authContextOf(request: object): AuthContextValue | undefined {
  return (request as { [AUTH_CONTEXT]?: AuthContextValue })[AUTH_CONTEXT];
}

/**
 * The authenticated {@link AuthPrincipal}, or `undefined` for an anonymous call on an optional route.
 * With a property name, that field of the principal: `@Principal('id') id: string`. Where this
 * module's guard did not run (e.g. `AuthGuard('basic')` of @nestjs/passport), passport's
 * `request.user` is used.
 */
export const Principal = createParamDecorator(
  (field: keyof AuthPrincipal | undefined, context: ExecutionContext): unknown => {
    const request = context.switchToHttp().getRequest<{ user?: AuthPrincipal }>();
    const principal = authContextOf(request)?.principal ?? request.user;
    return field === undefined ? principal : principal?.[field];
  },
);

/** The whole {@link AuthContextValue}: principal, deciding scheme, every principal of an all-of group. */
export const AuthContext = createParamDecorator(
  (_: unknown, context: ExecutionContext): AuthContextValue | undefined =>
    authContextOf(context.switchToHttp().getRequest<object>()),
);
