export { AuthModule } from './auth.module.js';
export { VerificationCache, type CacheableCredential } from './cache/verification-cache.js';
export type { AuthModuleExtras } from './auth.module-definition.js';
export { Auth, type AuthArguments } from './decorators/auth.decorator.js';
export { CurrentAuth, Principal } from './decorators/principal.decorator.js';
export { Public } from './decorators/public.decorator.js';
export { AuthConfigurationError } from './errors/auth-configuration.error.js';
export {
  AUTH_ERROR_MESSAGES,
  type AuthErrorCode,
  type AuthenticationErrorCode,
} from './errors/auth-error-codes.js';
export {
  AuthError,
  AuthenticationError,
  AuthorizationError,
  AuthUnavailableError,
  TooManyAttemptsError,
  type AuthenticationErrorDetails,
  type AuthErrorDetails,
  type AuthorizationErrorDetails,
} from './errors/auth.error.js';
export { AuthExceptionFilter } from './filters/auth-exception.filter.js';
export type { AuthErrorBody, AuthProblemBody } from './filters/error-body.js';
export { AuthGuard } from './guards/auth.guard.js';
export type {
  AllOf,
  AuthRouteOptions,
  AuthSchemeNames,
  SchemeName,
  SchemeRequirement,
} from './interfaces/auth-metadata.interface.js';
export type {
  ApiKeyLocation,
  ApiKeySchemeOptions,
  AuthModuleOptions,
  BasicSchemeOptions,
  BearerMethod,
  BearerSchemeOptions,
  BearerOAuthFlow,
  BearerOAuthOptions,
  DpopNonceOptions,
  DpopSchemeOptions,
  CacheOptions,
  ErrorFormat,
  ThrottleOptions,
  JwtVerificationOptions,
  MaybePromise,
  PassportSchemeOptions,
  PlatformRequest,
  ResourceMetadataOptions,
  SecuritySchemeDefinition,
  TokenIntrospectionOptions,
} from './interfaces/auth-options.interface.js';
export type {
  AuthContext,
  AuthPrincipal,
  ValidateResult,
} from './interfaces/auth-principal.interface.js';
export { principalFromClaims } from './schemes/bearer/bearer.scheme.js';
export { AuthRevocation, type RevocableToken } from './revocation/auth-revocation.service.js';
export type { RpcOptions } from './interfaces/auth-options.interface.js';
export type { TransportRequest } from './transports/transport-request.js';
export type { TransportErrorPayload } from './filters/transport-payload.js';
export { withAuthStatus } from './filters/with-auth-status.js';
export type { ProtectedResourceMetadata } from './well-known/protected-resource-metadata.js';
export type {
  AuthStore,
  InvalidationListener,
  WindowCount,
} from './stores/auth-store.interface.js';
export { MemoryAuthStore } from './stores/memory-auth.store.js';
export {
  RedisAuthStore,
  type RedisAuthStoreOptions,
  type RedisClientLike,
  type RedisSubscriberLike,
} from './stores/redis-auth.store.js';
export {
  ApiKeys,
  type ApiKeyGrant,
  type ApiKeyPrincipalFields,
  type ApiKeyPrincipalMapper,
  type ApiKeyRotation,
  type ApiKeysOptions,
  type ApiKeyValidator,
  type IssuedApiKey,
  type LegacyApiKeyGrant,
  type LegacyApiKeyOptions,
  type VerificationInvalidator,
} from './api-keys/api-keys.js';
export {
  apiKeyPattern,
  formatApiKey,
  parseApiKey,
  type ApiKeyParts,
  type ParsedApiKey,
} from './api-keys/api-key-format.js';
export type {
  ApiKeyChanges,
  ApiKeyRecord,
  ApiKeyRepository,
} from './api-keys/api-key-repository.js';
export { MemoryApiKeyRepository } from './api-keys/memory-api-key.repository.js';
