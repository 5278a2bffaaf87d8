import { createServer } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Controller, Get, type INestApplication } from '@nestjs/common';
import request from 'supertest';
import { Auth, AuthConfigurationError } from '../lib/index.js';
import { API_KEYS, STORE_DOWN_USER, STORE_RETRY_AFTER, USERS } from './fixtures/credentials.js';
import {
  API_KEY_OPTIONS,
  BEARER_OPTIONS,
  createApp,
  type Platform,
  type WhoAmI,
} from './fixtures/test-app.js';
import { nowInSeconds, signToken, unsignedRs256Token } from './fixtures/tokens.js';
import { expectAuthFailure, problemBody } from './support/expectations.js';
import { basic, basicBytes, bearer, challenges, visibleText } from './support/http.js';

/*
 * End-to-end checks of docs/contract.md C-1..C-5, one suite over Express and Fastify. Every test
 * names the rule it checks.
 */

const BASIC = 'Basic realm="api", charset="UTF-8"';
const BEARER = 'Bearer realm="api"';
const API_KEY_HEADER = 'ApiKey realm="api", in="header", name="X-API-Key"';
const API_KEY_QUERY = 'ApiKey realm="api", in="query", name="api_key"';
const API_KEY_COOKIE = 'ApiKey realm="api", in="cookie", name="session_key"';
const API_KEY = [API_KEY_HEADER, API_KEY_QUERY] as const;
const BEARER_FORBIDDEN = 'Bearer realm="api", error="insufficient_scope"';
const DOCS = 'https://docs.example.com/auth-errors';

function bearerRejected(description: string): string {
  return `Bearer realm="api", error="invalid_token", error_description="${description}"`;
}

function bearerBadRequest(description: string): string {
  return `Bearer realm="api", error="invalid_request", error_description="${description}"`;
}

const SIGNATURE_INVALID = bearerRejected('The access token signature is invalid');
const MALFORMED = bearerRejected('The access token is malformed');

/** A local port on which nothing listens (connections are refused at once). */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}

/** A route whose `@Auth()` names a scheme that is not configured: start-up must fail. */
@Controller('misspelled')
class MisspelledSchemeController {
  @Get()
  // @ts-expect-error a misspelled scheme does not compile; the start-up check is what this proves
  @Auth('bearr')
  get(): string {
    return 'never';
  }
}

describe.each<[Platform]>([['express'], ['fastify']])('nest-http-auth on %s', (platform) => {
  /** The standard app: basic, bearer (JWT), API key in header and query; no global default. */
  let app: INestApplication;
  /** `errorFormat: 'problem+json'` with a `documentationUrl`. */
  let problemApp: INestApplication;
  /** `errorFormat: 'problem+json'` without a `documentationUrl`. */
  let plainProblemApp: INestApplication;
  /** Bearer JWTs checked against a JSON Web Key Set that cannot be reached. */
  let jwksDownApp: INestApplication;
  /** JSON errors with a `documentationUrl`. */
  let docsApp: INestApplication;
  /** Bearer `access_token` also accepted in the query and in a form body. */
  let paramsApp: INestApplication;
  /** Bearer `discloseScopes: true`. */
  let discloseApp: INestApplication;
  /** API key in the header and in a cookie (not the query). */
  let cookieApp: INestApplication;
  /** A realm containing `"` and `\`. */
  let quotedRealmApp: INestApplication;
  /** `default: ['bearer']`. */
  let defaultApp: INestApplication;

  let userToken: string;
  let adminToken: string;
  let writerToken: string;
  let foreignToken: string;
  let expiredToken: string;
  let forgedExpiredToken: string;
  let noExpToken: string;
  let noSubToken: string;
  const expiredAt = nowInSeconds() - 600;

  beforeAll(async () => {
    const jwksUrl = `http://127.0.0.1:${await closedPort()}/.well-known/jwks.json`;
    [
      app,
      problemApp,
      plainProblemApp,
      jwksDownApp,
      docsApp,
      paramsApp,
      discloseApp,
      cookieApp,
      quotedRealmApp,
      defaultApp,
    ] = await Promise.all([
      createApp(platform),
      createApp(platform, { errorFormat: 'problem+json', documentationUrl: DOCS }),
      createApp(platform, { errorFormat: 'problem+json' }),
      createApp(platform, { bearer: { jwt: { jwksUrl } } }),
      createApp(platform, { documentationUrl: DOCS }),
      createApp(platform, { bearer: { ...BEARER_OPTIONS, allowQuery: true, allowBody: true } }),
      createApp(platform, { bearer: { ...BEARER_OPTIONS, discloseScopes: true } }),
      createApp(platform, {
        apiKey: { header: 'X-API-Key', cookie: 'session_key', validate: API_KEY_OPTIONS.validate },
      }),
      createApp(platform, { realm: 'Shop "Main" \\ EU' }),
      createApp(platform, { default: ['bearer'] }),
    ]);
    const otherSecret = 'another-secret-of-at-least-32-bytes-0123456789';
    [
      userToken,
      adminToken,
      writerToken,
      foreignToken,
      expiredToken,
      forgedExpiredToken,
      noExpToken,
      noSubToken,
    ] = await Promise.all([
      signToken({ sub: 'user-1', roles: ['user'], scope: 'orders:read' }),
      signToken({ sub: 'admin-1', roles: ['admin'] }),
      signToken({ sub: 'writer-1', scope: 'orders:read orders:write' }),
      signToken({ sub: 'user-1' }, { secret: otherSecret }),
      signToken({ sub: 'user-1' }, { exp: expiredAt }),
      signToken({ sub: 'user-1' }, { exp: expiredAt, secret: otherSecret }),
      signToken({ sub: 'user-1' }, { exp: null }),
      signToken({ scope: 'orders:read' }),
    ]);
  });

  afterAll(async () => {
    await Promise.all(
      [
        app,
        problemApp,
        plainProblemApp,
        jwksDownApp,
        docsApp,
        paramsApp,
        discloseApp,
        cookieApp,
        quotedRealmApp,
        defaultApp,
      ].map((a) => a?.close()),
    );
  });

  const get = (path: string, target: () => INestApplication = () => app) =>
    request(target().getHttpServer()).get(path);

  describe('C-1 status', () => {
    it.each([
      ['/basic', [BASIC]],
      ['/bearer', [BEARER]],
      ['/api-key', [...API_KEY]],
      ['/any/bearer-basic', [BEARER, BASIC]],
      ['/authz/admin', [BEARER, BASIC, ...API_KEY]],
    ])(
      'C-1: no credentials on %s is 401 credentials_missing (never 403)',
      async (path, expected) => {
        expectAuthFailure(await get(path), 'credentials_missing', expected);
      },
    );

    it('C-1: a wrong Basic password is 401 credentials_invalid', async () => {
      const res = await get('/basic').set(
        'Authorization',
        basic(USERS.alice.username, 'not-her-password'),
      );
      expectAuthFailure(res, 'credentials_invalid', [BASIC]);
    });

    it('C-1: an unknown Basic user is 401 credentials_invalid', async () => {
      const res = await get('/basic').set('Authorization', basic('mallory', USERS.alice.password));
      expectAuthFailure(res, 'credentials_invalid', [BASIC]);
    });

    it('C-1: an unknown API key is 401 credentials_invalid', async () => {
      const res = await get('/api-key').set('X-API-Key', 'key-Unknown-0000');
      expectAuthFailure(res, 'credentials_invalid', [...API_KEY]);
    });

    it('C-1: a JWT signed with another key is 401 token_invalid', async () => {
      const res = await get('/bearer').set('Authorization', bearer(foreignToken));
      expectAuthFailure(res, 'token_invalid', [SIGNATURE_INVALID]);
    });

    it('C-1: an expired JWT is 401 token_expired with expires_at equal to its exp', async () => {
      const res = await get('/bearer').set('Authorization', bearer(expiredToken));
      expectAuthFailure(res, 'token_expired', [bearerRejected('The access token expired')], {
        expires_at: new Date(expiredAt * 1000).toISOString(),
      });
    });

    it('C-1: an expired JWT with a forged signature is 401 token_invalid, without expires_at', async () => {
      const res = await get('/bearer').set('Authorization', bearer(forgedExpiredToken));
      expectAuthFailure(res, 'token_invalid', [SIGNATURE_INVALID]);
    });

    it('C-1: a JWT without exp is 401 token_invalid', async () => {
      const res = await get('/bearer').set('Authorization', bearer(noExpToken));
      expectAuthFailure(res, 'token_invalid', [
        bearerRejected('The access token has no exp claim'),
      ]);
    });

    it('C-1: a verified JWT without sub (no principal) is 401 token_invalid', async () => {
      const res = await get('/bearer').set('Authorization', bearer(noSubToken));
      expectAuthFailure(res, 'token_invalid', [bearerRejected('The access token is invalid')]);
    });

    it('C-1: an unreachable credential store is 503 with Retry-After, never 401', async () => {
      const res = await get('/any/bearer-basic').set(
        'Authorization',
        basic(STORE_DOWN_USER, 'whatever'),
      );
      expectAuthFailure(res, 'service_unavailable', []);
      expect(res.headers['retry-after']).toBe(String(STORE_RETRY_AFTER));
    });

    it('C-1: an unreachable JSON Web Key Set is 503 with Retry-After, never 401', async () => {
      const res = await get('/bearer', () => jwksDownApp).set(
        'Authorization',
        bearer(unsignedRs256Token()),
      );
      expectAuthFailure(res, 'service_unavailable', []);
      expect(res.headers['retry-after']).toMatch(/^\d+$/);
    });

    it('C-1: an authenticated principal without the required role is 403 insufficient_scope', async () => {
      const res = await get('/authz/admin').set(
        'Authorization',
        basic(USERS.alice.username, USERS.alice.password),
      );
      expectAuthFailure(res, 'insufficient_scope', []);
    });

    it('C-1: a bearer token in the header and the query is 400 invalid_request', async () => {
      const res = await get(`/bearer?access_token=${userToken}`, () => paramsApp).set(
        'Authorization',
        bearer(userToken),
      );
      expectAuthFailure(res, 'invalid_request', [
        bearerBadRequest('The access token was sent by more than one method'),
      ]);
    });

    it('C-1: a bearer token in the header and the form body is 400 invalid_request', async () => {
      const res = await request(paramsApp.getHttpServer())
        .post('/bearer')
        .set('Authorization', bearer(userToken))
        .type('form')
        .send({ access_token: userToken });
      expectAuthFailure(res, 'invalid_request', [
        bearerBadRequest('The access token was sent by more than one method'),
      ]);
    });

    it('C-1: a bearer token in the query and the form body is 400 invalid_request', async () => {
      const res = await request(paramsApp.getHttpServer())
        .post(`/bearer?access_token=${userToken}`)
        .type('form')
        .send({ access_token: userToken });
      expectAuthFailure(res, 'invalid_request', [
        bearerBadRequest('The access token was sent by more than one method'),
      ]);
    });

    it('C-1: a repeated access_token query parameter is 400 invalid_request', async () => {
      const res = await get(
        `/bearer?access_token=${userToken}&access_token=${userToken}`,
        () => paramsApp,
      );
      expectAuthFailure(res, 'invalid_request', [
        bearerBadRequest('The access_token parameter is repeated or malformed'),
      ]);
    });

    it('C-1: a repeated access_token form parameter is 400 invalid_request', async () => {
      const res = await request(paramsApp.getHttpServer())
        .post('/bearer')
        .type('form')
        .send(`access_token=${userToken}&access_token=${userToken}`);
      expectAuthFailure(res, 'invalid_request', [
        bearerBadRequest('The access_token parameter is repeated or malformed'),
      ]);
    });

    it('C-1: the 400 challenges every scheme the route accepts, in declared order', async () => {
      const res = await get(`/any/bearer-basic?access_token=a&access_token=b`, () => paramsApp);
      expectAuthFailure(res, 'invalid_request', [
        bearerBadRequest('The access_token parameter is repeated or malformed'),
        BASIC,
      ]);
    });
  });

  describe('C-2 challenges', () => {
    it("C-2: @Auth('bearer', 'basic') sends a Bearer line, then a Basic line", async () => {
      expectAuthFailure(await get('/any/bearer-basic'), 'credentials_missing', [BEARER, BASIC]);
    });

    it("C-2: @Auth('basic', 'bearer') sends a Basic line, then a Bearer line", async () => {
      expectAuthFailure(await get('/any/basic-bearer'), 'credentials_missing', [BASIC, BEARER]);
    });

    it('C-2: @Auth() without arguments challenges every configured scheme, one line each', async () => {
      expectAuthFailure(await get('/defaults'), 'credentials_missing', [BASIC, BEARER, ...API_KEY]);
    });

    it('C-2: challenges are separate header lines, not one comma-joined line', async () => {
      const res = await get('/any/bearer-basic');
      expect(challenges(res)).toHaveLength(2);
      expect(res.headers['www-authenticate']).toBe(`${BEARER}, ${BASIC}`);
    });

    it('C-2: a rejected bearer token adds error="invalid_token" and error_description to the Bearer line only', async () => {
      const res = await get('/any/bearer-basic').set('Authorization', bearer(foreignToken));
      expectAuthFailure(res, 'token_invalid', [SIGNATURE_INVALID, BASIC]);
    });

    it('C-2: a token that is not a JWT is rejected as malformed', async () => {
      const res = await get('/any/basic-bearer').set('Authorization', bearer('not-a.jwt'));
      expectAuthFailure(res, 'token_invalid', [BASIC, MALFORMED]);
    });

    it('C-2: a token outside the b64token syntax is rejected as malformed', async () => {
      const res = await get('/bearer').set('Authorization', 'Bearer abc def');
      expectAuthFailure(res, 'token_invalid', [MALFORMED]);
    });

    it('C-2: a rejected Basic credential leaves the Bearer line without error attributes', async () => {
      const res = await get('/any/bearer-basic').set(
        'Authorization',
        basic(USERS.alice.username, 'wrong'),
      );
      expectAuthFailure(res, 'credentials_invalid', [BEARER, BASIC]);
    });

    it('C-2: an expired token is described only on the Bearer line', async () => {
      const res = await get('/any/basic-bearer').set('Authorization', bearer(expiredToken));
      expectAuthFailure(res, 'token_expired', [BASIC, bearerRejected('The access token expired')], {
        expires_at: new Date(expiredAt * 1000).toISOString(),
      });
    });

    it('C-2: 403 for a Bearer principal challenges Bearer error="insufficient_scope" without scope by default', async () => {
      const res = await get('/authz/orders').set('Authorization', bearer(userToken));
      expectAuthFailure(res, 'insufficient_scope', [BEARER_FORBIDDEN]);
    });

    it('C-2: 403 for a Bearer principal lacking a role challenges Bearer error="insufficient_scope"', async () => {
      const res = await get('/authz/admin').set('Authorization', bearer(userToken));
      expectAuthFailure(res, 'insufficient_scope', [BEARER_FORBIDDEN]);
    });

    it('C-2: with discloseScopes, the 403 Bearer challenge names the needed scopes', async () => {
      const res = await get('/authz/orders', () => discloseApp).set(
        'Authorization',
        bearer(userToken),
      );
      expectAuthFailure(res, 'insufficient_scope', [
        `${BEARER_FORBIDDEN}, scope="orders:read orders:write"`,
      ]);
    });

    it('C-2: with discloseScopes, a 403 for a missing role (no scopes needed) has no scope attribute', async () => {
      const res = await get('/authz/admin', () => discloseApp).set(
        'Authorization',
        bearer(userToken),
      );
      expectAuthFailure(res, 'insufficient_scope', [BEARER_FORBIDDEN]);
    });

    it('C-2: 403 for a Basic principal has no WWW-Authenticate', async () => {
      const res = await get('/authz/orders').set(
        'Authorization',
        basic(USERS.admin.username, USERS.admin.password),
      );
      expectAuthFailure(res, 'insufficient_scope', []);
    });

    it('C-2: 403 for an API-key principal has no WWW-Authenticate', async () => {
      const res = await get('/authz/admin').set('X-API-Key', API_KEYS.valid);
      expectAuthFailure(res, 'insufficient_scope', []);
    });

    it('C-2: the API-key challenge names each configured location (header, query)', async () => {
      expectAuthFailure(await get('/api-key'), 'credentials_missing', [
        API_KEY_HEADER,
        API_KEY_QUERY,
      ]);
    });

    it('C-2: the API-key challenge names each configured location (header, cookie)', async () => {
      expectAuthFailure(await get('/api-key', () => cookieApp), 'credentials_missing', [
        API_KEY_HEADER,
        API_KEY_COOKIE,
      ]);
    });

    it('C-2: a realm containing " and \\ is escaped in every challenge', async () => {
      const realm = String.raw`realm="Shop \"Main\" \\ EU"`;
      const res = await get('/defaults', () => quotedRealmApp);
      expectAuthFailure(res, 'credentials_missing', [
        `Basic ${realm}, charset="UTF-8"`,
        `Bearer ${realm}`,
        `ApiKey ${realm}, in="header", name="X-API-Key"`,
        `ApiKey ${realm}, in="query", name="api_key"`,
      ]);
    });

    it('C-2: a realm containing " and \\ is escaped in a rejection and a 403 challenge', async () => {
      const realm = String.raw`realm="Shop \"Main\" \\ EU"`;
      const rejected = await get('/bearer', () => quotedRealmApp).set(
        'Authorization',
        bearer(foreignToken),
      );
      expectAuthFailure(rejected, 'token_invalid', [
        `Bearer ${realm}, error="invalid_token", error_description="The access token signature is invalid"`,
      ]);
      const forbidden = await get('/authz/admin', () => quotedRealmApp).set(
        'Authorization',
        bearer(userToken),
      );
      expectAuthFailure(forbidden, 'insufficient_scope', [
        `Bearer ${realm}, error="insufficient_scope"`,
      ]);
    });

    it('C-2: a 401 thrown by the application on a Basic-only route challenges only Basic', async () => {
      const res = await get('/app-errors/reauthenticate').set(
        'Authorization',
        basic(USERS.alice.username, USERS.alice.password),
      );
      expectAuthFailure(res, 'credentials_invalid', [BASIC]);
    });

    it('C-2: a 403 thrown by the application for a Bearer principal challenges Bearer insufficient_scope', async () => {
      const res = await get('/app-errors/forbidden').set('Authorization', bearer(userToken));
      expectAuthFailure(res, 'insufficient_scope', [BEARER_FORBIDDEN]);
    });
  });

  describe('C-3 reading credentials', () => {
    it.each(['Basic', 'basic', 'BASIC', 'bAsIc'])(
      'C-3: the Basic scheme is case-insensitive (%s)',
      async (scheme) => {
        const res = await get('/basic').set(
          'Authorization',
          basic(USERS.alice.username, USERS.alice.password, scheme),
        );
        expect(res.status).toBe(200);
        expect((res.body as WhoAmI).principal).toEqual({ id: 'alice', roles: ['user'] });
      },
    );

    it.each(['Bearer', 'bearer', 'BEARER', 'bEaReR'])(
      'C-3: the Bearer scheme is case-insensitive (%s)',
      async (scheme) => {
        const res = await get('/bearer').set('Authorization', bearer(userToken, scheme));
        expect(res.status).toBe(200);
        expect((res.body as WhoAmI).principal?.id).toBe('user-1');
      },
    );

    it('C-3: several spaces may separate the Basic scheme and its credentials', async () => {
      const token68 = Buffer.from(`${USERS.alice.username}:${USERS.alice.password}`).toString(
        'base64',
      );
      const res = await get('/basic').set('Authorization', `Basic    ${token68}`);
      expect(res.status).toBe(200);
      expect((res.body as WhoAmI).scheme).toBe('basic');
    });

    it('C-3: several spaces may separate the Bearer scheme and its token', async () => {
      const res = await get('/bearer').set('Authorization', `Bearer   ${userToken}`);
      expect(res.status).toBe(200);
      expect((res.body as WhoAmI).principal?.id).toBe('user-1');
    });

    it.each([
      ['QWxhZGRpbjpvcGVuIHNlc2FtZQ==', 'Aladdin'],
      ['dGVzdDoxMjPCow==', 'test'],
    ])(
      'C-3: the RFC 7617 vector %s decodes to the right user-id and password',
      async (token68, id) => {
        // validateUser accepts only the exact decoded pair (Aladdin/open sesame, test/123£).
        const res = await get('/basic').set('Authorization', `Basic ${token68}`);
        expect(res.status).toBe(200);
        expect((res.body as WhoAmI).principal).toEqual({ id, roles: [] });
      },
    );

    it('C-3: a non-ASCII password sent as UTF-8 is accepted', async () => {
      const res = await get('/basic').set(
        'Authorization',
        basic(USERS.test.username, USERS.test.password),
      );
      expect(res.status).toBe(200);
      expect((res.body as WhoAmI).principal?.id).toBe('test');
    });

    it('C-3: the user-id ends at the first colon; the password may contain colons', async () => {
      expect(USERS.admin.password).toContain(':');
      const res = await get('/basic').set(
        'Authorization',
        basic(USERS.admin.username, USERS.admin.password),
      );
      expect(res.status).toBe(200);
      expect((res.body as WhoAmI).principal).toEqual({ id: 'admin', roles: ['admin'] });
    });

    it.each([
      ['invalid base64 characters', 'Basic !!!!'],
      ['an impossible base64 length', 'Basic QWxhZ'],
      ['nothing after the scheme', 'Basic'],
      ['only padding', 'Basic ===='],
      ['no colon', `Basic ${Buffer.from('alicepassword').toString('base64')}`],
      ['an empty user-id', basic('', 'password')],
      ['a NUL in the password', basic('alice', 'pass\u0000word')],
      ['a BEL in the user-id', basic('al\u0007ice', 'password')],
      ['a newline in the password', basic('alice', 'pass\nword')],
      ['a DEL in the password', basic('alice', 'pass\u007fword')],
      ['a C1 control in the password', basic('alice', 'pass\u0085word')],
      ['invalid UTF-8', basicBytes([0x61, 0x3a, 0xff, 0xfe])],
      ['a lone UTF-8 continuation byte', basicBytes([0x61, 0x3a, 0x80])],
      ['overlong UTF-8', basicBytes([0x61, 0x3a, 0xc0, 0xaf])],
      [
        'Latin-1 instead of UTF-8',
        basicBytes([0x74, 0x65, 0x73, 0x74, 0x3a, 0x31, 0x32, 0x33, 0xa3]),
      ],
    ])(
      'C-3: a Basic credential with %s is 401 credentials_invalid, not a crash',
      async (_, authorization) => {
        const res = await get('/basic').set('Authorization', authorization);
        expectAuthFailure(res, 'credentials_invalid', [BASIC]);
      },
    );

    it('C-3: odd Authorization values never produce a 5xx', async () => {
      const values = [
        'Basic',
        'Bearer',
        'Bearer  ',
        'Basic a b c',
        'Basic ..',
        'Bearer ====',
        'Bearer a.b.c',
        'Bearer eyJhbGciOiJub25lIn0.e30.',
        'Digest username="x"',
        ',',
        '"',
        'Basic\tQWxhZGRpbjpvcGVuIHNlc2FtZQ==',
        `Bearer ${'a'.repeat(9000)}`,
      ];
      const statuses = await Promise.all(
        values.map(async (value) => (await get('/defaults').set('Authorization', value)).status),
      );
      for (const [i, status] of statuses.entries()) {
        expect({ value: values[i], status, ok: status === 400 || status === 401 }).toEqual({
          value: values[i],
          status,
          ok: true,
        });
      }
    });

    it('C-3: odd access_token / api_key query parameters never produce a 5xx', async () => {
      const queries = [
        'access_token=',
        'access_token=%00',
        'access_token=a%20b',
        'access_token[x]=1',
        'access_token[]=a&access_token[]=b',
        'api_key=',
        'api_key[]=a',
        'api_key=%ZZ',
        'api_key=%E0%A4%A',
        '__proto__[x]=1',
        'constructor=x&api_key=a%00',
      ];
      const statuses = await Promise.all(
        queries.map(async (query) => (await get(`/defaults?${query}`, () => paramsApp)).status),
      );
      expect(
        queries.map((query, i) => [query, statuses[i] === 400 || statuses[i] === 401]),
      ).toEqual(queries.map((query) => [query, true]));
    });

    it('C-3: odd Cookie headers never produce a 5xx', async () => {
      const cookies = [
        'session_key=%E0%A4%A',
        '=;;;',
        'session_key="unterminated',
        'session_key=a; session_key=b',
        'session_key=',
        'session_key=%00abc',
        'session_key=a b',
        ';',
      ];
      const statuses = await Promise.all(
        cookies.map(
          async (cookie) => (await get('/api-key', () => cookieApp).set('Cookie', cookie)).status,
        ),
      );
      expect(cookies.map((cookie, i) => [cookie, statuses[i]])).toEqual(
        cookies.map((cookie) => [cookie, 401]),
      );
    });

    it('C-3: an API key is read from the header', async () => {
      const res = await get('/api-key').set('X-API-Key', API_KEYS.valid);
      expect(res.status).toBe(200);
      expect(res.body).toEqual({
        scheme: 'apiKey',
        principal: { id: 'key-owner', roles: ['user'] },
        schemes: ['apiKey'],
      });
    });

    it('C-3: the API-key header name is case-insensitive', async () => {
      const res = await get('/api-key').set('x-api-key', API_KEYS.valid);
      expect(res.status).toBe(200);
    });

    it('C-3: an API key is read from the query when configured', async () => {
      const res = await get(`/api-key?api_key=${API_KEYS.valid}`);
      expect(res.status).toBe(200);
      expect((res.body as WhoAmI).principal?.id).toBe('key-owner');
    });

    it('C-3: an API key is read from a cookie when configured', async () => {
      const res = await get('/api-key', () => cookieApp).set(
        'Cookie',
        `theme=dark; session_key=${API_KEYS.valid}`,
      );
      expect(res.status).toBe(200);
      expect((res.body as WhoAmI).principal?.id).toBe('key-owner');
    });

    it('C-3: an API key in a cookie is ignored when cookies are not configured', async () => {
      const res = await get('/api-key').set(
        'Cookie',
        `api_key=${API_KEYS.valid}; session_key=${API_KEYS.valid}`,
      );
      expectAuthFailure(res, 'credentials_missing', [...API_KEY]);
    });

    it('C-3: an API key in the query is ignored when the query is not configured', async () => {
      const res = await get(
        `/api-key?api_key=${API_KEYS.valid}&session_key=${API_KEYS.valid}`,
        () => cookieApp,
      );
      expectAuthFailure(res, 'credentials_missing', [API_KEY_HEADER, API_KEY_COOKIE]);
    });

    it('C-3: a repeated API-key query parameter is 401 credentials_invalid', async () => {
      const res = await get(`/api-key?api_key=${API_KEYS.valid}&api_key=${API_KEYS.valid}`);
      expectAuthFailure(res, 'credentials_invalid', [...API_KEY]);
    });

    it('C-3: a bearer token is read from the query when allowQuery is set', async () => {
      const res = await get(`/bearer?access_token=${userToken}`, () => paramsApp);
      expect(res.status).toBe(200);
      expect((res.body as WhoAmI).principal?.id).toBe('user-1');
    });

    it('C-3: a bearer token is read from a form body when allowBody is set', async () => {
      const res = await request(paramsApp.getHttpServer())
        .post('/bearer')
        .type('form')
        .send({ access_token: userToken });
      expect(res.status).toBe(200);
      expect((res.body as WhoAmI).principal?.id).toBe('user-1');
    });

    it('C-3: access_token in the query is ignored unless allowQuery is set', async () => {
      expectAuthFailure(await get(`/bearer?access_token=${userToken}`), 'credentials_missing', [
        BEARER,
      ]);
    });

    it('C-3: access_token in a form body is ignored unless allowBody is set', async () => {
      const res = await request(app.getHttpServer())
        .post('/bearer')
        .type('form')
        .send({ access_token: userToken });
      expectAuthFailure(res, 'credentials_missing', [BEARER]);
    });
  });

  describe('C-4 body', () => {
    it('C-4: a 401 body is Nest-shaped JSON with a code', async () => {
      const res = await get('/basic');
      expect(res.headers['content-type']).toBe('application/json; charset=utf-8');
      expect(res.body).toEqual({
        statusCode: 401,
        error: 'Unauthorized',
        message: expect.any(String),
        code: 'credentials_missing',
      });
    });

    it('C-4: documentation_url is added when configured', async () => {
      expectAuthFailure(await get('/basic', () => docsApp), 'credentials_missing', [BASIC], {
        documentation_url: DOCS,
      });
      const expired = await get('/bearer', () => docsApp).set(
        'Authorization',
        bearer(expiredToken),
      );
      expectAuthFailure(expired, 'token_expired', [bearerRejected('The access token expired')], {
        expires_at: new Date(expiredAt * 1000).toISOString(),
        documentation_url: DOCS,
      });
    });

    it('C-4: problem+json: a 401 is application/problem+json with type, title, status, detail, code', async () => {
      const res = await get('/any/bearer-basic', () => problemApp);
      expect(res.status).toBe(401);
      expect(challenges(res)).toEqual([BEARER, BASIC]);
      expect(res.headers['content-type']).toMatch(/^application\/problem\+json\b/);
      expect(JSON.parse(res.text)).toEqual(
        problemBody('credentials_missing', `${DOCS}#credentials_missing`, {
          documentation_url: DOCS,
        }),
      );
    });

    it('C-4: problem+json without documentationUrl: type is about:blank and no documentation_url', async () => {
      const res = await get('/basic', () => plainProblemApp).set(
        'Authorization',
        basic('alice', 'wrong'),
      );
      expect(res.status).toBe(401);
      expect(challenges(res)).toEqual([BASIC]);
      expect(res.headers['content-type']).toMatch(/^application\/problem\+json\b/);
      expect(JSON.parse(res.text)).toEqual(problemBody('credentials_invalid', 'about:blank'));
    });

    it('C-4: problem+json: an expired token carries expires_at', async () => {
      const res = await get('/bearer', () => problemApp).set('Authorization', bearer(expiredToken));
      expect(res.status).toBe(401);
      expect(challenges(res)).toEqual([bearerRejected('The access token expired')]);
      expect(res.headers['content-type']).toMatch(/^application\/problem\+json\b/);
      expect(JSON.parse(res.text)).toEqual(
        problemBody('token_expired', `${DOCS}#token_expired`, {
          expires_at: new Date(expiredAt * 1000).toISOString(),
          documentation_url: DOCS,
        }),
      );
    });

    it('C-4: problem+json: a 403 is a problem document too', async () => {
      const res = await get('/authz/admin', () => problemApp).set(
        'Authorization',
        bearer(userToken),
      );
      expect(res.status).toBe(403);
      expect(challenges(res)).toEqual([BEARER_FORBIDDEN]);
      expect(res.headers['content-type']).toMatch(/^application\/problem\+json\b/);
      expect(JSON.parse(res.text)).toEqual(
        problemBody('insufficient_scope', `${DOCS}#insufficient_scope`, {
          documentation_url: DOCS,
        }),
      );
    });

    const secretPassword = 'Zebra-Secret-Pass-7781';
    const secretKey = 'Okapi-Secret-Key-9931';
    const secretToken = 'Giraffe-Secret.Token-5521';

    it.each<[string, () => INestApplication, (r: request.Test) => request.Test, string[]]>([
      [
        'a wrong Basic password',
        () => app,
        (r) => r.set('Authorization', basic('alice', secretPassword)),
        [secretPassword],
      ],
      [
        'a malformed Basic credential',
        () => app,
        (r) => r.set('Authorization', basic('alice', `${secretPassword}\u0000`)),
        [secretPassword],
      ],
      ['an unknown API key', () => app, (r) => r.set('X-API-Key', secretKey), [secretKey]],
      [
        'an API key with a space',
        () => app,
        (r) => r.set('X-API-Key', `${secretKey} x`),
        [secretKey],
      ],
      [
        'an opaque bearer token',
        () => app,
        (r) => r.set('Authorization', bearer(secretToken)),
        [secretToken],
      ],
      [
        'a bearer token with bad syntax',
        () => app,
        (r) => r.set('Authorization', bearer(`${secretToken}"`)),
        [secretToken],
      ],
      [
        'a token sent twice',
        () => paramsApp,
        (r) => r.query({ access_token: secretToken }).set('Authorization', bearer(secretToken)),
        [secretToken],
      ],
      [
        'problem+json: a wrong password',
        () => problemApp,
        (r) => r.set('Authorization', basic('alice', secretPassword)),
        [secretPassword],
      ],
    ])('C-4: %s is never echoed in the response', async (_, target, send, secrets) => {
      const res = await send(get('/defaults', target));
      expect(res.status).toBeGreaterThanOrEqual(400);
      expect(res.status).toBeLessThan(500);
      const text = visibleText(res);
      for (const secret of secrets) {
        for (const part of [
          secret,
          secret.slice(0, 10),
          secret.slice(-10),
          Buffer.from(secret).toString('base64'),
        ]) {
          expect(text).not.toContain(part);
        }
      }
    });

    it('C-4: a rejected or expired JWT is never echoed, not even its signature', async () => {
      for (const token of [foreignToken, expiredToken]) {
        const res = await get('/bearer').set('Authorization', bearer(token));
        const text = visibleText(res);
        for (const part of token.split('.')) expect(text).not.toContain(part);
      }
    });

    it('C-4: an exception that is not the module’s keeps Nest’s body and has no WWW-Authenticate', async () => {
      const res = await get('/errors/not-found');
      expect({
        status: res.status,
        challenges: challenges(res),
        body: res.body as unknown,
      }).toEqual({
        status: 404,
        challenges: [],
        body: { statusCode: 404, error: 'Not Found', message: 'Order 42 was not found' },
      });
    });

    it('C-4: a non-auth exception thrown after authentication keeps Nest’s body and has no WWW-Authenticate', async () => {
      const res = await get('/errors/guarded-not-found').set(
        'Authorization',
        basic(USERS.alice.username, USERS.alice.password),
      );
      expect({
        status: res.status,
        challenges: challenges(res),
        body: res.body as unknown,
      }).toEqual({
        status: 404,
        challenges: [],
        body: { statusCode: 404, error: 'Not Found', message: 'Order 42 was not found' },
      });
    });
  });

  describe('C-5 schemes combined', () => {
    it('C-5: any-of: the only present scheme decides (API key)', async () => {
      const res = await get('/any/api-key-bearer').set('X-API-Key', API_KEYS.valid);
      expect(res.status).toBe(200);
      expect(res.body).toEqual({
        scheme: 'apiKey',
        principal: { id: 'key-owner', roles: ['user'] },
        schemes: ['apiKey'],
      });
    });

    it('C-5: any-of: the only present scheme decides (bearer)', async () => {
      const res = await get('/any/api-key-bearer').set('Authorization', bearer(userToken));
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({
        scheme: 'bearer',
        principal: { id: 'user-1' },
        schemes: ['bearer'],
      });
    });

    it('C-5: any-of: Basic decides on a route that lists bearer first when only Basic is sent', async () => {
      const res = await get('/any/bearer-basic').set(
        'Authorization',
        basic(USERS.alice.username, USERS.alice.password),
      );
      expect(res.status).toBe(200);
      expect(res.body).toEqual({
        scheme: 'basic',
        principal: { id: 'alice', roles: ['user'] },
        schemes: ['basic'],
      });
    });

    it('C-5: any-of: with both present, the first declared scheme decides', async () => {
      const apiKeyFirst = await get('/any/api-key-bearer')
        .set('X-API-Key', API_KEYS.valid)
        .set('Authorization', bearer(userToken));
      expect(apiKeyFirst.status).toBe(200);
      expect(apiKeyFirst.body).toMatchObject({ scheme: 'apiKey', schemes: ['apiKey'] });
      const bearerFirst = await get('/any/bearer-api-key')
        .set('X-API-Key', API_KEYS.valid)
        .set('Authorization', bearer(userToken));
      expect(bearerFirst.status).toBe(200);
      expect(bearerFirst.body).toMatchObject({ scheme: 'bearer', schemes: ['bearer'] });
    });

    it('C-5: any-of: a wrong API key does not fall through to a valid bearer token', async () => {
      const res = await get('/any/api-key-bearer')
        .set('X-API-Key', 'key-Wrong-0000')
        .set('Authorization', bearer(userToken));
      expectAuthFailure(res, 'credentials_invalid', [...API_KEY, BEARER]);
    });

    it('C-5: any-of: an invalid bearer token does not fall through to a valid API key', async () => {
      const res = await get('/any/bearer-api-key')
        .set('Authorization', bearer(foreignToken))
        .set('X-API-Key', API_KEYS.valid);
      expectAuthFailure(res, 'token_invalid', [SIGNATURE_INVALID, ...API_KEY]);
    });

    it('C-5: any-of: an expired bearer token does not fall through to a valid API key', async () => {
      const res = await get('/any/bearer-api-key')
        .set('Authorization', bearer(expiredToken))
        .set('X-API-Key', API_KEYS.valid);
      expectAuthFailure(
        res,
        'token_expired',
        [bearerRejected('The access token expired'), ...API_KEY],
        {
          expires_at: new Date(expiredAt * 1000).toISOString(),
        },
      );
    });

    it('C-5: all-of: both schemes valid is 200 with a principal for each', async () => {
      const res = await get('/all/api-key-bearer')
        .set('X-API-Key', API_KEYS.valid)
        .set('Authorization', bearer(userToken));
      expect(res.status).toBe(200);
      expect(res.body).toEqual({
        scheme: 'apiKey',
        principal: { id: 'key-owner', roles: ['user'] },
        schemes: ['apiKey', 'bearer'],
      });
    });

    it('C-5: all-of: only the API key is 401 credentials_missing, challenging both schemes', async () => {
      const res = await get('/all/api-key-bearer').set('X-API-Key', API_KEYS.valid);
      expectAuthFailure(res, 'credentials_missing', [...API_KEY, BEARER]);
    });

    it('C-5: all-of: only the bearer token is 401 credentials_missing, challenging both schemes', async () => {
      const res = await get('/all/api-key-bearer').set('Authorization', bearer(userToken));
      expectAuthFailure(res, 'credentials_missing', [...API_KEY, BEARER]);
    });

    it('C-5: all-of: nothing is 401 credentials_missing, challenging both schemes', async () => {
      expectAuthFailure(await get('/all/api-key-bearer'), 'credentials_missing', [
        ...API_KEY,
        BEARER,
      ]);
    });

    it('C-5: all-of: a valid API key with an invalid bearer token is 401 token_invalid', async () => {
      const res = await get('/all/api-key-bearer')
        .set('X-API-Key', API_KEYS.valid)
        .set('Authorization', bearer(foreignToken));
      expectAuthFailure(res, 'token_invalid', [...API_KEY, SIGNATURE_INVALID]);
    });

    it('C-5: all-of: a wrong API key with a valid bearer token is 401 credentials_invalid', async () => {
      const res = await get('/all/api-key-bearer')
        .set('X-API-Key', 'key-Wrong-0000')
        .set('Authorization', bearer(userToken));
      expectAuthFailure(res, 'credentials_invalid', [...API_KEY, BEARER]);
    });

    it('C-5: optional: an anonymous call is 200 without a principal', async () => {
      const res = await get('/optional');
      expect({
        status: res.status,
        challenges: challenges(res),
        body: res.body as unknown,
      }).toEqual({
        status: 200,
        challenges: [],
        body: { scheme: null, principal: null, schemes: [] },
      });
    });

    it('C-5: optional: valid bearer credentials yield the principal', async () => {
      const res = await get('/optional').set('Authorization', bearer(userToken));
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({
        scheme: 'bearer',
        principal: { id: 'user-1', roles: ['user'], scopes: ['orders:read'] },
      });
    });

    it('C-5: optional: valid Basic credentials yield the principal', async () => {
      const res = await get('/optional').set(
        'Authorization',
        basic(USERS.alice.username, USERS.alice.password),
      );
      expect(res.status).toBe(200);
      expect(res.body).toEqual({
        scheme: 'basic',
        principal: { id: 'alice', roles: ['user'] },
        schemes: ['basic'],
      });
    });

    it('C-5: optional: an invalid bearer token is still 401', async () => {
      const res = await get('/optional').set('Authorization', bearer(foreignToken));
      expectAuthFailure(res, 'token_invalid', [SIGNATURE_INVALID, BASIC]);
    });

    it('C-5: optional: a wrong Basic password is still 401', async () => {
      const res = await get('/optional').set('Authorization', basic(USERS.alice.username, 'wrong'));
      expectAuthFailure(res, 'credentials_invalid', [BEARER, BASIC]);
    });

    it("C-5: default ['bearer']: a route without @Auth requires bearer", async () => {
      expectAuthFailure(await get('/default/implicit', () => defaultApp), 'credentials_missing', [
        BEARER,
      ]);
      const basicOnly = await get('/default/implicit', () => defaultApp).set(
        'Authorization',
        basic(USERS.alice.username, USERS.alice.password),
      );
      expectAuthFailure(basicOnly, 'credentials_missing', [BEARER]);
      const ok = await get('/default/implicit', () => defaultApp).set(
        'Authorization',
        bearer(userToken),
      );
      expect(ok.status).toBe(200);
      expect(ok.body).toMatchObject({ scheme: 'bearer', principal: { id: 'user-1' } });
    });

    it("C-5: default ['bearer']: @Public() opts a route out", async () => {
      const res = await get('/default/public', () => defaultApp);
      expect({
        status: res.status,
        challenges: challenges(res),
        body: res.body as unknown,
      }).toEqual({
        status: 200,
        challenges: [],
        body: { open: true },
      });
    });

    it("C-5: default ['bearer']: @Auth() without arguments means the default", async () => {
      expectAuthFailure(await get('/defaults', () => defaultApp), 'credentials_missing', [BEARER]);
    });

    it("C-5: default ['bearer']: an explicit @Auth() still wins over the default", async () => {
      const res = await get('/basic', () => defaultApp).set(
        'Authorization',
        basic(USERS.alice.username, USERS.alice.password),
      );
      expect(res.status).toBe(200);
      expect((res.body as WhoAmI).scheme).toBe('basic');
    });

    it('C-5: without a default, a route without @Auth is open', async () => {
      const res = await get('/default/implicit');
      expect(res.status).toBe(200);
      expect(res.body).toEqual({ scheme: null, principal: null, schemes: [] });
    });

    it('C-5: a class-level @Auth applies to methods without their own', async () => {
      expectAuthFailure(await get('/class/inherited'), 'credentials_missing', [BASIC]);
      const ok = await get('/class/inherited').set(
        'Authorization',
        basic(USERS.alice.username, USERS.alice.password),
      );
      expect(ok.status).toBe(200);
      expect((ok.body as WhoAmI).scheme).toBe('basic');
    });

    it('C-5: a method @Auth overrides the class @Auth', async () => {
      const basicCall = await get('/class/method-auth').set(
        'Authorization',
        basic(USERS.alice.username, USERS.alice.password),
      );
      expectAuthFailure(basicCall, 'credentials_missing', [BEARER]);
      const bearerCall = await get('/class/method-auth').set('Authorization', bearer(userToken));
      expect(bearerCall.status).toBe(200);
      expect((bearerCall.body as WhoAmI).scheme).toBe('bearer');
    });

    it('C-5: a method @Public() overrides the class @Auth', async () => {
      const res = await get('/class/public');
      expect({
        status: res.status,
        challenges: challenges(res),
        body: res.body as unknown,
      }).toEqual({
        status: 200,
        challenges: [],
        body: { open: true },
      });
    });

    it('C-5: a method @Auth overrides a class @Public()', async () => {
      expectAuthFailure(await get('/public-class/guarded'), 'credentials_missing', [BASIC]);
      const ok = await get('/public-class/guarded').set(
        'Authorization',
        basic(USERS.alice.username, USERS.alice.password),
      );
      expect(ok.status).toBe(200);
      expect((await get('/public-class/open')).status).toBe(200);
    });

    it.each<[string, (r: request.Test) => request.Test]>([
      [
        'a Basic admin',
        (r) => r.set('Authorization', basic(USERS.admin.username, USERS.admin.password)),
      ],
      ['a bearer token with the admin role', (r) => r.set('Authorization', bearer(adminToken))],
      ['an admin API key', (r) => r.set('X-API-Key', API_KEYS.admin)],
    ])('C-5: roles: %s may call an admin route', async (_, send) => {
      const res = await send(get('/authz/admin'));
      expect(res.status).toBe(200);
    });

    it('C-5: roles: a principal without the role is 403', async () => {
      const res = await get('/authz/admin').set('X-API-Key', API_KEYS.valid);
      expectAuthFailure(res, 'insufficient_scope', []);
    });

    it('C-5: scopes: a token holding every required scope is 200', async () => {
      const res = await get('/authz/orders').set('Authorization', bearer(writerToken));
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({
        scheme: 'bearer',
        principal: { id: 'writer-1', scopes: ['orders:read', 'orders:write'] },
      });
    });

    it('C-5: scopes: a token holding only some of the required scopes is 403', async () => {
      const res = await get('/authz/orders').set('Authorization', bearer(userToken));
      expectAuthFailure(res, 'insufficient_scope', [BEARER_FORBIDDEN]);
    });

    it('C-5: @Principal() gives the principal, @Principal(field) one field of it', async () => {
      const basicCall = await get('/principal').set(
        'Authorization',
        basic(USERS.alice.username, USERS.alice.password),
      );
      expect(basicCall.status).toBe(200);
      expect(basicCall.body).toEqual({ principal: { id: 'alice', roles: ['user'] }, id: 'alice' });
      const bearerCall = await get('/principal').set('Authorization', bearer(userToken));
      expect(bearerCall.status).toBe(200);
      expect(bearerCall.body).toMatchObject({
        principal: {
          id: 'user-1',
          roles: ['user'],
          scopes: ['orders:read'],
          claims: { sub: 'user-1' },
        },
        id: 'user-1',
      });
      const keyCall = await get('/principal').set('X-API-Key', API_KEYS.valid);
      expect(keyCall.body).toEqual({
        principal: { id: 'key-owner', roles: ['user'] },
        id: 'key-owner',
      });
    });

    it('C-5: @CurrentAuth() names the scheme that decided', async () => {
      const calls: [string, (r: request.Test) => request.Test][] = [
        ['basic', (r) => r.set('Authorization', basic(USERS.alice.username, USERS.alice.password))],
        ['bearer', (r) => r.set('Authorization', bearer(userToken))],
        ['apiKey', (r) => r.set('X-API-Key', API_KEYS.valid)],
      ];
      for (const [scheme, send] of calls) {
        const res = await send(get('/defaults'));
        expect({ status: res.status, scheme: (res.body as WhoAmI).scheme }).toEqual({
          status: 200,
          scheme,
        });
      }
    });
  });

  describe('start-up errors (a misconfiguration never becomes a per-request 500)', () => {
    it('start-up: bearer without jwt or validate rejects app creation with an AuthConfigurationError', async () => {
      const creation = createApp(platform, { bearer: {} });
      await expect(creation).rejects.toThrow(AuthConfigurationError);
      await expect(creation).rejects.toThrow(/jwt.*validate/s);
    });

    it("start-up: @Auth('bearr') makes app.init() reject, naming the unknown scheme", async () => {
      const creation = createApp(platform, {}, [MisspelledSchemeController]);
      await expect(creation).rejects.toThrow(AuthConfigurationError);
      await expect(creation).rejects.toThrow(/"bearr"/);
    });
  });
});
