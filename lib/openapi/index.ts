export { AUTH_ERROR_SCHEMA, AUTH_PROBLEM_SCHEMA } from './auth-responses.js';
export { documentAuth } from './document-auth.js';
export {
  setupSwaggerAuth,
  swaggerRequestInterceptor,
  swaggerUtf8BasicPlugin,
} from './swagger-ui.js';
