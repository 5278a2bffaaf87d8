import {
  type ArgumentsHost,
  Catch,
  type ExceptionFilter,
  Inject,
  Injectable,
} from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { AUTH_CONFIG, AUTH_ROUTE_SCHEMES } from '../auth.constants.js';
import { authContextOf } from '../decorators/principal.decorator.js';
import {
  AuthenticationError,
  AuthError,
  AuthorizationError,
  AuthUnavailableError,
  TooManyAttemptsError,
} from '../errors/auth.error.js';
import type { ResolvedAuthOptions } from '../options/resolve-options.js';
import { ERROR_CONTENT_TYPES, errorBody } from './error-body.js';

/**
 * Turns the module's errors into responses per CONTRACT C-1, C-2 and C-4, on any platform (through
 * `HttpAdapterHost`): one `WWW-Authenticate` line per accepted scheme on 401/400, the Bearer
 * `insufficient_scope` challenge on 403, `Retry-After` on 503, and a JSON (or problem+json) body
 * with a stable `code`. Every other exception keeps Nest's normal handling.
 */
@Catch(AuthError)
@Injectable()
export class AuthExceptionFilter implements ExceptionFilter<AuthError> {
  constructor(
    private readonly adapterHost: HttpAdapterHost,
    @Inject(AUTH_CONFIG) private readonly config: ResolvedAuthOptions,
  ) {}

  catch(error: AuthError, host: ArgumentsHost): void {
    if (host.getType() !== 'http') throw error;
    const { httpAdapter } = this.adapterHost;
    const response: unknown = host.switchToHttp().getResponse();
    const challenges = this.challenges(error, host.switchToHttp().getRequest<object>());
    if (challenges.length > 0) {
      // An array becomes one header line per challenge on Express and Fastify alike.
      httpAdapter.setHeader(response, 'WWW-Authenticate', challenges as unknown as string);
    }
    if (error instanceof AuthUnavailableError || error instanceof TooManyAttemptsError) {
      httpAdapter.setHeader(response, 'Retry-After', String(error.retryAfter));
    }
    httpAdapter.setHeader(response, 'Content-Type', ERROR_CONTENT_TYPES[this.config.errorFormat]);
    httpAdapter.reply(
      response,
      errorBody(error, this.config.errorFormat, this.config.documentationUrl),
      error.getStatus(),
    );
  }

  /**
   * The challenges of a response: one per accepted scheme for 401/400, the Bearer
   * `insufficient_scope` challenge on 403. For an error the application threw itself (no schemes
   * attached), the route's schemes and principals stored by the guard are used, and the module's
   * defaults only where no guard ran.
   */
  protected challenges(error: AuthError, request: object): readonly string[] {
    const { schemes } = this.config;
    if (error instanceof AuthorizationError) {
      const deciding =
        error.schemes.length > 0
          ? error.schemes
          : Object.keys(authContextOf(request)?.principals ?? {});
      return deciding.flatMap(
        (name) => schemes.get(name)?.forbiddenChallenge?.(error.scopes) ?? [],
      );
    }
    if (!(error instanceof AuthenticationError)) return [];
    const accepted =
      error.schemes.length > 0
        ? error.schemes
        : ((request as Record<symbol, readonly string[] | undefined>)[AUTH_ROUTE_SCHEMES] ?? [
            ...new Set(this.config.defaultAlternatives.flat()),
          ]);
    return accepted.flatMap(
      (name) => schemes.get(name)?.challenges(error.scheme === name ? error : undefined) ?? [],
    );
  }
}
