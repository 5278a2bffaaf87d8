import { AuthConfigurationError } from '../../errors/auth-configuration.error.js';
import type {
  BearerOAuthFlow,
  BearerOAuthOptions,
  SecuritySchemeDefinition,
} from '../../interfaces/auth-options.interface.js';

/** RFC 6749 §3.3 scope-token. */
const SCOPE_TOKEN = /^[\x21\x23-\x5B\x5D-\x7E]+$/;

const FLOWS: readonly BearerOAuthFlow[] = ['authorizationCode', 'clientCredentials'];

function absoluteUrl(value: unknown, path: string): void {
  let url: URL | undefined;
  try {
    url = typeof value === 'string' ? new URL(value) : undefined;
  } catch {
    url = undefined;
  }
  if (!url || (url.protocol !== 'https:' && url.protocol !== 'http:'))
    throw new AuthConfigurationError(`${path} must be an absolute http(s) URL.`);
}

/** The flows of the `oauth2` scheme: as configured, else those the given URLs allow. */
function flowsOf(oauth: BearerOAuthOptions): readonly BearerOAuthFlow[] {
  if (oauth.flows !== undefined) return oauth.flows;
  if (oauth.tokenUrl === undefined) return [];
  return oauth.authorizationUrl !== undefined ? FLOWS : ['clientCredentials'];
}

/**
 * Checks `bearer.oauth` at start-up (CONTRACT C-1.8): absolute URLs, known flows with the URLs
 * they need, scope tokens, and at least one scheme to document.
 */
export function checkBearerOAuth(oauth: BearerOAuthOptions, path = 'bearer.oauth'): void {
  if (typeof oauth !== 'object' || oauth === null)
    throw new AuthConfigurationError(`${path} must be an object.`);
  for (const key of ['authorizationUrl', 'tokenUrl', 'refreshUrl', 'openIdConnectUrl'] as const)
    if (oauth[key] !== undefined) absoluteUrl(oauth[key], `${path}.${key}`);
  if (oauth.flows !== undefined) {
    const flows: unknown = oauth.flows;
    if (!Array.isArray(flows)) throw new AuthConfigurationError(`${path}.flows must be an array.`);
    for (const flow of flows as readonly BearerOAuthFlow[]) {
      if (!FLOWS.includes(flow))
        throw new AuthConfigurationError(
          `${path}.flows: '${String(flow)}' is not one of ${FLOWS.join(', ')}.`,
        );
      if (oauth.tokenUrl === undefined)
        throw new AuthConfigurationError(`${path}.flows '${flow}' needs ${path}.tokenUrl.`);
      if (flow === 'authorizationCode' && oauth.authorizationUrl === undefined)
        throw new AuthConfigurationError(
          `${path}.flows 'authorizationCode' needs ${path}.authorizationUrl.`,
        );
    }
  }
  if (oauth.scopes !== undefined) {
    if (typeof oauth.scopes !== 'object' || oauth.scopes === null)
      throw new AuthConfigurationError(`${path}.scopes must be an object of scope descriptions.`);
    for (const [scope, description] of Object.entries(oauth.scopes)) {
      if (!SCOPE_TOKEN.test(scope))
        throw new AuthConfigurationError(`${path}.scopes: '${scope}' is not a scope token.`);
      if (typeof description !== 'string')
        throw new AuthConfigurationError(`${path}.scopes.${scope} must be a string.`);
    }
  }
  if (flowsOf(oauth).length === 0 && oauth.openIdConnectUrl === undefined)
    throw new AuthConfigurationError(
      `${path} needs a tokenUrl (oauth2 flows) or an openIdConnectUrl.`,
    );
}

/**
 * The OpenAPI security schemes documenting `bearer.oauth`: `<name>OAuth2` (type `oauth2`, its
 * flows with the configured scopes; `documentAuth()` adds the scopes the routes require) and
 * `<name>Oidc` (type `openIdConnect`), each only when configured.
 */
export function oauthSecuritySchemes(
  name: string,
  oauth: BearerOAuthOptions | undefined,
): Record<string, SecuritySchemeDefinition> {
  if (!oauth) return {};
  const schemes: Record<string, SecuritySchemeDefinition> = {};
  const scopes = { ...oauth.scopes };
  const refresh = oauth.refreshUrl !== undefined ? { refreshUrl: oauth.refreshUrl } : {};
  const flows: Record<string, object> = {};
  for (const flow of flowsOf(oauth)) {
    flows[flow] =
      flow === 'authorizationCode'
        ? {
            authorizationUrl: oauth.authorizationUrl,
            tokenUrl: oauth.tokenUrl,
            ...refresh,
            scopes: { ...scopes },
          }
        : { tokenUrl: oauth.tokenUrl, ...refresh, scopes: { ...scopes } };
  }
  if (Object.keys(flows).length > 0) schemes[`${name}OAuth2`] = { type: 'oauth2', flows };
  if (oauth.openIdConnectUrl !== undefined)
    schemes[`${name}Oidc`] = { type: 'openIdConnect', openIdConnectUrl: oauth.openIdConnectUrl };
  return schemes;
}
