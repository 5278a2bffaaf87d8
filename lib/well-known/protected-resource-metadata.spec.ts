import { describe, expect, it } from '@jest/globals';
import type { PlannedRoute } from '../core/auth-routes.explorer.js';
import type { RoutePlan } from '../core/route-plan.js';
import type { ResourceMetadataOptions } from '../interfaces/auth-options.interface.js';
import { resolveAuthOptions } from '../options/resolve-options.js';
import { bearerScopes, protectedResourceMetadata } from './protected-resource-metadata.js';

/** The document of RFC 9728 §2 that the module serves (docs/contract.md C-2.11). */

const validate = (): null => null;

/** A planned route that accepts `schemes` and requires `scopes`. */
function route(schemes: readonly string[], scopes: readonly string[]): PlannedRoute {
  const plan: RoutePlan = {
    requirement: {
      public: false,
      alternatives: schemes.map((name) => [name]),
      optional: false,
      roles: [],
      scopes,
    },
    groups: [],
    schemeNames: schemes,
  };
  return { controller: class {}, handler: () => undefined, module: undefined, plan };
}

const ROUTES: readonly PlannedRoute[] = [
  route(['bearer'], ['orders:write', 'orders:read']),
  route(['basic', 'bearer'], ['orders:read', 'admin']),
  // Scopes of routes that do not accept Bearer are no OAuth scopes of this resource.
  route(['apiKey'], ['reports:read']),
  { controller: class {}, handler: () => undefined, module: undefined, plan: null },
];

function document(
  metadata: ResourceMetadataOptions,
  routes: readonly PlannedRoute[] = ROUTES,
  bearer: { allowQuery?: boolean; allowBody?: boolean } = {},
) {
  const config = resolveAuthOptions({
    basic: { validate },
    bearer: { validate, ...bearer },
    apiKey: { validate },
    resourceMetadata: metadata,
  });
  return protectedResourceMetadata(config.resourceMetadata!, routes);
}

describe('protectedResourceMetadata()', () => {
  it('C-2.11: the least document: resource, the derived scopes and the Bearer methods', () => {
    expect(document({ resource: 'https://api.example.com/v1' })).toEqual({
      resource: 'https://api.example.com/v1',
      scopes_supported: ['admin', 'orders:read', 'orders:write'],
      bearer_methods_supported: ['header'],
    });
  });

  it('C-2.11: every configured member under its RFC 9728 name, configured scopes over derived ones', () => {
    expect(
      document(
        {
          resource: 'https://api.example.com',
          authorizationServers: ['https://as.example.com', 'https://login.example.org/tenant'],
          scopesSupported: ['read'],
          bearerMethodsSupported: ['header', 'query'],
          resourceName: 'Example API',
          resourceDocumentation: 'https://docs.example.com/api',
          resourcePolicyUri: 'https://example.com/policy',
          resourceTosUri: 'https://example.com/tos',
        },
        ROUTES,
        { allowQuery: true },
      ),
    ).toEqual({
      resource: 'https://api.example.com',
      authorization_servers: ['https://as.example.com', 'https://login.example.org/tenant'],
      scopes_supported: ['read'],
      bearer_methods_supported: ['header', 'query'],
      resource_name: 'Example API',
      resource_documentation: 'https://docs.example.com/api',
      resource_policy_uri: 'https://example.com/policy',
      resource_tos_uri: 'https://example.com/tos',
    });
  });

  it('C-2.11: leaves scopes_supported out when no Bearer route requires a scope, keeps an explicit []', () => {
    const routes = [route(['bearer'], []), route(['apiKey'], ['reports:read'])];
    expect(document({ resource: 'https://api.example.com' }, routes)).toEqual({
      resource: 'https://api.example.com',
      bearer_methods_supported: ['header'],
    });
    expect(
      document({ resource: 'https://api.example.com', scopesSupported: [] }, routes),
    ).toMatchObject({ scopes_supported: [] });
  });

  it('derives the Bearer methods from allowBody and allowQuery', () => {
    expect(
      document({ resource: 'https://api.example.com' }, [], { allowBody: true, allowQuery: true }),
    ).toEqual({
      resource: 'https://api.example.com',
      bearer_methods_supported: ['header', 'body', 'query'],
    });
  });
});

describe('bearerScopes()', () => {
  it('is every scope of a route that accepts Bearer, once each, sorted', () => {
    expect(bearerScopes(ROUTES)).toEqual(['admin', 'orders:read', 'orders:write']);
    expect(bearerScopes([])).toEqual([]);
  });
});
