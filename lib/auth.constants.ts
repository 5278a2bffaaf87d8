/** Metadata key under which `@Auth()` and `@Public()` store their single {@link AuthMetadata} object. */
export const AUTH_METADATA = 'nest-http-auth:auth';

/** Injection token of the validated, defaults-merged configuration ({@link ResolvedAuthOptions}). */
export const AUTH_CONFIG = Symbol('nest-http-auth:config');

/** Property of the request where the guard stores the {@link AuthContext} of the call. */
export const AUTH_CONTEXT = Symbol('nest-http-auth:context');

/** Default realm when none is configured. */
export const DEFAULT_REALM = 'api';

/** Default header name of the API-key scheme. */
export const DEFAULT_API_KEY_HEADER = 'X-API-Key';

/** Default query parameter and cookie name of the API-key scheme. */
export const DEFAULT_API_KEY_PARAM = 'api_key';

/** Longest bearer token or API key read from a request, in characters (longer is invalid). */
export const DEFAULT_MAX_CREDENTIAL_LENGTH = 8192;
