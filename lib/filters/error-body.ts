import { STATUS_CODES } from 'node:http';
import { AuthenticationError, type AuthError } from '../errors/auth.error.js';
import type { ErrorFormat } from '../interfaces/auth-options.interface.js';

/** The JSON error body: Nest's shape plus the stable `code` (CONTRACT C-4). */
export interface AuthErrorBody {
  readonly statusCode: number;
  readonly error: string;
  readonly message: string;
  readonly code: string;
  readonly expires_at?: string;
  readonly documentation_url?: string;
}

/** The RFC 9457 problem details body, with the same extension members. */
export interface AuthProblemBody {
  readonly type: string;
  readonly title: string;
  readonly status: number;
  readonly detail: string;
  readonly code: string;
  readonly expires_at?: string;
  readonly documentation_url?: string;
}

/** Media type of each error format. */
export const ERROR_CONTENT_TYPES: Readonly<Record<ErrorFormat, string>> = {
  json: 'application/json; charset=utf-8',
  'problem+json': 'application/problem+json; charset=utf-8',
};

/**
 * The body of an auth error response. Built from the error's code and constant message only: no
 * credential can reach it.
 */
export function errorBody(
  error: AuthError,
  format: ErrorFormat,
  documentationUrl: string | undefined,
): AuthErrorBody | AuthProblemBody {
  const status = error.getStatus();
  const phrase = STATUS_CODES[status] ?? 'Error';
  // Built member by member (no spreads: this runs on every 401), in the order clients see.
  const body: Record<string, string | number> =
    format === 'json'
      ? { statusCode: status, error: phrase, message: error.message, code: error.code }
      : {
          type: documentationUrl ? `${documentationUrl}#${error.code}` : 'about:blank',
          title: phrase,
          status,
          detail: error.message,
          code: error.code,
        };
  if (error instanceof AuthenticationError && error.expiresAt)
    body['expires_at'] = error.expiresAt.toISOString();
  if (documentationUrl) body['documentation_url'] = documentationUrl;
  return body as unknown as AuthErrorBody | AuthProblemBody;
}
