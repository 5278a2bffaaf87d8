import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { INestApplication } from '@nestjs/common';
import { decodeJwt } from 'jose';
import request from 'supertest';
import { ApiKeysRepository } from '../sample/src/api-keys/api-keys.repository.js';
import { REFRESH_REJECTED } from '../sample/src/controllers/auth.controller.js';
import { SQLITE } from '../sample/src/database/database.tokens.js';
import type { SqliteDatabase } from '../sample/src/database/open-database.js';
import { refreshTokenDigest } from '../sample/src/tokens/refresh-token.js';
import type { TokenPair } from '../sample/src/tokens/token-pair.js';
import {
  ALICE,
  API_KEY,
  BOB,
  basicOf,
  CHALLENGE,
  createTestSample,
  login,
  PUBLIC_URL,
  RESOURCE_METADATA_URL,
  signAccessToken,
  type Platform,
} from './sample/sample-app.js';
import { expectAuthFailure } from './support/expectations.js';
import { basic, basicBytes, bearer, challenges } from './support/http.js';

/*
 * The sample app's interface, row by row of the route table of sample/README.md, on Express and
 * Fastify: each route's success and each failure status, with the exact challenges and error bodies
 * of docs/contract.md C-1..C-5.
 */

const {
  basic: BASIC,
  bearer: BEARER,
  apiKeyHeader: KEY_HEADER,
  apiKeyQuery: KEY_QUERY,
} = CHALLENGE;
const API_KEY_CHALLENGES = [KEY_HEADER, KEY_QUERY];
const REVOKED = CHALLENGE.rejected('The access token was revoked');

/** A refresh that the sample refused: 401 `token_invalid`, challenged with Basic (log in again). */
function expectRefreshRejected(res: request.Response): void {
  expect({ status: res.status, challenges: challenges(res), body: res.body as unknown }).toEqual({
    status: 401,
    challenges: [BASIC],
    body: {
      statusCode: 401,
      error: 'Unauthorized',
      message: REFRESH_REJECTED,
      code: 'token_invalid',
    },
  });
}

describe.each<[Platform]>([['express'], ['fastify']])('sample on %s', (platform) => {
  let app: INestApplication;
  let server: unknown;
  /** alice's first login (admin); never revoked by the tests. */
  let alice: TokenPair;
  /** bob's first login (user). */
  let bob: TokenPair;

  const http = (): ReturnType<typeof request> => request(server as Parameters<typeof request>[0]);

  beforeAll(async () => {
    app = await createTestSample(platform);
    server = app.getHttpServer();
    [alice, bob] = await Promise.all([login(app, ALICE), login(app, BOB)]);
  });

  afterAll(async () => {
    await app?.close();
  });

  describe('GET /health (public)', () => {
    it('answers 200 {"status":"ok"} without credentials', async () => {
      const res = await http().get('/health');
      expect({ status: res.status, body: res.body as unknown }).toEqual({
        status: 200,
        body: { status: 'ok' },
      });
    });

    it('ignores credentials, even invalid ones (C-5 @Public)', async () => {
      const res = await http().get('/health').set('Authorization', bearer('not-a-token'));
      expect(res.status).toBe(200);
    });
  });

  describe('GET /me (Bearer OR Basic)', () => {
    it('Basic alice, whose password contains a colon (C-3: the user-id ends at the first colon)', async () => {
      const res = await http().get('/me').set('Authorization', basicOf(ALICE));
      expect({ status: res.status, body: res.body as unknown }).toEqual({
        status: 200,
        body: { username: 'alice', roles: ['admin'], scheme: 'basic' },
      });
    });

    it('Basic bob, whose password is non-ASCII, sent as UTF-8 (C-3, RFC 7617 §2.1)', async () => {
      const res = await http().get('/me').set('Authorization', basicOf(BOB));
      expect({ status: res.status, body: res.body as unknown }).toEqual({
        status: 200,
        body: { username: 'bob', roles: ['user'], scheme: 'basic' },
      });
    });

    it("rejects bob's password sent as Latin-1 (what btoa alone would send) with 401 credentials_invalid", async () => {
      const latin1 = [...Buffer.from(`bob:${BOB.password}`, 'latin1')];
      const res = await http().get('/me').set('Authorization', basicBytes(latin1));
      expectAuthFailure(res, 'credentials_invalid', [BEARER, BASIC]);
    });

    it('Bearer token from POST /auth/token', async () => {
      const res = await http().get('/me').set('Authorization', bearer(alice.access_token));
      expect({ status: res.status, body: res.body as unknown }).toEqual({
        status: 200,
        body: { username: 'alice', roles: ['admin'], scheme: 'bearer' },
      });
    });

    it('401 credentials_missing with both challenges, Bearer first (C-2)', async () => {
      expectAuthFailure(await http().get('/me'), 'credentials_missing', [BEARER, BASIC]);
    });

    it('401 credentials_invalid for a wrong password and for an unknown user (C-1)', async () => {
      const wrong = await http().get('/me').set('Authorization', basic('alice', 'wonder'));
      expectAuthFailure(wrong, 'credentials_invalid', [BEARER, BASIC]);
      const unknown = await http().get('/me').set('Authorization', basic('mallory', 'x:y'));
      expectAuthFailure(unknown, 'credentials_invalid', [BEARER, BASIC]);
    });

    it('401 token_expired with expires_at for an expired token (C-2, C-4)', async () => {
      const exp = Math.floor(Date.now() / 1000) - 60;
      const token = await signAccessToken({ sub: 'alice', roles: ['admin'], exp });
      const res = await http().get('/me').set('Authorization', bearer(token));
      expectAuthFailure(
        res,
        'token_expired',
        [CHALLENGE.rejected('The access token expired'), BASIC],
        { expires_at: new Date(exp * 1000).toISOString() },
      );
    });

    it('401 token_invalid for a token signed with another secret or by another issuer', async () => {
      const forged = await signAccessToken(
        { sub: 'alice', roles: ['admin'] },
        { secret: 'another-secret-0123456789-0123456789-abc' },
      );
      expectAuthFailure(
        await http().get('/me').set('Authorization', bearer(forged)),
        'token_invalid',
        [CHALLENGE.rejected('The access token signature is invalid'), BASIC],
      );
      const foreign = await signAccessToken(
        { sub: 'alice', roles: ['admin'] },
        { issuer: 'someone-else' },
      );
      expectAuthFailure(
        await http().get('/me').set('Authorization', bearer(foreign)),
        'token_invalid',
        [CHALLENGE.rejected('The access token iss claim is not accepted'), BASIC],
      );
    });
  });

  describe('POST /auth/token (Basic)', () => {
    it('200 with an HS256 access token (sub, roles, jti, iat, exp, iss) and a refresh token', async () => {
      expect(alice).toEqual({
        access_token: expect.stringMatching(/^[\w-]+\.[\w-]+\.[\w-]+$/),
        token_type: 'Bearer',
        expires_in: 900,
        refresh_token: expect.stringMatching(/^[\w-]{43}$/),
      });
      const claims = decodeJwt(alice.access_token);
      expect(claims).toEqual({
        sub: 'alice',
        roles: ['admin'],
        jti: expect.any(String),
        iat: expect.any(Number),
        exp: (claims.iat ?? 0) + 900,
        iss: 'nest-http-auth-sample',
      });
      expect(decodeJwt(bob.access_token).jti).not.toBe(claims.jti);
    });

    it('401 credentials_missing with the Basic challenge only', async () => {
      expectAuthFailure(await http().post('/auth/token'), 'credentials_missing', [BASIC]);
    });

    it('401 credentials_invalid for a wrong password', async () => {
      const res = await http().post('/auth/token').set('Authorization', basic('bob', 'builder£4'));
      expectAuthFailure(res, 'credentials_invalid', [BASIC]);
    });

    it('a Bearer token is not accepted here: 401 credentials_missing', async () => {
      const res = await http().post('/auth/token').set('Authorization', bearer(alice.access_token));
      expectAuthFailure(res, 'credentials_missing', [BASIC]);
    });

    it('Content-Type: application/json with an empty body is no body (no 400 from Fastify before the guard)', async () => {
      const anonymous = await http().post('/auth/token').set('Content-Type', 'application/json');
      expectAuthFailure(anonymous, 'credentials_missing', [BASIC]);
      const res = await http()
        .post('/auth/token')
        .set('Content-Type', 'application/json')
        .set('Authorization', basicOf(BOB));
      expect(res.status).toBe(200);
    });
  });

  describe('POST /auth/refresh (public, JSON body)', () => {
    it('rotates: a refresh token works once and the new access token works', async () => {
      const first = await login(app, BOB);
      const res = await http().post('/auth/refresh').send({ refresh_token: first.refresh_token });
      expect(res.status).toBe(200);
      const next = res.body as TokenPair;
      expect(next).toEqual({
        access_token: expect.any(String),
        token_type: 'Bearer',
        expires_in: 900,
        refresh_token: expect.stringMatching(/^[\w-]{43}$/),
      });
      expect(next.refresh_token).not.toBe(first.refresh_token);
      const me = await http().get('/me').set('Authorization', bearer(next.access_token));
      expect(me.body).toEqual({ username: 'bob', roles: ['user'], scheme: 'bearer' });
      // Single use: the second use is refused...
      expectRefreshRejected(
        await http().post('/auth/refresh').send({ refresh_token: first.refresh_token }),
      );
    });

    it('a reused refresh token revokes its whole family: the newer refresh and access tokens fail too', async () => {
      const first = await login(app, BOB);
      const rotated = (
        await http().post('/auth/refresh').send({ refresh_token: first.refresh_token })
      ).body as TokenPair;
      expectRefreshRejected(
        await http().post('/auth/refresh').send({ refresh_token: first.refresh_token }),
      );
      expectRefreshRejected(
        await http().post('/auth/refresh').send({ refresh_token: rotated.refresh_token }),
      );
      for (const token of [first.access_token, rotated.access_token]) {
        const res = await http().get('/me').set('Authorization', bearer(token));
        expectAuthFailure(res, 'token_invalid', [REVOKED, BASIC]);
      }
      // Another login of the same user is another family: untouched.
      const other = await http().get('/me').set('Authorization', bearer(bob.access_token));
      expect(other.status).toBe(200);
    });

    it('401 token_invalid (Basic challenge) for an unknown token and for an access token', async () => {
      expectRefreshRejected(
        await http()
          .post('/auth/refresh')
          .send({ refresh_token: 'x'.repeat(43) }),
      );
      expectRefreshRejected(
        await http().post('/auth/refresh').send({ refresh_token: alice.access_token }),
      );
    });

    it('401 token_invalid for a refresh token past its expiry', async () => {
      const pair = await login(app, BOB);
      // Age the stored token instead of waiting REFRESH_TOKEN_TTL seconds.
      app
        .get<symbol, SqliteDatabase>(SQLITE)
        .prepare('UPDATE refresh_tokens SET expires_at = unixepoch() - 1 WHERE digest = ?')
        .run(refreshTokenDigest(pair.refresh_token));
      expectRefreshRejected(
        await http().post('/auth/refresh').send({ refresh_token: pair.refresh_token }),
      );
    });

    it.each<[string, (req: request.Test) => request.Test]>([
      ['no body', (req) => req],
      ['an empty JSON body', (req) => req.set('Content-Type', 'application/json')],
      ['a JSON array', (req) => req.send([])],
      ['no refresh_token', (req) => req.send({ token: 'abc' })],
      ['a refresh_token that is not a string', (req) => req.send({ refresh_token: 42 })],
      ['an empty refresh_token', (req) => req.send({ refresh_token: '' })],
    ])('400 for %s, with a message that says what the body must be', async (_, build) => {
      const res = await build(http().post('/auth/refresh'));
      expect({ status: res.status, body: res.body as unknown }).toEqual({
        status: 400,
        body: {
          statusCode: 400,
          error: 'Bad Request',
          message: expect.stringMatching(/refresh_token/),
        },
      });
      expect(challenges(res)).toEqual([]);
    });

    it('400 for a body that is not JSON', async () => {
      const res = await http()
        .post('/auth/refresh')
        .set('Content-Type', 'application/json')
        .send('{"refresh_token":');
      expect(res.status).toBe(400);
    });
  });

  describe('POST /auth/logout (Bearer)', () => {
    it('204; the access token then gets 401 token_invalid and its refresh token is refused', async () => {
      const session = await login(app, ALICE);
      const before = await http().get('/me').set('Authorization', bearer(session.access_token));
      expect(before.status).toBe(200);
      const res = await http()
        .post('/auth/logout')
        .set('Authorization', bearer(session.access_token));
      expect({ status: res.status, text: res.text }).toEqual({ status: 204, text: '' });
      const after = await http().get('/me').set('Authorization', bearer(session.access_token));
      expectAuthFailure(after, 'token_invalid', [REVOKED, BASIC]);
      expectRefreshRejected(
        await http().post('/auth/refresh').send({ refresh_token: session.refresh_token }),
      );
      // Only that session ends: alice's other token still works.
      const other = await http().get('/me').set('Authorization', bearer(alice.access_token));
      expect(other.status).toBe(200);
    });

    it('works for a client that sends Content-Type: application/json without a body', async () => {
      const session = await login(app, BOB);
      const res = await http()
        .post('/auth/logout')
        .set('Content-Type', 'application/json')
        .set('Authorization', bearer(session.access_token));
      expect(res.status).toBe(204);
    });

    it('401 credentials_missing (Bearer challenge only) without a token, or with Basic', async () => {
      expectAuthFailure(await http().post('/auth/logout'), 'credentials_missing', [BEARER]);
      const res = await http().post('/auth/logout').set('Authorization', basicOf(ALICE));
      expectAuthFailure(res, 'credentials_missing', [BEARER]);
    });
  });

  describe('GET /reports (API key, scope reports:read)', () => {
    const REPORTS = [
      { id: 'signups-2026-01', title: 'Sign-ups, January 2026', total: 1284 },
      { id: 'signups-2026-02', title: 'Sign-ups, February 2026', total: 1391 },
    ];

    it('200 with the key in the X-API-Key header', async () => {
      const res = await http().get('/reports').set('X-API-Key', API_KEY);
      expect({ status: res.status, body: res.body as unknown }).toEqual({
        status: 200,
        body: REPORTS,
      });
    });

    it('200 with the key in the api_key query parameter', async () => {
      const res = await http().get('/reports').query({ api_key: API_KEY });
      expect({ status: res.status, body: res.body as unknown }).toEqual({
        status: 200,
        body: REPORTS,
      });
    });

    it('401 credentials_missing with one ApiKey challenge per location (C-2)', async () => {
      expectAuthFailure(await http().get('/reports'), 'credentials_missing', API_KEY_CHALLENGES);
      const res = await http().get('/reports').set('Authorization', bearer(bob.access_token));
      expectAuthFailure(res, 'credentials_missing', API_KEY_CHALLENGES);
    });

    it('401 credentials_invalid for an unknown key, in the header or the query', async () => {
      const wrong = `${API_KEY.slice(0, -1)}X`;
      expectAuthFailure(
        await http().get('/reports').set('X-API-Key', wrong),
        'credentials_invalid',
        API_KEY_CHALLENGES,
      );
      expectAuthFailure(
        await http().get('/reports').query({ api_key: 'ak_nope' }),
        'credentials_invalid',
        API_KEY_CHALLENGES,
      );
    });

    it('403 insufficient_scope for a valid key without reports:read (no challenge for API keys)', async () => {
      const key = `ak_test_${platform}_NoScope1234`;
      app.get(ApiKeysRepository).insert(key, { owner: 'bob', scopes: [] });
      const res = await http().get('/reports').set('X-API-Key', key);
      expectAuthFailure(res, 'insufficient_scope', []);
    });
  });

  describe('POST /reports/export (API key AND Bearer)', () => {
    it('200 {"exported":true} with both', async () => {
      const res = await http()
        .post('/reports/export')
        .set('X-API-Key', API_KEY)
        .set('Authorization', bearer(alice.access_token));
      expect({ status: res.status, body: res.body as unknown }).toEqual({
        status: 200,
        body: { exported: true },
      });
    });

    it('401 credentials_missing with only one of them, or none (C-5 all-of)', async () => {
      const all = [...API_KEY_CHALLENGES, BEARER];
      const keyOnly = await http().post('/reports/export').query({ api_key: API_KEY });
      expectAuthFailure(keyOnly, 'credentials_missing', all);
      const tokenOnly = await http()
        .post('/reports/export')
        .set('Authorization', bearer(alice.access_token));
      expectAuthFailure(tokenOnly, 'credentials_missing', all);
      expectAuthFailure(await http().post('/reports/export'), 'credentials_missing', all);
    });

    it('401 when one of the two is invalid', async () => {
      const res = await http()
        .post('/reports/export')
        .set('X-API-Key', API_KEY)
        .set('Authorization', bearer('bm90LWEtand0'));
      expectAuthFailure(res, 'token_invalid', [
        ...API_KEY_CHALLENGES,
        CHALLENGE.rejected('The access token is malformed'),
      ]);
    });
  });

  describe('GET /catalog (optional Bearer or Basic)', () => {
    it('anonymous: 200 {"personalized":false}', async () => {
      const res = await http().get('/catalog');
      expect({ status: res.status, body: res.body as unknown }).toEqual({
        status: 200,
        body: { personalized: false },
      });
    });

    it('valid Bearer or Basic: personalized with the username', async () => {
      const byToken = await http().get('/catalog').set('Authorization', bearer(alice.access_token));
      expect(byToken.body).toEqual({ personalized: true, username: 'alice' });
      const byPassword = await http().get('/catalog').set('Authorization', basicOf(BOB));
      expect(byPassword.body).toEqual({ personalized: true, username: 'bob' });
    });

    it('invalid credentials are still 401 (C-5 optional auth)', async () => {
      const token = await http().get('/catalog').set('Authorization', bearer('bm90LWEtand0'));
      expectAuthFailure(token, 'token_invalid', [
        CHALLENGE.rejected('The access token is malformed'),
        BASIC,
      ]);
      const password = await http().get('/catalog').set('Authorization', basic('bob', 'nope'));
      expectAuthFailure(password, 'credentials_invalid', [BEARER, BASIC]);
    });
  });

  describe('GET /admin/users (Bearer, role admin)', () => {
    it('200 with every user (name and roles only) for alice', async () => {
      const res = await http().get('/admin/users').set('Authorization', bearer(alice.access_token));
      expect({ status: res.status, body: res.body as unknown }).toEqual({
        status: 200,
        body: [
          { username: 'alice', roles: ['admin'] },
          { username: 'bob', roles: ['user'] },
        ],
      });
    });

    it('403 insufficient_scope for bob, with the Bearer insufficient_scope challenge (C-1, C-2)', async () => {
      const res = await http().get('/admin/users').set('Authorization', bearer(bob.access_token));
      expectAuthFailure(res, 'insufficient_scope', [CHALLENGE.forbidden]);
    });

    it('401 credentials_missing without a token, and for Basic (Bearer only)', async () => {
      expectAuthFailure(await http().get('/admin/users'), 'credentials_missing', [BEARER]);
      const res = await http().get('/admin/users').set('Authorization', basicOf(ALICE));
      expectAuthFailure(res, 'credentials_missing', [BEARER]);
    });
  });

  describe('GET /.well-known/oauth-protected-resource (public, RFC 9728)', () => {
    it("C-2.11: 200 application/json: resource = PUBLIC_URL, the sample's name and docs, header tokens", async () => {
      const res = await http().get('/.well-known/oauth-protected-resource');
      expect(res.status).toBe(200);
      expect(res.headers['content-type']).toMatch(/^application\/json(;|$)/);
      expect(res.body).toEqual({
        resource: PUBLIC_URL,
        bearer_methods_supported: ['header'],
        resource_name: 'nest-http-auth sample',
        resource_documentation: `${PUBLIC_URL}/docs`,
      });
    });

    it('C-2.11: is the URL every Bearer challenge names, and needs no credentials under the Bearer default', async () => {
      expect(challenges(await http().get('/me'))[0]).toContain(
        `resource_metadata="${RESOURCE_METADATA_URL}"`,
      );
      const res = await http()
        .get(new URL(RESOURCE_METADATA_URL).pathname)
        .set('Authorization', bearer('not-a-token'));
      expect(res.status).toBe(200);
      expect((res.body as { resource: string }).resource).toBe(PUBLIC_URL);
    });

    it('C-2.11: follows PUBLIC_URL, with its path (RFC 9728 §3.1)', async () => {
      const other = await createTestSample(platform, { PUBLIC_URL: 'https://api.example.com/v1' });
      try {
        const otherHttp = request(other.getHttpServer() as Parameters<typeof request>[0]);
        const res = await otherHttp.get('/.well-known/oauth-protected-resource/v1');
        expect(res.status).toBe(200);
        expect((res.body as { resource: string }).resource).toBe('https://api.example.com/v1');
        expect(challenges(await otherHttp.get('/admin/users'))).toEqual([
          'Bearer realm="sample", resource_metadata="https://api.example.com/.well-known/oauth-protected-resource/v1"',
        ]);
      } finally {
        await other.close();
      }
    });
  });
});
