import { describe, expect, it } from '@jest/globals';
import { ExecutionContextHost } from '@nestjs/core/helpers/execution-context-host.js';
import { firstValueFrom } from 'rxjs';
import {
  AuthenticationError,
  AuthorizationError,
  TooManyAttemptsError,
} from '../errors/auth.error.js';
import { withAuthStatus } from '../filters/with-auth-status.js';
import { answerGateway, GATEWAY_ERROR_EVENT } from './gateway-answer.js';
import { GRAPHQL_HTTP_ANSWER, graphqlFailure } from './graphql-answer.js';
import { rpcFailure } from './rpc-answer.js';

/* docs/contract.md C-7: every refusal reaches the client in its transport's own terms, with the code. */

const CHALLENGES = ['Bearer realm="api"', 'Basic realm="api", charset="UTF-8"'];
const missing = new AuthenticationError('credentials_missing', { schemes: ['bearer', 'basic'] });

function host(type: string, args: unknown[]): ExecutionContextHost {
  const context = new ExecutionContextHost(args);
  context.setType(type);
  return context;
}

/** A resolver's `info` for a root field of an operation selecting `fields` root fields. */
function info(fields: number, operation = 'query', root = true) {
  return {
    path: root ? { key: 'me', prev: undefined } : { key: 'name', prev: { key: 'me' } },
    operation: {
      operation,
      selectionSet: { selections: Array.from({ length: fields }, () => ({ kind: 'Field' })) },
    },
  };
}

describe('graphqlFailure', () => {
  it('C-7: carries extensions.code and the module’s code as extensions.reason', () => {
    const failure = graphqlFailure(
      missing,
      host('graphql', [{}, {}, { req: {} }, info(2)]),
      () => CHALLENGES,
    );
    expect(failure.message).toBe(missing.message);
    expect(failure.extensions).toEqual({ code: 'UNAUTHENTICATED', reason: 'credentials_missing' });
    expect(
      graphqlFailure(new AuthorizationError(), host('graphql', [{}, {}, {}, info(1)]), () => [])
        .extensions,
    ).toEqual({
      code: 'FORBIDDEN',
      reason: 'insufficient_scope',
    });
    expect(
      graphqlFailure(
        new TooManyAttemptsError({ retryAfter: 9 }),
        host('graphql', [{}, {}, {}, info(1)]),
        () => [],
      ).extensions,
    ).toEqual({ code: 'TOO_MANY_REQUESTS', reason: 'too_many_attempts', retryAfter: 9 });
  });

  it('C-7, C-2: on Apollo, an operation refused as a whole is a 401 with the challenges (one line)', () => {
    const failure = graphqlFailure(
      missing,
      host('graphql', [{}, {}, { req: {} }, info(1)]),
      () => CHALLENGES,
    );
    expect(failure.extensions.http).toEqual({
      status: 401,
      headers: new Map([['www-authenticate', CHALLENGES.join(', ')]]),
    });
  });

  it('C-7, C-2: on Mercurius, the challenges go on the reply, one line each, and withAuthStatus() answers 401', () => {
    const headers: [string, unknown][] = [];
    const reply = {
      request: {},
      header: (name: string, value: unknown) => headers.push([name, value]),
    };
    const failure = graphqlFailure(
      missing,
      host('graphql', [{}, {}, { reply }, info(1)]),
      () => CHALLENGES,
    );
    expect(headers).toEqual([['WWW-Authenticate', CHALLENGES]]);
    expect(failure.extensions.http).toBeUndefined();
    const format = withAuthStatus(() => ({ statusCode: 200, response: { data: { me: null } } }));
    expect(format({ errors: [{ originalError: failure }] }, {}).statusCode).toBe(401);
    expect(format({ errors: [{ originalError: new Error('other') }] }, {}).statusCode).toBe(200);
  });

  /** An operation refused as a whole with CORS on: Apollo's `extensions.http`, Mercurius' headers. */
  function refusedWithCors(extra?: readonly [string, string]) {
    const cors = (name: string): string | undefined =>
      name.toLowerCase() === 'access-control-allow-origin' ? 'http://app.test' : undefined;
    const apollo = graphqlFailure(
      missing,
      host('graphql', [{}, {}, { req: { res: { getHeader: cors } } }, info(1)]),
      () => CHALLENGES,
      extra,
    );
    const headers: [string, unknown][] = [];
    const reply = {
      request: {},
      getHeader: cors,
      header: (name: string, value: unknown) => headers.push([name, value]),
    };
    graphqlFailure(missing, host('graphql', [{}, {}, { reply }, info(1)]), () => CHALLENGES, extra);
    return { apollo: apollo.extensions.http, mercurius: headers };
  }

  it('C-7.5, C-2.10: with CORS on, the challenges of a refused operation are exposed (Apollo and Mercurius)', () => {
    expect(refusedWithCors()).toEqual({
      apollo: {
        status: 401,
        headers: new Map([
          ['www-authenticate', CHALLENGES.join(', ')],
          ['access-control-expose-headers', 'WWW-Authenticate'],
        ]),
      },
      mercurius: [
        ['WWW-Authenticate', CHALLENGES],
        ['Access-Control-Expose-Headers', 'WWW-Authenticate'],
      ],
    });
  });

  it("C-7, C-2.13: the failing scheme's own header (DPoP-Nonce) goes with the challenges, exposed to CORS", () => {
    expect(refusedWithCors(['DPoP-Nonce', 'n-1'])).toEqual({
      apollo: {
        status: 401,
        headers: new Map([
          ['www-authenticate', CHALLENGES.join(', ')],
          ['dpop-nonce', 'n-1'],
          ['access-control-expose-headers', 'WWW-Authenticate, DPoP-Nonce'],
        ]),
      },
      mercurius: [
        ['WWW-Authenticate', CHALLENGES],
        ['DPoP-Nonce', 'n-1'],
        ['Access-Control-Expose-Headers', 'WWW-Authenticate, DPoP-Nonce'],
      ],
    });
  });

  it('C-7: no HTTP status when other root fields may answer, for nested fields, subscriptions and 403s', () => {
    for (const [error, resolveInfo] of [
      [missing, info(2)],
      [missing, info(1, 'query', false)],
      [missing, info(1, 'subscription')],
      [new AuthorizationError(), info(1)],
    ] as const) {
      const failure = graphqlFailure(
        error,
        host('graphql', [{}, {}, { req: {} }, resolveInfo]),
        () => CHALLENGES,
      );
      expect(failure.extensions.http).toBeUndefined();
      expect(failure[GRAPHQL_HTTP_ANSWER]).toBeUndefined();
    }
  });
});

describe('answerGateway', () => {
  const payload = {
    status: 'error',
    code: 'credentials_missing',
    message: missing.message,
    statusCode: 401,
  };

  it('C-7: socket.io: the exception event, and the acknowledgement when one was asked for', () => {
    const emitted: unknown[] = [];
    const acked: unknown[] = [];
    const client = { handshake: {}, emit: (...args: unknown[]) => emitted.push(args) };
    answerGateway(missing, host('ws', [client, { n: 1 }, (answer: unknown) => acked.push(answer)]));
    expect(emitted).toEqual([[GATEWAY_ERROR_EVENT, payload]]);
    expect(acked).toEqual([payload]);
  });

  it('C-7: ws: an exception message on an open socket', () => {
    const sent: string[] = [];
    answerGateway(
      missing,
      host('ws', [{ readyState: 1, send: (data: string) => sent.push(data) }, {}]),
    );
    expect(sent.map((text) => JSON.parse(text) as unknown)).toEqual([
      { event: GATEWAY_ERROR_EVENT, data: payload },
    ]);
  });
});

describe('rpcFailure', () => {
  it('C-7: an RPC error that reaches the client, with the code', async () => {
    await expect(firstValueFrom(rpcFailure(missing))).rejects.toEqual({
      status: 'error',
      code: 'credentials_missing',
      message: missing.message,
      statusCode: 401,
    });
  });
});
