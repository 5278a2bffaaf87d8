import { AuthenticationError, withoutStack } from '../errors/auth.error.js';
import type { PlatformRequest } from '../interfaces/auth-options.interface.js';
import type { AuthContext, AuthPrincipal } from '../interfaces/auth-principal.interface.js';
import { anonymous, authContext, RouteAuthContext } from './route-auth-context.js';
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
 * CONTRACT C-5, with OpenAPI's security requirement semantics (OR of alternatives, AND within a
 * group): the first alternative, in declared order, whose credentials are all present decides, and
 * every scheme of it must verify: a present but invalid credential fails the request and never falls
 * through to a later alternative. A credential that is malformed fails the request as soon as it is
 * read. When no alternative is complete: a partly present group is `credentials_missing` for its
 * first missing scheme; with nothing present an optional route is anonymous and any other route is
 * `credentials_missing` (naming the route's schemes, for one challenge each).
 *
 * This runs on every request of a protected route, so the common case (one scheme) takes a path
 * without intermediate arrays, maps or `Promise.all`, and failures are rejected promises, never
 * `throw`s (see docs/architecture.md).
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
 * route and never mutated (see docs/architecture.md).
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
