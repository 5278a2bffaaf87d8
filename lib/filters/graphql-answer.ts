import type { ArgumentsHost } from '@nestjs/common';
import { type AuthError, AuthenticationError } from '../errors/auth.error.js';
import { CHALLENGE_HEADERS, challengeHeadersWith, exposeHeadersValue } from './cors-expose.js';
import { transportPayload } from './transport-payload.js';

/** GraphQL error codes by HTTP status: Apollo's conventions, which clients switch on. */
const GRAPHQL_CODES: Readonly<Record<number, string>> = {
  400: 'BAD_REQUEST',
  401: 'UNAUTHENTICATED',
  403: 'FORBIDDEN',
  429: 'TOO_MANY_REQUESTS',
  503: 'SERVICE_UNAVAILABLE',
};

/** The HTTP answer of a GraphQL operation refused as a whole, for `withAuthStatus()`. */
export const GRAPHQL_HTTP_ANSWER = Symbol('nest-http-auth:graphql-http-answer');

/** What a refused GraphQL field resolves to: an error that graphql-js reports with its extensions. */
export class GraphqlAuthError extends Error {
  override readonly name = 'GraphqlAuthError';
  readonly extensions: Record<string, unknown>;
  /**
   * The HTTP status Mercurius answers when the response has no data: 200, unless the operation was
   * refused as a whole (then the challenges are on the reply too).
   */
  statusCode = 200;
  [GRAPHQL_HTTP_ANSWER]?: { readonly status: number; readonly challenges: readonly string[] };

  constructor(error: AuthError) {
    super(error.message);
    this.stack = undefined;
    const payload = transportPayload(error);
    this.extensions = {
      code: GRAPHQL_CODES[payload.statusCode] ?? 'INTERNAL_SERVER_ERROR',
      reason: payload.code,
      ...(payload.retryAfter === undefined ? {} : { retryAfter: payload.retryAfter }),
    };
  }
}

/** The parts of a GraphQL resolver's `info` this module reads. */
interface ResolveInfoLike {
  readonly path?: { readonly prev?: unknown };
  readonly operation?: {
    readonly operation?: string;
    readonly selectionSet?: { readonly selections?: readonly { readonly kind?: string }[] };
  };
}

/** The parts of a GraphQL context this module writes to: Apollo's `req`, Mercurius' `reply`. */
interface GraphqlContextLike {
  /** The HTTP request; on Express its response is `req.res`. */
  readonly req?: object;
  readonly reply?: {
    readonly request?: object;
    readonly header?: (name: string, value: unknown) => unknown;
  };
}

/**
 * Whether a refused field is the whole operation: the only field selected at the root of a query or
 * mutation (a subscription's answer travels over its WebSocket, without an HTTP status).
 */
function isWholeOperation(info: unknown): boolean {
  const { path, operation } = (info ?? {}) as ResolveInfoLike;
  if (path === undefined || path.prev !== undefined) return false;
  if (operation?.operation === 'subscription') return false;
  const selections = operation?.selectionSet?.selections ?? [];
  return selections.length === 1 && selections[0]?.kind === 'Field';
}

/**
 * A GraphQL resolver's answer to a refused field: an error with `extensions.code`
 * (`UNAUTHENTICATED`, `FORBIDDEN`, …) and `extensions.reason` (the module's code). When an
 * authentication failure refuses the operation as a whole, the HTTP response carries the challenges
 * and a 401: on Apollo through `extensions.http` (one `WWW-Authenticate` line, challenges separated
 * by commas; Nest's driver keeps the status only with `preserveHttpStatusForExecutionErrors:
 * false`), on Mercurius as headers of the reply (one line per challenge) and a status that
 * `withAuthStatus()` applies. The failing scheme's own header (`extra`, e.g. `DPoP-Nonce` on
 * `use_dpop_nonce`) goes with the challenges.
 */
export function graphqlFailure(
  error: AuthError,
  host: ArgumentsHost,
  challenges: (request: object) => readonly string[],
  extra?: readonly [name: string, value: string],
): GraphqlAuthError {
  const failure = new GraphqlAuthError(error);
  if (!(error instanceof AuthenticationError) || !isWholeOperation(host.getArgByIndex(3))) {
    return failure;
  }
  const gqlContext: GraphqlContextLike =
    host.getArgByIndex<GraphqlContextLike | undefined>(2) ?? {};
  const request = gqlContext.req ?? gqlContext.reply?.request ?? {};
  const lines = challenges(request);
  const status = error.getStatus();
  failure[GRAPHQL_HTTP_ANSWER] = { status, challenges: lines };
  failure.statusCode = status;
  // A cross-origin script reads the challenge (and the scheme's header) only when exposed (C-2.10).
  const expose = extra === undefined ? CHALLENGE_HEADERS : challengeHeadersWith(extra[0]);
  if (typeof gqlContext.reply?.header === 'function') {
    if (lines.length > 0) gqlContext.reply.header('WWW-Authenticate', lines);
    if (extra !== undefined) gqlContext.reply.header(extra[0], extra[1]);
    const exposed = exposeHeadersValue(gqlContext.reply, expose);
    if (exposed !== undefined) gqlContext.reply.header('Access-Control-Expose-Headers', exposed);
  } else {
    const headers = new Map<string, string>();
    if (lines.length > 0) headers.set('www-authenticate', lines.join(', '));
    if (extra !== undefined) headers.set(extra[0].toLowerCase(), extra[1]);
    // Apollo writes these over the response's own headers: merge with what CORS already exposes.
    const exposed = exposeHeadersValue(
      (gqlContext.req as { res?: unknown } | undefined)?.res,
      expose,
    );
    if (exposed !== undefined) headers.set('access-control-expose-headers', exposed);
    failure.extensions.http = { status, headers };
  }
  return failure;
}
