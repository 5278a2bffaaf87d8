import type { RoutePlan } from '../core/route-plan.js';

/** An OpenAPI Security Requirement Object: security scheme name → roles/scopes. */
export type SecurityRequirement = Record<string, string[]>;

/** Security scheme types whose requirement arrays may hold scopes in OpenAPI 3.0. */
const SCOPED_TYPES_3_0: ReadonlySet<string> = new Set(['oauth2', 'openIdConnect']);

/** Whether a document's `openapi` version allows role names in every requirement array (3.1+). */
export function allowsRolesEverywhere(openapiVersion: string): boolean {
  const [major = 0, minor = 0] = openapiVersion.split('.').map(Number);
  return major > 3 || (major === 3 && minor >= 1);
}

/**
 * The `security` of an operation, derived from the plan the guard enforces (CONTRACT C-6): one
 * requirement object per alternative (OR), one key per scheme of a group (AND). A scheme documented
 * under several security scheme names (an API key accepted in a header or the query) multiplies
 * the alternatives. Roles and scopes go into the arrays where the version allows it; an optional
 * route adds `{}`.
 *
 * @param securityNames the security scheme names of each auth scheme, in order
 * @param schemeTypes the `type` of each security scheme name
 * @param scopesOnly security scheme names whose arrays list the scopes alone, never roles (the
 *   `oauth2`/`openIdConnect` schemes of `bearer.oauth`: their arrays must name declared scopes)
 */
export function securityRequirements(
  plan: RoutePlan,
  securityNames: ReadonlyMap<string, readonly string[]>,
  schemeTypes: ReadonlyMap<string, string>,
  openapiVersion: string,
  scopesOnly: ReadonlySet<string> = new Set(),
): SecurityRequirement[] {
  const { roles, scopes, optional } = plan.requirement;
  const needed = [...roles, ...scopes];
  const everywhere = allowsRolesEverywhere(openapiVersion);
  const listFor = (name: string): string[] =>
    scopesOnly.has(name)
      ? [...scopes]
      : everywhere || SCOPED_TYPES_3_0.has(schemeTypes.get(name) ?? '')
        ? [...needed]
        : [];
  const requirements = plan.requirement.alternatives.flatMap((group) =>
    group.reduce<SecurityRequirement[]>(
      (partials, scheme) =>
        partials.flatMap((partial) =>
          (securityNames.get(scheme) ?? [scheme]).map((name) => ({
            ...partial,
            [name]: listFor(name),
          })),
        ),
      [{}],
    ),
  );
  return optional ? [...requirements, {}] : requirements;
}

/** A sentence for the operation description when roles/scopes cannot be expressed in `security` (OpenAPI 3.0). */
export function requirementSentence(plan: RoutePlan): string | undefined {
  const { roles, scopes } = plan.requirement;
  const parts = [
    roles.length > 0 ? `roles ${roles.map((r) => `\`${r}\``).join(', ')}` : '',
    scopes.length > 0 ? `scopes ${scopes.map((s) => `\`${s}\``).join(', ')}` : '',
  ].filter(Boolean);
  return parts.length > 0 ? `Requires ${parts.join(' and ')} (403 otherwise).` : undefined;
}
