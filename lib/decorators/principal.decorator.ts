import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import { authContextOf } from '../core/request-auth-context.js';
import type {
  AuthContext as AuthContextValue,
  AuthPrincipal,
} from '../interfaces/auth-principal.interface.js';

/**
 * The authenticated {@link AuthPrincipal}, or `undefined` for an anonymous call on an optional route.
 * With a property name, that field of the principal: `@Principal('id') id: string`. Where this
 * module's guard did not run (e.g. `AuthGuard('basic')` of @nestjs/passport), passport's
 * `request.user` is used.
 */
export const Principal = createParamDecorator(
  (field: keyof AuthPrincipal | undefined, context: ExecutionContext): unknown => {
    // The first argument of an HTTP handler, as `switchToHttp().getRequest()` (which builds three
    // closures per call) would return it.
    const request = context.getArgByIndex<{ user?: AuthPrincipal }>(0);
    const principal = authContextOf(request)?.principal ?? request.user;
    return field === undefined ? principal : principal?.[field];
  },
);

/** The whole {@link AuthContextValue}: principal, deciding scheme, every principal of an all-of group. */
export const AuthContext = createParamDecorator(
  (_: unknown, context: ExecutionContext): AuthContextValue | undefined =>
    authContextOf(context.getArgByIndex<object>(0)),
);
