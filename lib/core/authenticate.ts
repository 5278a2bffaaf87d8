import { AuthenticationError, AuthorizationError, withoutStack } from '../errors/auth.error.js';
import type { PlatformRequest } from '../interfaces/auth-options.interface.js';
import type { AuthContext, AuthPrincipal } from '../interfaces/auth-principal.interface.js';
import type { AuthScheme } from '../schemes/auth-scheme.js';
import { onlyScheme, type RoutePlan } from './route-plan.js';

/**
 * Verifies one scheme's credentials (directly, or through the verification cache). The request is
 * passed along, so that a caller can hand over one function for every request instead of a
 * closure per request.
 */
export type Verify = (
  scheme: AuthScheme,
  credentials: unknown,
  request: PlatformRequest,
) => Promise<AuthPrincipal>;

const verifyDirectly: Verify = (scheme, credentials, request) =>
  scheme.verify(credentials, request);

/**
 * The {@link AuthContext} of a request, which also knows the schemes its route accepts, so that an
 * authentication error the application throws later is still challenged for exactly those schemes
 * (CONTRACT C-2). They are a private field: the application sees the three public fields only, and
 * the request carries no extra property for them (what a property of a request costs: see
 * `attachAuthContext`).
 */
class RouteAuthContext implements AuthContext {
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

/** The context of an anonymous call on an optional route. */
function anonymous(plan: RoutePlan): AuthContext {
  return new RouteAuthContext(undefined, undefined, {}, plan);
}

/**
 * CONTRACT C-5, with OpenAPI's security requirement semantics (OR of alternatives, AND within a
 * group): the first alternative, in declared order, whose credentials are all present decides, and
 * every scheme of it must verify: a present but invalid credential fails the request and never falls
 * through to a later alternative. A credential that is malformed fails the request as soon as it is
 * read. When no alternative is complete: a partly present group is `credentials_missing` for its
 * first missing scheme; with nothing present an optional route is anonymous and any other route is
 * `credentials_missing` (naming the route's schemes, for one challenge each).
 *
 * This runs on every request of a protected route, so the common case (one scheme) takes a path
 * without intermediate arrays, maps or `Promise.all`, and failures are rejected promises rather
 * than `throw`s: in Node every `throw` also walks the stack to record where it happened (a few
 * µs when the frame is optimised), which a 401 should not pay.
 */
export function authenticate(
  plan: RoutePlan,
  request: PlatformRequest,
  verify: Verify = verifyDirectly,
): Promise<AuthContext> {
  try {
    const scheme = onlyScheme(plan);
    if (scheme === undefined) return authenticateAny(plan, request, verify);
    const credentials = scheme.read(request);
    if (credentials !== undefined) {
      return verify(scheme, credentials, request).then((principal) =>
        authContext(plan, scheme, principal),
      );
    }
    if (plan.requirement.optional) return Promise.resolve(anonymous(plan));
    return Promise.reject(nothingSent(plan));
  } catch (error) {
    // A malformed credential (read() throws).
    return Promise.reject(error);
  }
}

/** {@link authenticate} for routes with several alternatives or all-of groups. */
function authenticateAny(
  plan: RoutePlan,
  request: PlatformRequest,
  verify: Verify,
): Promise<AuthContext> {
  // A scheme may appear in several alternatives: its credentials are read once.
  const found = new Map<AuthScheme, unknown>();
  const read = (scheme: AuthScheme): unknown => {
    if (!found.has(scheme)) found.set(scheme, scheme.read(request));
    return found.get(scheme);
  };
  let firstMissing: AuthScheme | undefined;
  for (const group of plan.groups) {
    const credentials = group.map(read);
    const absent = credentials.indexOf(undefined);
    if (absent === -1) return verifyGroup(plan, group, credentials, request, verify);
    if (firstMissing === undefined && credentials.some((c) => c !== undefined)) {
      firstMissing = group[absent];
    }
  }
  if (firstMissing === undefined && plan.requirement.optional) {
    return Promise.resolve(anonymous(plan));
  }
  return Promise.reject(firstMissing ? missing(plan, firstMissing) : nothingSent(plan));
}

/**
 * The `credentials_missing` error of each route for a request that sent nothing, built once per
 * route: errors are never changed after they are built, and building one costs about 1 µs.
 */
const nothingSentErrors = new WeakMap<RoutePlan, AuthenticationError>();

function nothingSent(plan: RoutePlan): AuthenticationError {
  let error = nothingSentErrors.get(plan);
  if (!error) nothingSentErrors.set(plan, (error = missing(plan, undefined)));
  return error;
}

function missing(plan: RoutePlan, scheme: AuthScheme | undefined): AuthenticationError {
  return withoutStack(
    () =>
      new AuthenticationError('credentials_missing', {
        scheme: scheme?.name,
        schemes: plan.schemeNames,
      }),
  );
}

async function verifyGroup(
  plan: RoutePlan,
  group: readonly AuthScheme[],
  credentials: readonly unknown[],
  request: PlatformRequest,
  verify: Verify,
): Promise<AuthContext> {
  const first = group[0]!;
  if (group.length === 1) {
    return authContext(plan, first, await verify(first, credentials[0], request));
  }
  const verified = await Promise.all(
    group.map((scheme, i) => verify(scheme, credentials[i], request)),
  );
  const principals: Record<string, AuthPrincipal> = {};
  for (let i = 0; i < group.length; i++) principals[group[i]!.name] = verified[i]!;
  return new RouteAuthContext(verified[0], first.name, principals, plan);
}

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

/**
 * Copies of errors that name a route's schemes, by original error and route: a remembered
 * rejection (the verification cache answers a repeated wrong credential with the same error) is
 * copied once per route, not once per request (an error costs about 1 µs to build).
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
