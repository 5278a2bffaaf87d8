import { STATUS_CODES } from 'node:http';
import { expect } from '@jest/globals';
import type { Response } from 'supertest';
import { AUTH_ERROR_MESSAGES, type AuthErrorCode } from '../../lib/index.js';
import { challenges } from './http.js';

/** The status CONTRACT C-1 gives each code. */
export function statusOf(code: AuthErrorCode): number {
  switch (code) {
    case 'invalid_request':
      return 400;
    case 'insufficient_scope':
      return 403;
    case 'too_many_attempts':
      return 429;
    case 'service_unavailable':
      return 503;
    default:
      return 401;
  }
}

/** Optional members of an error body (CONTRACT C-4). */
export interface BodyExtensions {
  readonly expires_at?: string;
  readonly documentation_url?: string;
}

/** The JSON error body of CONTRACT C-4: Nest's shape plus `code` and the extensions given. */
export function jsonBody(
  code: AuthErrorCode,
  extensions: BodyExtensions = {},
): Record<string, unknown> {
  const status = statusOf(code);
  return {
    statusCode: status,
    error: STATUS_CODES[status],
    message: AUTH_ERROR_MESSAGES[code],
    code,
    ...extensions,
  };
}

/** The RFC 9457 body of CONTRACT C-4, with the same extension members. */
export function problemBody(
  code: AuthErrorCode,
  type: string,
  extensions: BodyExtensions = {},
): Record<string, unknown> {
  const status = statusOf(code);
  return {
    type,
    title: STATUS_CODES[status],
    status,
    detail: AUTH_ERROR_MESSAGES[code],
    code,
    ...extensions,
  };
}

/**
 * Asserts a failure completely: status (C-1), every challenge line in order (C-2; `[]` for none),
 * and the exact JSON body (C-4).
 */
export function expectAuthFailure(
  res: Response,
  code: AuthErrorCode,
  expectedChallenges: readonly string[],
  extensions: BodyExtensions = {},
): void {
  expect({ status: res.status, challenges: challenges(res), body: res.body as unknown }).toEqual({
    status: statusOf(code),
    challenges: expectedChallenges,
    body: jsonBody(code, extensions),
  });
  expect(res.headers['content-type']).toMatch(/^application\/json\b/);
}
