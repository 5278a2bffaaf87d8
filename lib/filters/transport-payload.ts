import {
  type AuthError,
  AuthUnavailableError,
  TooManyAttemptsError,
} from '../errors/auth.error.js';
import type { AuthErrorCode } from '../errors/auth-error-codes.js';

/**
 * What a gateway client or a microservice client receives for a refused call (docs/contract.md
 * C-7): Nest's `{ status: 'error', message }` shape, plus the module's stable `code`.
 */
export interface TransportErrorPayload {
  readonly status: 'error';
  readonly code: AuthErrorCode;
  readonly message: string;
  /** The HTTP status the same failure has on HTTP (401, 403, 429, 503, 400). */
  readonly statusCode: number;
  /** Seconds to wait before trying again, for `too_many_attempts` and `service_unavailable`. */
  readonly retryAfter?: number;
}

/** The payload of a refused gateway message or microservice call. */
export function transportPayload(error: AuthError): TransportErrorPayload {
  const retryAfter =
    error instanceof TooManyAttemptsError || error instanceof AuthUnavailableError
      ? error.retryAfter
      : undefined;
  return {
    status: 'error',
    code: error.code,
    message: error.message,
    statusCode: error.getStatus(),
    ...(retryAfter === undefined ? {} : { retryAfter }),
  };
}
