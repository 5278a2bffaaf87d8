export {
  errorResponses,
  errorSchemas,
  AUTH_ERROR_SCHEMA,
  AUTH_PROBLEM_SCHEMA,
} from './auth-responses.js';
export { documentAuth } from './document-auth.js';
export { securityRequirements, type SecurityRequirement } from './security-requirements.js';
export {
  setupSwaggerAuth,
  swaggerRequestInterceptor,
  swaggerUtf8BasicPlugin,
} from './swagger-ui.js';
