import { describe, expect, it } from '@jest/globals';
import * as root from './index.js';
import * as openapi from './openapi/index.js';
import * as testing from './testing/index.js';

/*
 * The public API is a promise: the values each entry point exports, listed here so that the API
 * changes only on purpose (a change here is a change of the package's API: say it in CHANGELOG.md).
 * Types are not values and are not listed; `npm run docs` documents them.
 */
describe('public API', () => {
  it('nest-http-auth exports exactly these values', () => {
    expect(Object.keys(root).sort()).toEqual([
      'AUTH_ERROR_MESSAGES',
      'ApiKeys',
      'Auth',
      'AuthConfigurationError',
      'AuthError',
      'AuthExceptionFilter',
      'AuthGuard',
      'AuthModule',
      'AuthRevocation',
      'AuthUnavailableError',
      'AuthenticationError',
      'AuthorizationError',
      'CurrentAuth',
      'MemoryApiKeyRepository',
      'MemoryAuthStore',
      'Principal',
      'Public',
      'RedisAuthStore',
      'TooManyAttemptsError',
      'VerificationCache',
      'apiKeyPattern',
      'formatApiKey',
      'parseApiKey',
      'principalFromClaims',
      'withAuthStatus',
    ]);
  });

  it('nest-http-auth/openapi exports exactly these values', () => {
    expect(Object.keys(openapi).sort()).toEqual([
      'AUTH_ERROR_SCHEMA',
      'AUTH_PROBLEM_SCHEMA',
      'documentAuth',
      'setupSwaggerAuth',
      'swaggerRequestInterceptor',
      'swaggerUtf8BasicPlugin',
    ]);
  });

  it('nest-http-auth/testing exports exactly these values', () => {
    expect(Object.keys(testing).sort()).toEqual([
      'checkAuthConformance',
      'expectAuthConformance',
      'expectDocumentMatchesEnforcement',
      'findEnforcementDrift',
      'mintToken',
    ]);
  });
});
