import type { PlannedRoute } from '../core/auth-routes.explorer.js';
import type { ResolvedResourceMetadata } from '../options/resolve-options.js';

/**
 * An OAuth 2.0 Protected Resource Metadata document (RFC 9728 §2), with the members the module
 * serves: only those configured or derived, under the RFC's names.
 */
export interface ProtectedResourceMetadata {
  /** The resource identifier, exactly as configured (`resourceMetadata.resource`). */
  readonly resource: string;
  /** Issuer identifiers of the authorization servers the resource accepts tokens of. */
  readonly authorization_servers?: readonly string[];
  /** Scopes used in authorization requests for this resource. */
  readonly scopes_supported?: readonly string[];
  /** How Bearer tokens may be sent: `header`, `body`, `query`. */
  readonly bearer_methods_supported?: readonly string[];
  /** A human-readable name of the resource. */
  readonly resource_name?: string;
  /** URL of human-readable documentation. */
  readonly resource_documentation?: string;
  /** URL of the resource's data-use policy. */
  readonly resource_policy_uri?: string;
  /** URL of the resource's terms of service. */
  readonly resource_tos_uri?: string;
}

/**
 * Every scope that a controller route accepting Bearer requires, once each, sorted: what a client
 * may need to ask an authorization server for (the default of `scopesSupported`).
 */
export function bearerScopes(routes: readonly PlannedRoute[]): string[] {
  const scopes = new Set<string>();
  for (const { plan } of routes) {
    if (plan?.schemeNames.includes('bearer'))
      for (const scope of plan.requirement.scopes) scopes.add(scope);
  }
  return [...scopes].sort();
}

/**
 * The metadata document of the resource (RFC 9728 §2): the configured members, `scopes_supported`
 * derived from the routes unless configured (left out when empty), `bearer_methods_supported` as
 * resolved. Built once, when the application starts.
 */
export function protectedResourceMetadata(
  metadata: ResolvedResourceMetadata,
  routes: readonly PlannedRoute[],
): ProtectedResourceMetadata {
  const { options } = metadata;
  const scopes = options.scopesSupported ?? bearerScopes(routes);
  return {
    resource: options.resource,
    ...(options.authorizationServers
      ? { authorization_servers: options.authorizationServers }
      : {}),
    ...(options.scopesSupported !== undefined || scopes.length > 0
      ? { scopes_supported: scopes }
      : {}),
    bearer_methods_supported: metadata.bearerMethods,
    ...(options.resourceName !== undefined ? { resource_name: options.resourceName } : {}),
    ...(options.resourceDocumentation !== undefined
      ? { resource_documentation: options.resourceDocumentation }
      : {}),
    ...(options.resourcePolicyUri !== undefined
      ? { resource_policy_uri: options.resourcePolicyUri }
      : {}),
    ...(options.resourceTosUri !== undefined ? { resource_tos_uri: options.resourceTosUri } : {}),
  };
}
