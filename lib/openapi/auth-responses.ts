import type { RoutePlan } from '../core/route-plan.js';
import type { AuthErrorCode } from '../errors/auth-error-codes.js';
import { AUTH_ERROR_MESSAGES } from '../errors/auth-error-codes.js';
import type { ErrorFormat } from '../interfaces/auth-options.interface.js';
import type { ResolvedAuthOptions } from '../options/resolve-options.js';

/** Names of the components this module adds to `components.schemas`. */
export const AUTH_ERROR_SCHEMA = 'AuthError';
/** Name of the problem+json (RFC 9457) error body schema in `components.schemas`. */
export const AUTH_PROBLEM_SCHEMA = 'AuthProblem';

const CODES = Object.keys(AUTH_ERROR_MESSAGES) as AuthErrorCode[];

/** The error body schemas (CONTRACT C-4), by component name. */
export function errorSchemas(format: ErrorFormat): Record<string, object> {
  const extensions = {
    code: { type: 'string', enum: CODES, description: 'Stable machine-readable reason.' },
    expires_at: {
      type: 'string',
      format: 'date-time',
      description: 'When an expired token expired.',
    },
    documentation_url: { type: 'string', format: 'uri' },
  };
  if (format === 'json') {
    return {
      [AUTH_ERROR_SCHEMA]: {
        type: 'object',
        required: ['statusCode', 'error', 'message', 'code'],
        properties: {
          statusCode: { type: 'integer', example: 401 },
          error: { type: 'string', example: 'Unauthorized' },
          message: { type: 'string', example: AUTH_ERROR_MESSAGES.credentials_missing },
          ...extensions,
        },
      },
    };
  }
  return {
    [AUTH_PROBLEM_SCHEMA]: {
      type: 'object',
      description: 'RFC 9457 problem details.',
      required: ['type', 'title', 'status', 'detail', 'code'],
      properties: {
        type: { type: 'string', example: 'about:blank' },
        title: { type: 'string', example: 'Unauthorized' },
        status: { type: 'integer', example: 401 },
        detail: { type: 'string', example: AUTH_ERROR_MESSAGES.credentials_missing },
        ...extensions,
      },
    },
  };
}

function content(format: ErrorFormat): object {
  const name = format === 'json' ? AUTH_ERROR_SCHEMA : AUTH_PROBLEM_SCHEMA;
  return {
    [format === 'json' ? 'application/json' : 'application/problem+json']: {
      schema: { $ref: `#/components/schemas/${name}` },
    },
  };
}

function wwwAuthenticate(lines: readonly string[], description: string): object {
  return {
    'WWW-Authenticate': {
      description: `${description} ${lines.map((l) => `\`${l}\``).join(' ')}`,
      schema: { type: 'string' },
    },
  };
}

/** The `Retry-After` header of a 429 or a 503 (RFC 9110 §10.2.3, RFC 6585 §4). */
function retryAfter(description: string): object {
  return { 'Retry-After': { description, schema: { type: 'integer', minimum: 0 } } };
}

/**
 * The error responses a guarded operation can produce, derived from the configuration like the
 * guard's behaviour: 401 with its challenges, 403 when it checks roles or scopes, 400 when it
 * accepts Bearer (a token sent twice or empty), 429 when failed attempts are throttled, 503 when
 * the store or a scheme's key set can be unreachable (docs/contract.md C-1, C-6).
 */
export function errorResponses(
  plan: RoutePlan,
  config: ResolvedAuthOptions,
): Record<string, object> {
  const schemes = plan.schemeNames.map((name) => config.schemes.get(name)!);
  const challenges = schemes.flatMap((scheme) => scheme.challenges());
  const body = content(config.errorFormat);
  const responses: Record<string, object> = {
    '401': {
      description:
        'Credentials are missing, invalid or expired (`code`: credentials_missing, credentials_invalid, token_invalid, token_expired). One challenge per accepted scheme.',
      headers: wwwAuthenticate(challenges, 'One line per challenge:'),
      content: body,
    },
  };
  const { roles, scopes } = plan.requirement;
  if (roles.length > 0 || scopes.length > 0) {
    const forbidden = schemes.flatMap((scheme) => scheme.forbiddenChallenge?.(scopes) ?? []);
    responses['403'] = {
      description: 'The principal lacks a required role or scope (`code`: insufficient_scope).',
      ...(forbidden.length > 0
        ? { headers: wwwAuthenticate(forbidden, 'For Bearer principals:') }
        : {}),
      content: body,
    };
  }
  if (plan.schemeNames.includes('bearer')) {
    responses['400'] = {
      description:
        'The access token was sent in more than one way, repeated or empty (`code`: invalid_request).',
      content: body,
    };
  }
  if (config.throttle) {
    responses['429'] = {
      description:
        'Too many failed authentication attempts from this client (`code`: too_many_attempts).',
      headers: retryAfter('Seconds until the client may try again.'),
      content: body,
    };
  }
  if (config.store.canFail || schemes.some((scheme) => scheme.remote === true)) {
    responses['503'] = {
      description:
        'Authentication cannot be decided right now: the credential store, the key set or the token introspection endpoint is unreachable (`code`: service_unavailable). Fail closed: never a 200, never a 401.',
      headers: retryAfter('Seconds after which the client may retry.'),
      content: body,
    };
  }
  return responses;
}
