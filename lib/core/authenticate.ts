import { AuthenticationError, AuthorizationError, withoutStack } from '../errors/auth.error.js';
import type { PlatformRequest } from '../interfaces/auth-options.interface.js';
import type { AuthContext, AuthPrincipal } from '../interfaces/auth-principal.interface.js';
import type { AuthScheme } from '../schemes/auth-scheme.js';
import type { RoutePlan } from './route-plan.js';

/** Verifies one scheme's credentials (directly, or through the verification cache). */
export type Verify = (scheme: AuthScheme, credentials: unknown) => Promise<AuthPrincipal>;

const ANONYMOUS: AuthContext = Object.freeze({
  principal: undefined,
  scheme: undefined,
  principals: Object.freeze({}),
});

/**
 * CONTRACT C-5, with OpenAPI's security requirement semantics (OR of alternatives, AND within a
 * group): the first alternative, in declared order, whose credentials are all present decides, and
 * every scheme of it must verify: a present but invalid credential fails the request and never falls
 * through to a later alternative. A credential that is malformed fails the request as soon as it is
 * read. When no alternative is complete: a partly present group is `credentials_missing` for its
 * first missing scheme; with nothing present an optional route is anonymous and any other route is
 * `credentials_missing`.
 */
export async function authenticate(
  plan: RoutePlan,
  request: PlatformRequest,
  verify: Verify = (scheme, credentials) => scheme.verify(credentials, request),
): Promise<AuthContext> {
  const found = new Map<AuthScheme, unknown>();
  const read = (scheme: AuthScheme): unknown => {
    if (!found.has(scheme)) found.set(scheme, scheme.read(request));
    return found.get(scheme);
  };
  let firstMissing: AuthScheme | undefined;
  for (const group of plan.groups) {
    const credentials = group.map(read);
    const missing = credentials.indexOf(undefined);
    if (missing === -1) return verifyGroup(group, credentials, verify);
    if (firstMissing === undefined && credentials.some((c) => c !== undefined)) {
      firstMissing = group[missing];
    }
  }
  if (firstMissing === undefined && plan.requirement.optional) return ANONYMOUS;
  throw withoutStack(
    () => new AuthenticationError('credentials_missing', { scheme: firstMissing?.name }),
  );
}

async function verifyGroup(
  group: readonly AuthScheme[],
  credentials: readonly unknown[],
  verify: Verify,
): Promise<AuthContext> {
  const verified = await Promise.all(group.map((scheme, i) => verify(scheme, credentials[i])));
  const principals: Record<string, AuthPrincipal> = {};
  group.forEach((scheme, i) => (principals[scheme.name] = verified[i]!));
  return { principal: verified[0], scheme: group[0]!.name, principals };
}

function holdsAll(required: readonly string[], held: ReadonlySet<string>): boolean {
  return required.every((item) => held.has(item));
}

/** Checks the route's roles and scopes against everything the principals of the request hold: 403 otherwise. */
export function authorize(plan: RoutePlan, context: AuthContext): void {
  const { roles, scopes } = plan.requirement;
  if ((roles.length === 0 && scopes.length === 0) || context.principal === undefined) return;
  const principals = Object.values(context.principals);
  const heldRoles = new Set(principals.flatMap((p) => p.roles ?? []));
  const heldScopes = new Set(principals.flatMap((p) => p.scopes ?? []));
  if (holdsAll(roles, heldRoles) && holdsAll(scopes, heldScopes)) return;
  throw withoutStack(
    () =>
      new AuthorizationError({
        scheme: context.scheme,
        schemes: Object.keys(context.principals),
        roles,
        scopes,
      }),
  );
}

/** Adds the route's accepted schemes to an authentication error, so the filter can challenge for each. */
export function withRouteSchemes(error: unknown, plan: RoutePlan): unknown {
  return error instanceof AuthenticationError && error.schemes.length === 0
    ? error.withSchemes(plan.schemeNames)
    : error;
}
