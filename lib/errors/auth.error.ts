import { HttpException, HttpStatus } from '@nestjs/common';
import {
  AUTH_ERROR_MESSAGES,
  type AuthErrorCode,
  type AuthenticationErrorCode,
} from './auth-error-codes.js';

/** Details shared by every {@link AuthError}. */
export interface AuthErrorDetails {
  /** Human sentence; defaults to the code's message. Must never contain a credential. */
  readonly message?: string;
  /** The scheme whose credential failed or decided, e.g. `bearer`. */
  readonly scheme?: string;
  /** Schemes the route accepts, in declared order: one challenge each. Set by the guard. */
  readonly schemes?: readonly string[];
}

/**
 * Base of the errors that the guard throws and the filter turns into 400/401/403/429/503 with
 * challenges. They are `HttpException`s, so an app without the filter still answers the right status.
 */
export abstract class AuthError extends HttpException {
  /** The machine-readable reason, sent as `code` in the body. */
  abstract readonly code: AuthErrorCode;
  /** The scheme whose credential failed or decided. */
  readonly scheme: string | undefined;
  /** Schemes the route accepts (empty when the application threw it: the filter then uses the route's). */
  readonly schemes: readonly string[];

  protected constructor(message: string, status: number, details: AuthErrorDetails) {
    super(message, status);
    this.scheme = details.scheme;
    this.schemes = details.schemes ?? [];
  }
}

/** Extra details of an {@link AuthenticationError}. */
export interface AuthenticationErrorDetails extends AuthErrorDetails {
  /** The reason, sent as Bearer `error_description`; restricted to RFC 6750's characters when sent. */
  readonly description?: string;
  /** When an expired token expired (`expires_at` in the body). */
  readonly expiresAt?: Date;
}

/**
 * Missing, wrong, expired or malformed credentials: 401 (or 400 for `invalid_request`), with one
 * `WWW-Authenticate` challenge per accepted scheme.
 */
export class AuthenticationError extends AuthError {
  override readonly name = 'AuthenticationError';
  readonly code: AuthenticationErrorCode;
  readonly description: string | undefined;
  readonly expiresAt: Date | undefined;

  constructor(code: AuthenticationErrorCode, details: AuthenticationErrorDetails = {}) {
    super(
      details.message ?? AUTH_ERROR_MESSAGES[code],
      code === 'invalid_request' ? HttpStatus.BAD_REQUEST : HttpStatus.UNAUTHORIZED,
      details,
    );
    this.code = code;
    this.description = details.description;
    this.expiresAt = details.expiresAt;
  }

  /** Whether the client presented a credential (Bearer challenges then carry `error`). */
  get credentialsPresented(): boolean {
    return this.code !== 'credentials_missing';
  }

  /** A copy that knows the route's accepted schemes. */
  withSchemes(schemes: readonly string[]): AuthenticationError {
    return withoutStack(
      () =>
        new AuthenticationError(this.code, {
          message: this.message,
          scheme: this.scheme,
          schemes,
          description: this.description,
          expiresAt: this.expiresAt,
        }),
    );
  }
}

/** Extra details of an {@link AuthorizationError}. */
export interface AuthorizationErrorDetails extends AuthErrorDetails {
  /** Roles the route requires. */
  readonly roles?: readonly string[];
  /** Scopes the route requires. */
  readonly scopes?: readonly string[];
}

/** An authenticated principal lacks a required role or scope: 403 `insufficient_scope`. */
export class AuthorizationError extends AuthError {
  override readonly name = 'AuthorizationError';
  readonly code = 'insufficient_scope' as const;
  readonly roles: readonly string[];
  readonly scopes: readonly string[];

  constructor(details: AuthorizationErrorDetails = {}) {
    super(details.message ?? AUTH_ERROR_MESSAGES.insufficient_scope, HttpStatus.FORBIDDEN, details);
    this.roles = details.roles ?? [];
    this.scopes = details.scopes ?? [];
  }
}

/**
 * Authentication cannot be decided right now (a key set or a credential store is unreachable): 503
 * with `Retry-After`. Fail closed: never 200, never 401.
 */
export class AuthUnavailableError extends AuthError {
  override readonly name = 'AuthUnavailableError';
  readonly code = 'service_unavailable' as const;
  /** Seconds the client should wait (`Retry-After`). */
  readonly retryAfter: number;

  constructor(
    details: AuthErrorDetails & { readonly retryAfter?: number; readonly cause?: unknown } = {},
  ) {
    super(
      details.message ?? AUTH_ERROR_MESSAGES.service_unavailable,
      HttpStatus.SERVICE_UNAVAILABLE,
      details,
    );
    this.retryAfter = details.retryAfter ?? 5;
    if (details.cause !== undefined) this.cause = details.cause;
  }
}

/**
 * Builds an expected error without capturing a stack trace: auth failures are normal traffic (see
 * docs/architecture.md).
 * @internal
 */
export function withoutStack<T>(create: () => T): T {
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = 0;
  try {
    return create();
  } finally {
    Error.stackTraceLimit = limit;
  }
}

/**
 * Too many failed authentications for this client (and identity) in the window: 429 with
 * `Retry-After`, answered before any credential is verified (CONTRACT C-1, RFC 6585 §4).
 */
export class TooManyAttemptsError extends AuthError {
  override readonly name = 'TooManyAttemptsError';
  readonly code = 'too_many_attempts' as const;
  /** Seconds until the window ends (`Retry-After`). */
  readonly retryAfter: number;

  constructor(details: AuthErrorDetails & { readonly retryAfter: number }) {
    super(
      details.message ?? AUTH_ERROR_MESSAGES.too_many_attempts,
      HttpStatus.TOO_MANY_REQUESTS,
      details,
    );
    this.retryAfter = details.retryAfter;
  }
}
