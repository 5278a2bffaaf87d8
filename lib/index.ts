export { AUTH_CONFIG, AUTH_METADATA } from './auth.constants.js';
export { AuthModule } from './auth.module.js';
export { VerificationCache, type CacheableCredential } from './cache/verification-cache.js';
export {
  ASYNC_OPTIONS_TYPE,
  AUTH_MODULE_OPTIONS,
  OPTIONS_TYPE,
  type AuthModuleExtras,
} from './auth.module-definition.js';
export { planRoute, type RoutePlan } from './core/route-plan.js';
export { Auth, type AuthArguments } from './decorators/auth.decorator.js';
export { AuthContext, Principal } from './decorators/principal.decorator.js';
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
  AuthMetadata,
  AuthRequirement,
  AuthRouteOptions,
  SchemeRequirement,
} from './interfaces/auth-metadata.interface.js';
export type {
  ApiKeyLocation,
  ApiKeySchemeOptions,
  AuthModuleOptions,
  BasicSchemeOptions,
  BearerSchemeOptions,
  CacheOptions,
  ErrorFormat,
  ThrottleOptions,
  JwtVerificationOptions,
  MaybePromise,
  PassportSchemeOptions,
  PlatformRequest,
  SecuritySchemeDefinition,
} from './interfaces/auth-options.interface.js';
export type {
  AuthContext as AuthContextValue,
  AuthPrincipal,
  ValidateResult,
} from './interfaces/auth-principal.interface.js';
export type { ResolvedAuthOptions } from './options/resolve-options.js';
export { ApiKeyScheme } from './schemes/api-key/api-key.scheme.js';
export type { AuthScheme } from './schemes/auth-scheme.js';
export { BasicScheme } from './schemes/basic/basic.scheme.js';
export {
  decodeBasicCredentials,
  type BasicCredentials,
} from './schemes/basic/basic-credentials.js';
export { BearerScheme, principalFromClaims } from './schemes/bearer/bearer.scheme.js';
export { PassportScheme } from './schemes/passport/passport.scheme.js';
export { AuthRevocation, type RevocableToken } from './revocation/auth-revocation.service.js';
export type { RpcOptions } from './interfaces/auth-options.interface.js';
export type { TransportRequest } from './transports/transport-request.js';
export type { TransportErrorPayload } from './filters/transport-payload.js';
export { withAuthStatus } from './filters/with-auth-status.js';
export type { AuthStore, WindowCount } from './stores/auth-store.interface.js';
export { MemoryAuthStore } from './stores/memory-auth.store.js';
export {
  RedisAuthStore,
  type RedisAuthStoreOptions,
  type RedisClientLike,
  type RedisSubscriberLike,
} from './stores/redis-auth.store.js';
