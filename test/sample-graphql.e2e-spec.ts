import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import type { INestApplication } from '@nestjs/common';
import request from 'supertest';
import { AUTH_ERROR_MESSAGES, type AuthErrorCode } from '../lib/index.js';
import { SampleResolver } from '../sample/src/graphql/sample.resolver.js';
import {
  ALICE,
  BOB,
  basicOf,
  CHALLENGE,
  createTestSample,
  login,
  type Platform,
} from './sample/sample-app.js';
import { bearer, challenges } from './support/http.js';

/*
 * The sample's `POST /graphql` (the route table of sample/README.md; Apollo on Express, Mercurius
 * on Fastify), CONTRACT C-7: the same `AuthModule`, schemes and decisions as the REST routes,
 * answered in GraphQL's terms (`extensions.code` / `extensions.reason`), with HTTP 401 and the
 * challenges when the refused field is the whole operation (C-1, C-2).
 */

const { basic: BASIC, bearer: BEARER } = CHALLENGE;

/** A GraphQL response body. */
interface GraphqlBody {
  readonly data?: Record<string, unknown> | null;
  readonly errors?: readonly {
    readonly message: string;
    readonly path?: readonly string[];
    readonly extensions?: Record<string, unknown>;
  }[];
}

const ME = '{ me { username roles scheme } }';

/**
 * Counts the runs of the real `me` resolver (C-7.1: never without valid credentials). The spy
 * replaces the prototype's method before the apps are built (Nest binds resolvers at start-up)
 * and carries the original's decorator metadata (`@Auth`, `@Query`), which Nest reads from the
 * method itself.
 */
function countMeCalls(): { readonly count: () => number; readonly restore: () => void } {
  const original = SampleResolver.prototype.me;
  const spy = jest.spyOn(SampleResolver.prototype, 'me');
  for (const key of Reflect.getMetadataKeys(original) as unknown[])
    Reflect.defineMetadata(key, Reflect.getMetadata(key, original) as unknown, spy);
  return { count: () => spy.mock.calls.length, restore: () => spy.mockRestore() };
}

const meCalls = countMeCalls();
afterAll(() => meCalls.restore());

describe.each<[Platform]>([['express'], ['fastify']])('sample GraphQL on %s', (platform) => {
  let app: INestApplication;
  let server: unknown;

  /**
   * The challenges of a 401, as each server sends them (C-2): Apollo in one `WWW-Authenticate`
   * line, comma-separated (it sets headers from a map); Mercurius one line per challenge, like the
   * REST routes.
   */
  const challengeLines = (lines: readonly string[]): string[] =>
    platform === 'express' ? [lines.join(', ')] : [...lines];

  /** `POST /graphql` with a JSON body (Apollo's CSRF prevention wants `application/json`). */
  const graphql = (query: string, authorization?: string): request.Test => {
    const req = request(server as Parameters<typeof request>[0])
      .post('/graphql')
      .set('Content-Type', 'application/json');
    if (authorization !== undefined) req.set('Authorization', authorization);
    return req.send({ query });
  };

  /**
   * Asserts `me` refused as a whole: HTTP 401 with the challenges, one error with the module's
   * code and message (not an internal error of a resolver that ran without a principal), no data.
   */
  const expectMeRefused = (
    res: request.Response,
    reason: AuthErrorCode,
    expectedChallenges: readonly string[],
  ): void => {
    const body = res.body as GraphqlBody;
    expect({
      status: res.status,
      challenges: challenges(res),
      errors: body.errors?.map(({ message, path, extensions }) => ({ message, path, extensions })),
      me: body.data?.me ?? null,
    }).toEqual({
      status: 401,
      challenges: challengeLines(expectedChallenges),
      errors: [
        {
          message: AUTH_ERROR_MESSAGES[reason],
          path: ['me'],
          extensions: { code: 'UNAUTHENTICATED', reason },
        },
      ],
      me: null,
    });
    expect(res.headers['content-type']).toMatch(/^application\/(graphql-response\+)?json\b/);
  };

  beforeAll(async () => {
    app = await createTestSample(platform);
    server = app.getHttpServer();
  });

  afterAll(async () => {
    await app?.close();
  });

  it('C-5 @Public: { health { status } } answers 200 data without credentials', async () => {
    const res = await graphql('{ health { status } }');
    expect({ status: res.status, challenges: challenges(res), body: res.body as unknown }).toEqual({
      status: 200,
      challenges: [],
      body: { data: { health: { status: 'ok' } } },
    });
  });

  it('C-7, C-2: { me } without credentials is UNAUTHENTICATED credentials_missing, HTTP 401 with the Bearer and Basic challenges of GET /me', async () => {
    const before = meCalls.count();
    expectMeRefused(await graphql(ME), 'credentials_missing', [BEARER, BASIC]);
    expect(meCalls.count()).toBe(before);
  });

  it('C-3: Basic bob with a non-ASCII password (UTF-8) answers like GET /me', async () => {
    const before = meCalls.count();
    const res = await graphql(ME, basicOf(BOB));
    expect({ status: res.status, body: res.body as unknown }).toEqual({
      status: 200,
      body: { data: { me: { username: 'bob', roles: ['user'], scheme: 'basic' } } },
    });
    expect(meCalls.count()).toBe(before + 1);
  });

  it('C-7: a Bearer token from POST /auth/token (Basic alice) answers alice, scheme bearer', async () => {
    const { access_token } = await login(app, ALICE);
    const before = meCalls.count();
    const res = await graphql(ME, bearer(access_token));
    expect({ status: res.status, body: res.body as unknown }).toEqual({
      status: 200,
      body: { data: { me: { username: 'alice', roles: ['admin'], scheme: 'bearer' } } },
    });
    expect(meCalls.count()).toBe(before + 1);
  });

  it('C-1, C-2: a garbage Bearer token is UNAUTHENTICATED token_invalid with the invalid_token challenge', async () => {
    const before = meCalls.count();
    const res = await graphql(ME, bearer('not-a-jwt'));
    expect(meCalls.count()).toBe(before);
    expectMeRefused(res, 'token_invalid', [
      CHALLENGE.rejected('The access token is malformed'),
      BASIC,
    ]);
  });

  it('C-7: a token revoked by POST /auth/logout is refused (token_invalid, revoked)', async () => {
    const session = await login(app, ALICE);
    const valid = await graphql(ME, bearer(session.access_token));
    expect((valid.body as GraphqlBody).data).toEqual({
      me: { username: 'alice', roles: ['admin'], scheme: 'bearer' },
    });
    const logout = await request(server as Parameters<typeof request>[0])
      .post('/auth/logout')
      .set('Authorization', bearer(session.access_token));
    expect(logout.status).toBe(204);
    const runs = meCalls.count();
    const after = await graphql(ME, bearer(session.access_token));
    expect(meCalls.count()).toBe(runs);
    expectMeRefused(after, 'token_invalid', [
      CHALLENGE.rejected('The access token was revoked'),
      BASIC,
    ]);
  });

  it('C-7.4, C-7.5: with another root field, me is null beside the public data, HTTP 200 without challenges', async () => {
    const before = meCalls.count();
    const res = await graphql('{ health { status } me { username } }');
    expect(meCalls.count()).toBe(before);
    const body = res.body as GraphqlBody;
    expect({
      status: res.status,
      challenges: challenges(res),
      data: body.data,
      errors: body.errors?.map((error) => ({ path: error.path, code: error.extensions?.code })),
    }).toEqual({
      status: 200,
      challenges: [],
      data: { health: { status: 'ok' }, me: null },
      errors: [{ path: ['me'], code: 'UNAUTHENTICATED' }],
    });
  });

  it('serves no GraphiQL or landing page: GET /graphql as a browser is no HTML', async () => {
    const res = await request(server as Parameters<typeof request>[0])
      .get('/graphql')
      .set('Accept', 'text/html');
    expect(res.headers['content-type'] ?? '').not.toMatch(/text\/html/);
    const graphiql = await request(server as Parameters<typeof request>[0]).get('/graphiql');
    expect(graphiql.status).toBe(404);
  });
});
