import { Module } from '@nestjs/common';
import { APP_FILTER, APP_GUARD, DiscoveryModule } from '@nestjs/core';
import { AUTH_CONFIG } from './auth.constants.js';
import { AUTH_MODULE_OPTIONS, ConfigurableModuleClass } from './auth.module-definition.js';
import { AuthRoutesExplorer } from './core/auth-routes.explorer.js';
import { CredentialVerifier } from './core/credential-verifier.js';
import { AuthRevocation } from './revocation/auth-revocation.service.js';
import { AuthExceptionFilter } from './filters/auth-exception.filter.js';
import { AuthGuard } from './guards/auth.guard.js';
import { resolveAuthOptions, type ResolvedAuthOptions } from './options/resolve-options.js';
import { VerificationCache } from './cache/verification-cache.js';
import { FieldResolverCheck } from './guards/field-resolver-check.js';
import { TransportBindings } from './guards/transport-bindings.js';
import { UpgradeRequests } from './transports/upgrade-requests.js';
import { ProtectedResourceMetadataRoute } from './well-known/protected-resource-metadata.route.js';

/**
 * HTTP authentication for the whole application: `AuthModule.forRoot({ realm, basic, bearer,
 * apiKey, default })` or `forRootAsync({ useFactory, inject })`. Registers the schemes (also as
 * passport strategies), the global {@link AuthGuard} and the {@link AuthExceptionFilter}; with
 * `resourceMetadata`, it serves `GET /.well-known/oauth-protected-resource` (RFC 9728).
 */
@Module({
  imports: [DiscoveryModule],
  providers: [
    { provide: AUTH_CONFIG, useFactory: resolveAuthOptions, inject: [AUTH_MODULE_OPTIONS] },
    {
      provide: VerificationCache,
      useFactory: (config: ResolvedAuthOptions) => new VerificationCache(config.cache),
      inject: [AUTH_CONFIG],
    },
    CredentialVerifier,
    AuthRevocation,
    AuthGuard,
    { provide: APP_GUARD, useExisting: AuthGuard },
    AuthExceptionFilter,
    { provide: APP_FILTER, useExisting: AuthExceptionFilter },
    AuthRoutesExplorer,
    TransportBindings,
    FieldResolverCheck,
    UpgradeRequests,
    ProtectedResourceMetadataRoute,
  ],
  exports: [
    AUTH_CONFIG,
    AuthGuard,
    AuthExceptionFilter,
    AuthRoutesExplorer,
    VerificationCache,
    CredentialVerifier,
    AuthRevocation,
  ],
})
export class AuthModule extends ConfigurableModuleClass {}
