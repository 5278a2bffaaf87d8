import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { type INestApplication, Logger, type LoggerService } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { decodeProtectedHeader, type JWK, type JWTPayload, SignJWT } from 'jose';
import request from 'supertest';
import type { JwtVerificationOptions } from '../lib/index.js';
import { createApp, type Platform, type WhoAmI } from './fixtures/test-app.js';
import { expectAuthFailure } from './support/expectations.js';
import { fakeDateOnly } from './support/fake-date.js';
import { bearer } from './support/http.js';
import {
  CLIENT,
  clientCredentialsToken,
  idToken,
  LEGACY_CLIENT,
  OidcServer,
  signingKey,
} from './support/oidc-provider.js';
import { freePort } from '../sample/client/sample-process.js';

/*
 * Bearer as an OAuth 2.0 resource server, against a real authorization server (oidc-provider, an
 * OpenID Connect certified implementation, in this process): the key set comes from the issuer's
 * metadata (`discovery: true`), access tokens are RFC 9068 JWTs (`profile: 'rfc9068'`) that a
 * client gets the way real clients do (oauth4webapi: discovery, then the client_credentials grant
 * with an RFC 8707 `resource`, whose value is this API's URL and the tokens' audience). Key
 * rotation restarts the server on the same port with other keys. Only Date is faked, so that the
 * cooldown (30 s) and cache age (600 s) pass without waiting. docs/contract.md C-3.5 (verification),
 * C-1.2 (refused tokens), C-1.4 (scopes), C-1.6 (503 while the keys cannot be had). The last suite
 * puts the API's own HS256 tokens and the server's (discovery) on one Bearer scheme (bearer.jwt as a
 * list, chosen by iss), as the sample does with OIDC_ISSUER.
 */

jest.setTimeout(20_000);

const rejected = (description: string): string =>
  `Bearer realm="api", error="invalid_token", error_description="${description}"`;
const NOT_AN_ACCESS_TOKEN = rejected('The token is not an access token (its typ is not at+jwt)');
const KEY_UNKNOWN = rejected('The access token signing key is unknown');
const WRONG_AUDIENCE = rejected('The access token aud claim is not accepted');

/** 503 with Retry-After and no challenge (C-1.6, C-2.9): never 200, never 401. */
function expectUnavailable(res: request.Response): void {
  expectAuthFailure(res, 'service_unavailable', []);
  expect(res.headers['retry-after']).toMatch(/^[1-9]\d*$/);
}

/** Records the lines logged through Nest's Logger. */
class CapturingLogger implements LoggerService {
  readonly lines: string[] = [];
  log(): void {}
  warn(): void {}
  error(message: unknown): void {
    this.lines.push(String(message));
  }
}

const advance = (seconds: number): void => jest.setSystemTime(Date.now() + seconds * 1000);

const METADATA = '/.well-known/openid-configuration';

let as: OidcServer;
let k1: JWK;
let k2: JWK;

beforeAll(async () => {
  [k1, k2] = await Promise.all([signingKey('k1'), signingKey('k2')]);
  as = await OidcServer.start([k1]);
});

afterAll(async () => {
  await as.close();
});

describe.each<[Platform]>([['express'], ['fastify']])(
  'OAuth 2.0 resource server: discovery and RFC 9068 against oidc-provider (%s)',
  (platform) => {
    let app: INestApplication;
    let api: string;
    /** An access token signed by k1, obtained before the API started. */
    let t1: string;
    /** An access token signed by k2, once k2 is rotated in. */
    let t2: string;

    function jwtOptions(extra: Partial<JwtVerificationOptions> = {}): JwtVerificationOptions {
      return {
        discovery: true,
        issuer: as.issuer,
        audience: api,
        profile: 'rfc9068',
        ...extra,
      };
    }

    const call = (token: string, path = '/bearer', target: string | INestApplication = api) =>
      request(typeof target === 'string' ? target.replace(/\/$/, '') : target.getHttpServer())
        .get(path)
        .set('Authorization', bearer(token));

    /** An access token for this API, by the client_credentials grant (oauth4webapi). */
    const token = (
      extra: Omit<Parameters<typeof clientCredentialsToken>[1], 'resource'> & {
        readonly resource?: string;
      } = {},
    ) => clientCredentialsToken(as.issuer, { resource: api, ...extra });

    beforeAll(async () => {
      fakeDateOnly();
      await as.restart([k1]);
      const port = await freePort();
      api = `http://127.0.0.1:${port}/`;
      t1 = await token();
      // The authorization server is down while the API starts: discovery waits for a token.
      await as.stop();
      // No verification cache: each request verifies, so key changes show at once.
      app = await createApp(platform, { bearer: { jwt: jwtOptions() }, cache: false });
      await app.listen(port, '127.0.0.1');
    });

    afterAll(async () => {
      await app.close();
      jest.useRealTimers();
    });

    it('C-1.6: the API starts while the authorization server is down; 503 with Retry-After until it is up, then 200 without a restart', async () => {
      as.keyFetches.length = 0;
      expectUnavailable(await call(t1));
      expect(as.keyFetches).toEqual([]);
      await as.restart();
      expect((await call(t1)).status).toBe(200);
      expect(as.keyFetches).toEqual([METADATA, '/jwks']);
    });

    it('C-3.5: a client_credentials access token is accepted: the principal is its sub (the client), its scopes those of `scope`', async () => {
      const res = await call(await token());
      expect(res.status).toBe(200);
      const body = res.body as WhoAmI;
      expect(body.scheme).toBe('bearer');
      expect(body.principal).toMatchObject({
        id: CLIENT.id,
        roles: [],
        scopes: ['orders:read', 'orders:write'],
        claims: { client_id: CLIENT.id, sub: CLIENT.id, iss: as.issuer, aud: api },
      });
      // The metadata and the key set were fetched once, for the first token.
      expect(as.keyFetches).toEqual([METADATA, '/jwks']);
    });

    it('C-1.4: the scopes of `scope` are what @Auth({ scopes }) checks', async () => {
      expect((await call(await token(), '/authz/orders')).status).toBe(200);
      expectAuthFailure(
        await call(await token({ scope: 'orders:read' }), '/authz/orders'),
        'insufficient_scope',
        ['Bearer realm="api", error="insufficient_scope"'],
      );
    });

    it('C-1.2: an ID token sent as an access token is refused as not an access token', async () => {
      const id = await idToken(as.issuer);
      expect(decodeProtectedHeader(id).typ).toBeUndefined();
      expectAuthFailure(await call(id), 'token_invalid', [NOT_AN_ACCESS_TOKEN]);
    });

    it('C-1.2: a JWT access token of typ JWT (not RFC 9068) is refused as not an access token', async () => {
      const legacy = await token({ client: LEGACY_CLIENT });
      expect(decodeProtectedHeader(legacy).typ).toBe('JWT');
      expectAuthFailure(await call(legacy), 'token_invalid', [NOT_AN_ACCESS_TOKEN]);
    });

    it('C-1.2: an access token for another resource (RFC 8707 audience) is refused', async () => {
      const other = await token({ resource: 'https://billing.example/' });
      expectAuthFailure(await call(other), 'token_invalid', [WRONG_AUDIENCE]);
    });

    it('C-1.6: a metadata document whose issuer differs from the configured one (a trailing slash) is 503, logged with both', async () => {
      const configured = `${as.issuer}/`;
      const mismatched = await createApp(platform, {
        bearer: { jwt: jwtOptions({ issuer: configured }) },
        cache: false,
      });
      const logger = new CapturingLogger();
      Logger.overrideLogger(logger);
      try {
        expectUnavailable(await call(await token(), '/bearer', mismatched));
        expect(logger.lines).toEqual([
          `The metadata of the issuer ${configured} cannot be used: ${as.issuer}${METADATA} names the issuer ` +
            `"${as.issuer}", not the configured "${configured}"; they must be identical (RFC 8414 §3.3, ` +
            'OpenID Connect Discovery §4.3): set bearer.jwt.issuer to the exact value. Answering 503 until it can.',
        ]);
      } finally {
        Logger.overrideLogger(false);
        await mismatched.close();
      }
    });

    it('C-3.5: a key rotated in is accepted once the cooldown (30 s) has passed', async () => {
      await as.restart([k2, k1]);
      t2 = await token();
      expect(decodeProtectedHeader(t2).kid).toBe('k2');
      as.keyFetches.length = 0;
      // Within the cooldown after the last fetch, an unknown kid fetches nothing.
      expectAuthFailure(await call(t2), 'token_invalid', [KEY_UNKNOWN]);
      expect(as.keyFetches).toEqual([]);
      advance(31);
      expect((await call(t2)).status).toBe(200);
      expect(as.keyFetches).toContain('/jwks');
      expect((await call(t1)).status).toBe(200);
    });

    it('C-3.5: a key removed from the set is refused once the cached set is older than its max age (600 s)', async () => {
      await as.restart([k2]);
      as.keyFetches.length = 0;
      expect((await call(t1)).status).toBe(200);
      expect(as.keyFetches).toEqual([]);
      advance(601);
      expectAuthFailure(await call(t1), 'token_invalid', [KEY_UNKNOWN]);
      expect(as.keyFetches).toEqual([METADATA, '/jwks']);
      expect((await call(t2)).status).toBe(200);
    });

    it('C-1.6: the authorization server stopped: 503 for an unknown kid past the cooldown and for any token past the max age; back, 200 without a restart', async () => {
      await as.stop();
      // Keys in the cache still verify...
      expect((await call(t2)).status).toBe(200);
      // ...but a kid the cache lacks cannot be told valid or not: 503, never 401.
      advance(31);
      expectUnavailable(await call(t1));
      advance(601);
      expectUnavailable(await call(t2));
      await as.restart();
      expect((await call(t2)).status).toBe(200);
    });
  },
);

describe.each<[Platform]>([['express'], ['fastify']])(
  'One Bearer scheme, two issuers (bearer.jwt as a list): own HS256 tokens and oidc-provider by discovery (%s)',
  (platform) => {
    const OWN_ISSUER = 'own-api';
    const ownSecret = new TextEncoder().encode('the-api-own-32-byte-hs256-secret');
    let app: INestApplication;
    let api: string;

    const call = (token: string, path = '/bearer') =>
      request(api.replace(/\/$/, '')).get(path).set('Authorization', bearer(token));

    /** A token signed with the API's own secret (the sample's kind), claiming `iss`. */
    const own = (iss = OWN_ISSUER, claims: JWTPayload = {}): Promise<string> =>
      new SignJWT({ sub: 'alice', roles: ['user'], ...claims })
        .setProtectedHeader({ alg: 'HS256' })
        .setIssuer(iss)
        .setJti(randomUUID())
        .setExpirationTime('5m')
        .sign(ownSecret);

    beforeAll(async () => {
      await as.restart([k1]);
      const port = await freePort();
      api = `http://127.0.0.1:${port}/`;
      app = await createApp(platform, {
        bearer: {
          jwt: [
            { secret: ownSecret, issuer: OWN_ISSUER, requiredClaims: ['sub', 'jti'] },
            { discovery: true, issuer: as.issuer, audience: api, profile: 'rfc9068' },
          ],
        },
        cache: false,
      });
      await app.listen(port, '127.0.0.1');
    });

    afterAll(async () => {
      await app.close();
    });

    it("C-3.5: accepts the API's own tokens and the authorization server's, each verified by its issuer's entry", async () => {
      const mine = await call(await own());
      expect(mine.status).toBe(200);
      expect((mine.body as WhoAmI).principal).toMatchObject({ id: 'alice', roles: ['user'] });
      const theirs = await call(await clientCredentialsToken(as.issuer, { resource: api }));
      expect(theirs.status).toBe(200);
      expect((theirs.body as WhoAmI).principal).toMatchObject({
        id: CLIENT.id,
        scopes: ['orders:read', 'orders:write'],
        claims: { iss: as.issuer, aud: api },
      });
    });

    it("C-1.2: a token of another issuer is refused without any key tried; the API's secret never verifies the server's iss", async () => {
      expectAuthFailure(await call(await own('https://elsewhere.example')), 'token_invalid', [
        rejected('The access token issuer is not accepted'),
      ]);
      // Signed with the API's own secret but claiming the authorization server: its entry pins RS256.
      expectAuthFailure(await call(await own(as.issuer, { aud: api })), 'token_invalid', [
        rejected('The access token algorithm is not allowed'),
      ]);
      // The server's entry keeps its own checks: an ID token is not an access token.
      expectAuthFailure(await call(await idToken(as.issuer)), 'token_invalid', [
        NOT_AN_ACCESS_TOKEN,
      ]);
    });

    it("C-1.6: the authorization server down: its tokens are 503, the API's own still 200; back, 200", async () => {
      const theirs = await clientCredentialsToken(as.issuer, { resource: api });
      await as.stop();
      // An app that has not fetched the server's keys yet (this suite's app has them cached).
      const fresh = await createApp(platform, {
        bearer: {
          jwt: [
            { secret: ownSecret, issuer: OWN_ISSUER },
            { discovery: true, issuer: as.issuer, audience: api, profile: 'rfc9068' },
          ],
        },
        cache: false,
      });
      const logger = new CapturingLogger();
      Logger.overrideLogger(logger);
      try {
        const get = (token: string) =>
          request(fresh.getHttpServer()).get('/bearer').set('Authorization', bearer(token));
        expectUnavailable(await get(theirs));
        expect((await get(await own())).status).toBe(200);
        expect(logger.lines).toHaveLength(1);
        expect(logger.lines[0]).toContain(`The metadata of the issuer ${as.issuer} cannot be used`);
        await as.restart();
        expect((await get(theirs)).status).toBe(200);
      } finally {
        Logger.overrideLogger(false);
        await fresh.close();
      }
    });
  },
);
