import type { AuthModuleOptions, BearerSchemeOptions } from 'nest-http-auth';
import type { ApiKeysRepository } from '../api-keys/api-keys.repository.js';
import type { SampleConfig } from '../config/sample-config.js';
import type { SharedStore } from '../store/shared-store.js';
import type { UsersService } from '../users/users.service.js';
import { issuerTokens, ownTokens } from './bearer-tokens.js';
import type { SamplePrincipal } from './sample-principal.js';

/**
 * Bearer: the sample's own JWTs (HS256, `JWT_SECRET`); with `OIDC_ISSUER` also that issuer's
 * access tokens (discovery), on the same scheme: the token's `iss` picks which of the two
 * `bearer.jwt` entries verifies it. The issuer is documented for Swagger UI's Authorize dialog.
 */
function bearerOptions(config: SampleConfig): BearerSchemeOptions {
  const { oidcIssuer } = config;
  if (oidcIssuer === undefined) return { jwt: ownTokens(config) };
  return {
    jwt: [ownTokens(config), issuerTokens(config, oidcIssuer)],
    oauth: {
      openIdConnectUrl: `${oidcIssuer.replace(/\/$/, '')}/.well-known/openid-configuration`,
    },
  };
}

/**
 * The sample's `AuthModule` options: Basic against the users table, Bearer JWTs signed by the
 * sample, API keys (the library's `ApiKeys`) in the `X-API-Key` header or the `api_key` query
 * parameter. Every route without `@Auth()` requires Bearer (`default`), so a forgotten decorator
 * fails closed; public routes say `@Public()`.
 */
export function createAuthOptions(
  config: SampleConfig,
  users: UsersService,
  apiKeys: ApiKeysRepository,
  shared: SharedStore,
): AuthModuleOptions {
  return {
    realm: config.realm,
    default: ['bearer'],
    // AUTH_MAX_FAILURES failed attempts per client and identity in AUTH_FAILURE_WINDOW: 429.
    throttle: { maxFailures: config.maxFailures, window: config.failureWindow },
    // REDIS_URL: counters, revocations and cache invalidations shared by every instance.
    ...(shared.store ? { store: shared.store } : {}),
    basic: {
      async validate(username, password): Promise<SamplePrincipal | null> {
        const user = await users.authenticate(username, password);
        return user ? { id: user.username, username: user.username, roles: user.roles } : null;
      },
    },
    bearer: bearerOptions(config),
    // RFC 9728: GET /.well-known/oauth-protected-resource describes the sample (resource =
    // PUBLIC_URL), and every Bearer challenge names it in resource_metadata. Its scopes_supported
    // would come from the Bearer routes' @Auth() scopes; the sample's Bearer routes check roles.
    resourceMetadata: {
      resource: config.publicUrl,
      // OIDC_ISSUER: its tokens are accepted too.
      ...(config.oidcIssuer !== undefined ? { authorizationServers: [config.oidcIssuer] } : {}),
      resourceName: 'nest-http-auth sample',
      resourceDocumentation: `${config.publicUrl}/docs`,
    },
    apiKey: {
      header: 'X-API-Key',
      query: 'api_key',
      // The library's ApiKeys (docs/api-keys.md): malformed or mistyped keys are refused before
      // any lookup; the seeded demo key, older than the format, is verified as a legacy key.
      // The principal: the key's owner (`id`) and scopes, plus the owner's name and current roles;
      // a key whose owner no longer exists is refused.
      validate: apiKeys.keys.validator((record) => {
        const owner = users.find(record.owner);
        return owner ? { username: owner.username, roles: owner.roles } : null;
      }),
    },
  };
}
