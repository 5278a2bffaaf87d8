import {
  type ArgumentsHost,
  Catch,
  type ExceptionFilter,
  Inject,
  Injectable,
} from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { AUTH_CONFIG } from '../auth.constants.js';
import { routeSchemesOf } from '../core/route-auth-context.js';
import { authContextOf } from '../core/request-auth-context.js';
import {
  AuthenticationError,
  AuthError,
  AuthorizationError,
  AuthUnavailableError,
  TooManyAttemptsError,
} from '../errors/auth.error.js';
import type { ResolvedAuthOptions } from '../options/resolve-options.js';
import {
  CHALLENGE_HEADERS,
  challengeHeadersWith,
  exposeHeadersValue,
  RETRY_HEADERS,
} from './cors-expose.js';
import { ERROR_CONTENT_TYPES, errorBody } from './error-body.js';
import { answerGateway } from './gateway-answer.js';
import { graphqlFailure } from './graphql-answer.js';
import { rpcFailure } from './rpc-answer.js';

/** Most challenge lists remembered per route (and for 403s): app-thrown errors may vary. */
const MAX_REMEMBERED_CHALLENGES = 64;

/**
 * Turns the module's errors into responses per docs/contract.md C-1, C-2 and C-4, on any platform
 * (through `HttpAdapterHost`): one `WWW-Authenticate` line per accepted scheme on 401/400 (and the
 * failing scheme's own header, DPoP's `DPoP-Nonce`), the Bearer `insufficient_scope` challenge on
 * 403, `Retry-After` on 503, and a JSON (or problem+json)
 * body with a stable `code`. On the other transports (C-7) it answers in their own terms: a GraphQL
 * error, a gateway `exception` event (and acknowledgement), an RPC error reply. Every other
 * exception keeps Nest's normal handling.
 */
@Catch(AuthError)
@Injectable()
export class AuthExceptionFilter implements ExceptionFilter<AuthError> {
  /**
   * Challenge lines already built, by the list of accepted schemes (the guard's per-route array,
   * so one entry per route) and by what the challenges depend on. Challenges are quoted and
   * escaped strings: building them once per route and error instead of once per 401 keeps the
   * failure path cheap. Each list is frozen, as it is shared by every response.
   */
  private readonly challengeLines = new WeakMap<
    readonly string[],
    Map<string, readonly string[]>
  >();
  /** 403 challenges, by deciding schemes and required scopes. */
  private readonly forbiddenLines = new Map<string, readonly string[]>();
  /** The schemes challenged where no guard ran: the module's defaults, once each. */
  private readonly defaultSchemes: readonly string[];
  /**
   * Serialised bodies, by error. The guard answers a request that sent nothing, and a remembered
   * wrong credential, with the same error object every time (one per route), so their body is
   * serialised once.
   */
  private readonly bodies = new WeakMap<AuthError, string>();

  constructor(
    private readonly adapterHost: HttpAdapterHost,
    @Inject(AUTH_CONFIG) private readonly config: ResolvedAuthOptions,
  ) {
    this.defaultSchemes = [...new Set(config.defaultAlternatives.flat())];
  }

  catch(error: AuthError, host: ArgumentsHost): unknown {
    switch (host.getType<string>()) {
      case 'http':
        return this.answerHttp(error, host);
      case 'graphql':
        // A resolver that returns an error is a field error with that error's extensions.
        return graphqlFailure(
          error,
          host,
          (request) => this.challenges(error, request),
          this.errorHeader(error),
        );
      case 'ws':
        return answerGateway(error, host);
      case 'rpc':
        return rpcFailure(error);
      default:
        throw error;
    }
  }

  private answerHttp(error: AuthError, host: ArgumentsHost): void {
    const { httpAdapter } = this.adapterHost;
    // An HTTP handler's arguments are (request, response), read by index (docs/architecture.md).
    const response: unknown = host.getArgByIndex(1);
    const challenges = this.challenges(error, host.getArgByIndex<object>(0));
    if (challenges.length > 0) {
      // An array becomes one header line per challenge on Express and Fastify alike.
      httpAdapter.setHeader(response, 'WWW-Authenticate', challenges as unknown as string);
    }
    const retry = error instanceof AuthUnavailableError || error instanceof TooManyAttemptsError;
    if (retry) httpAdapter.setHeader(response, 'Retry-After', String(error.retryAfter));
    const extra = this.errorHeader(error);
    if (extra !== undefined) httpAdapter.setHeader(response, extra[0], extra[1]);
    // A cross-origin script reads these only when exposed; nothing is done without CORS.
    const exposed = exposeHeadersValue(
      response,
      retry ? RETRY_HEADERS : extra ? challengeHeadersWith(extra[0]) : CHALLENGE_HEADERS,
    );
    if (exposed !== undefined)
      httpAdapter.setHeader(response, 'Access-Control-Expose-Headers', exposed);
    httpAdapter.setHeader(response, 'Content-Type', ERROR_CONTENT_TYPES[this.config.errorFormat]);
    httpAdapter.reply(response, this.body(error), error.getStatus());
  }

  /** The failing scheme's own header for its 401/400 (e.g. `DPoP-Nonce`), if it has one. */
  private errorHeader(error: AuthError): readonly [string, string] | undefined {
    if (!(error instanceof AuthenticationError) || error.scheme === undefined) return undefined;
    return this.config.schemes.get(error.scheme)?.errorHeader?.(error);
  }

  /** The error's body, serialised (the platforms send a string as it is, with our Content-Type). */
  private body(error: AuthError): string {
    let body = this.bodies.get(error);
    if (body === undefined) {
      body = JSON.stringify(
        errorBody(error, this.config.errorFormat, this.config.documentationUrl),
      );
      this.bodies.set(error, body);
    }
    return body;
  }

  /**
   * The challenges of a response: one per accepted scheme for 401/400, the Bearer
   * `insufficient_scope` challenge on 403. For an error the application threw itself (no schemes
   * attached), the route's schemes and principals stored by the guard are used, and the module's
   * defaults only where no guard ran.
   */
  protected challenges(error: AuthError, request: object): readonly string[] {
    if (error instanceof AuthorizationError) {
      const deciding =
        error.schemes.length > 0
          ? error.schemes
          : Object.keys(authContextOf(request)?.principals ?? {});
      // A 403 challenge depends on the deciding schemes and the required scopes only.
      const key = `${deciding.join('\0')}\0\0${error.scopes.join(' ')}`;
      return (
        this.forbiddenLines.get(key) ??
        remember(
          this.forbiddenLines,
          key,
          deciding.flatMap(
            (name) => this.config.schemes.get(name)?.forbiddenChallenge?.(error.scopes) ?? [],
          ),
        )
      );
    }
    if (!(error instanceof AuthenticationError)) return [];
    const accepted =
      error.schemes.length > 0
        ? error.schemes
        : (routeSchemesOf(authContextOf(request)) ?? this.defaultSchemes);
    // A scheme's 401/400 challenge depends on whether the error is its own, and then on the
    // error's code and description only.
    const key =
      error.scheme === undefined && error.description === undefined
        ? error.code
        : `${error.code}\0${error.scheme ?? ''}\0${error.description ?? ''}`;
    let byError = this.challengeLines.get(accepted);
    if (!byError)
      this.challengeLines.set(accepted, (byError = new Map<string, readonly string[]>()));
    return (
      byError.get(key) ??
      remember(
        byError,
        key,
        accepted.flatMap(
          (name) =>
            this.config.schemes.get(name)?.challenges(error.scheme === name ? error : undefined) ??
            [],
        ),
      )
    );
  }
}

/** Keeps a frozen list of challenges (shared by every response), at most a bounded number per map. */
function remember(
  map: Map<string, readonly string[]>,
  key: string,
  lines: string[],
): readonly string[] {
  if (map.size >= MAX_REMEMBERED_CHALLENGES) map.clear();
  const frozen = Object.freeze(lines);
  map.set(key, frozen);
  return frozen;
}
