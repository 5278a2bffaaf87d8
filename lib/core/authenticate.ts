import type { Verdict } from '../cache/verification-cache.js';
import { AuthenticationError, withoutStack } from '../errors/auth.error.js';
import type { PlatformRequest } from '../interfaces/auth-options.interface.js';
import type { AuthContext, AuthPrincipal } from '../interfaces/auth-principal.interface.js';
import { anonymous, authContext, RouteAuthContext } from './route-auth-context.js';
import type { AuthScheme } from '../schemes/auth-scheme.js';
import type { RoutePlan } from './route-plan.js';

/**
 * How {@link authenticate} establishes a principal from one scheme's credentials: a verdict
 * remembered for the credential as sent, answered at once, or else a verification.
 */
export interface Verifier {
  /**
   * The verdict remembered for a scheme's credential as sent (`AuthScheme.credential`), answered
   * without I/O; `undefined` sends the credential to {@link verify}.
   */
  recall(scheme: AuthScheme, material: string): Verdict | undefined;
  /**
   * Verifies credentials found by the scheme's `read()`.
   * @param material the credential as sent, when the scheme said it (`AuthScheme.credential`): what
   * a verdict is remembered under; `undefined`: the verification is not remembered
   */
  verify(
    scheme: AuthScheme,
    credentials: unknown,
    request: PlatformRequest,
    material: string | undefined,
  ): Promise<AuthPrincipal>;
}

/** A {@link Verifier} that remembers nothing: every credential is verified by its scheme. */
export const verifyDirectly: Verifier = {
  recall: () => undefined,
  verify: (scheme, credentials, request) => scheme.verify(credentials, request),
};

/**
 * What `read()` made of a request (for schemes without `credential()`, or when `credential()` cannot
 * tell): the credentials, or the error of malformed ones, thrown when the alternative is looked at
 * (so that the first malformed credential in declared order is the one reported).
 */
class Parsed {
  constructor(
    readonly credentials: unknown,
    readonly error?: Error,
  ) {}
}

/**
 * What a scheme found in a request: its credential as sent (a string, not parsed yet: it may be
 * remembered), credentials `read()` parsed, or nothing.
 */
type Sight = string | Parsed | undefined;

/**
 * CONTRACT C-5, with OpenAPI's security requirement semantics (OR of alternatives, AND within a
 * group): the first alternative, in declared order, whose credentials are all present decides, and
 * every scheme of it must verify: a present but invalid credential fails the request and never falls
 * through to a later alternative. A malformed credential fails the request as soon as an alternative
 * looks at it. When no alternative is complete: a partly present group is `credentials_missing` for
 * its first missing scheme; with nothing present an optional route is anonymous and any other route
 * is `credentials_missing` (naming the route's schemes, for one challenge each). When the deciding
 * group fails in several schemes, the first failing scheme in declared order is the error.
 *
 * This is the one decision procedure of the guard, for every route shape: when every credential of
 * the deciding alternative is remembered (the verification cache), the answer is returned at once,
 * without a promise or parsing a credential; otherwise the credentials are read and verified, and the
 * answer is a promise. Failures are always rejected promises, never `throw`s (docs/architecture.md).
 */
export function authenticate(
  plan: RoutePlan,
  request: PlatformRequest,
  verifier: Verifier = verifyDirectly,
): AuthContext | Promise<AuthContext> {
  try {
    let firstMissing: AuthScheme | undefined;
    for (const group of plan.groups) {
      if (group.length === 1) {
        const scheme = group[0]!;
        const sight = look(scheme, request);
        if (sight !== undefined) return settleOne(plan, scheme, sight, request, verifier);
        continue;
      }
      const sights = group.map((scheme) => look(scheme, request));
      const absent = sights.indexOf(undefined);
      if (absent === -1) return settleGroup(plan, group, sights, request, verifier);
      if (firstMissing === undefined && sights.some((sight) => sight !== undefined)) {
        firstMissing = group[absent];
      }
      // An incomplete group does not decide, but a malformed credential in it still fails the request.
      sights.forEach((sight, i) => sight !== undefined && credentialsOf(group[i]!, sight, request));
    }
    if (firstMissing === undefined && plan.requirement.optional) return anonymous(plan);
    return Promise.reject(firstMissing ? missing(plan, firstMissing) : nothingSent(plan));
  } catch (error) {
    // A malformed credential (read() throws).
    return Promise.reject(error);
  }
}

/**
 * A scheme's look at the request: its credential as sent when the scheme can say so without parsing
 * (`undefined` from `credential()` means there is none), else what `read()` makes of the request.
 */
function look(scheme: AuthScheme, request: PlatformRequest): Sight {
  const material = scheme.credential?.(request);
  if (typeof material === 'string') return material;
  if (material === undefined && scheme.credential) return undefined;
  try {
    const credentials = scheme.read(request);
    return credentials === undefined ? undefined : new Parsed(credentials);
  } catch (error) {
    return new Parsed(undefined, error instanceof Error ? error : new Error(String(error)));
  }
}

/** The parsed credentials of a sight; throws when they are malformed. */
function credentialsOf(
  scheme: AuthScheme,
  sight: string | Parsed,
  request: PlatformRequest,
): unknown {
  if (typeof sight === 'string') return scheme.read(request);
  if (sight.error !== undefined) throw sight.error;
  return sight.credentials;
}

/** An alternative of one scheme decides: remembered, or verified. */
function settleOne(
  plan: RoutePlan,
  scheme: AuthScheme,
  sight: string | Parsed,
  request: PlatformRequest,
  verifier: Verifier,
): AuthContext | Promise<AuthContext> {
  const verdict = typeof sight === 'string' ? verifier.recall(scheme, sight) : undefined;
  if (verdict !== undefined) {
    return verdict.error === undefined
      ? authContext(plan, scheme, verdict.principal)
      : Promise.reject(verdict.error);
  }
  return verifier
    .verify(
      scheme,
      credentialsOf(scheme, sight, request),
      request,
      typeof sight === 'string' ? sight : undefined,
    )
    .then((principal) => authContext(plan, scheme, principal));
}

/**
 * An all-of group decides: at once when every credential of it is a remembered success; otherwise
 * every credential is read (a malformed one fails first) and verified concurrently, and the first
 * failure in declared order is the answer.
 */
function settleGroup(
  plan: RoutePlan,
  group: readonly AuthScheme[],
  sights: readonly Sight[],
  request: PlatformRequest,
  verifier: Verifier,
): AuthContext | Promise<AuthContext> {
  const remembered = sights.map((sight, i) =>
    typeof sight === 'string' ? verifier.recall(group[i]!, sight)?.principal : undefined,
  );
  if (remembered.every((principal) => principal !== undefined)) {
    return groupContext(plan, group, remembered);
  }
  const credentials = sights.map((sight, i) => credentialsOf(group[i]!, sight!, request));
  const outcomes = group.map((scheme, i) => {
    const sight = sights[i];
    return verifier.verify(
      scheme,
      credentials[i],
      request,
      typeof sight === 'string' ? sight : undefined,
    );
  });
  return Promise.allSettled(outcomes).then((settled) => {
    const principals: AuthPrincipal[] = [];
    for (const outcome of settled) {
      if (outcome.status === 'rejected') return Promise.reject(outcome.reason as Error);
      principals.push(outcome.value);
    }
    return groupContext(plan, group, principals);
  });
}

/** The context of an all-of group: the first scheme's principal, and every scheme's by name. */
function groupContext(
  plan: RoutePlan,
  group: readonly AuthScheme[],
  verified: readonly AuthPrincipal[],
): AuthContext {
  const principals: Record<string, AuthPrincipal> = {};
  for (let i = 0; i < group.length; i++) principals[group[i]!.name] = verified[i]!;
  return new RouteAuthContext(verified[0], group[0]!.name, principals, plan);
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
