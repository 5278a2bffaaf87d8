import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import type { INestApplication } from '@nestjs/common';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { documentAuth } from 'nest-http-auth/openapi';
import request from 'supertest';
import { createApp, type Platform, type WhoAmI } from './fixtures/test-app.js';
import { expectAuthFailure } from './support/expectations.js';
import { bearer } from './support/http.js';
import {
  CLIENT,
  clientCredentialsToken,
  INTROSPECTION_PATH,
  OidcServer,
  RESOURCE_SERVER_CLIENT,
  revokeToken,
  signingKey,
} from './support/oidc-provider.js';

/*
 * Bearer with opaque access tokens checked by introspection (RFC 7662, `bearer.introspection`),
 * against a real authorization server (oidc-provider in this process) that issues opaque tokens by
 * the client_credentials grant (oauth4webapi) and introspects them for the resource server's own
 * client (client_secret_basic, with an id and secret that need form-urlencoding). The verification
 * cache lives 1 s here, so a revocation shows once the entry expires. docs/contract.md C-1.2
 * (refused tokens), C-1.4 (scopes), C-1.6 (503 while the endpoint cannot be used), C-2.4, C-2.9.
 */

jest.setTimeout(20_000);

/** This API's resource identifier: the `resource` of its tokens and their `aud`. */
const API = 'https://orders.example/';
const CACHE_TTL_SECONDS = 1;

const NOT_ACTIVE =
  'Bearer realm="api", error="invalid_token", error_description="The access token is not active"';

/** 503 with Retry-After and no challenge (C-1.6, C-2.9): never 200, never 401. */
function expectUnavailable(res: request.Response): void {
  expectAuthFailure(res, 'service_unavailable', []);
  expect(res.headers['retry-after']).toMatch(/^[1-9]\d*$/);
}

/** Waits until the verification cache's entries (ttl and failureTtl) have expired. */
const cacheExpiry = (): Promise<void> =>
  new Promise((resolve) => setTimeout(resolve, CACHE_TTL_SECONDS * 1000 + 150));

let as: OidcServer;

beforeAll(async () => {
  as = await OidcServer.start([await signingKey('k1')], { opaqueAccessTokens: true });
});

afterAll(async () => {
  await as.close();
});

describe.each<[Platform]>([['express'], ['fastify']])(
  'Bearer by introspection (RFC 7662) against oidc-provider (%s)',
  (platform) => {
    let app: INestApplication;

    const call = (token: string, path = '/bearer') =>
      request(app.getHttpServer()).get(path).set('Authorization', bearer(token));

    const token = (scope?: string) =>
      clientCredentialsToken(as.issuer, { resource: API, ...(scope ? { scope } : {}) });

    beforeAll(async () => {
      await as.restart();
      app = await createApp(platform, {
        bearer: {
          introspection: {
            url: `${as.issuer}${INTROSPECTION_PATH}`,
            clientId: RESOURCE_SERVER_CLIENT.id,
            clientSecret: RESOURCE_SERVER_CLIENT.secret,
            acceptedIssuers: [as.issuer],
            audience: API,
          },
        },
        cache: { ttl: CACHE_TTL_SECONDS },
      });
    });

    afterAll(async () => {
      await app.close();
    });

    it('C-1.2: the tokens are opaque, not JWTs', async () => {
      expect((await token()).split('.')).toHaveLength(1);
    });

    it('an active token: 200, the handler runs; the principal is the client, its scopes those of `scope`; introspected once, then cached', async () => {
      const t = await token();
      const before = as.introspections;
      const res = await call(t);
      expect(res.status).toBe(200);
      const body = res.body as WhoAmI;
      expect(body.scheme).toBe('bearer');
      expect(body.principal).toMatchObject({
        id: CLIENT.id,
        roles: [],
        scopes: ['orders:read', 'orders:write'],
        claims: { active: true, client_id: CLIENT.id, iss: as.issuer, aud: API },
      });
      expect(as.introspections).toBe(before + 1);
      expect((await call(t)).status).toBe(200);
      expect(as.introspections).toBe(before + 1);
    });

    it('C-1.4: the scopes of `scope` are what @Auth({ scopes }) checks', async () => {
      expect((await call(await token(), '/authz/orders')).status).toBe(200);
      expectAuthFailure(
        await call(await token('orders:read'), '/authz/orders'),
        'insufficient_scope',
        ['Bearer realm="api", error="insufficient_scope"'],
      );
    });

    it('C-1.2: a token revoked at the authorization server is 401 once its cache entry expires (cache.ttl), and the refusal is cached (failureTtl)', async () => {
      const t = await token();
      expect((await call(t)).status).toBe(200);
      const after = as.introspections;
      await revokeToken(as.issuer, t);
      // Within the cache's ttl the remembered answer stands: no introspection call.
      expect((await call(t)).status).toBe(200);
      expect(as.introspections).toBe(after);
      await cacheExpiry();
      expectAuthFailure(await call(t), 'token_invalid', [NOT_ACTIVE]);
      expect(as.introspections).toBe(after + 1);
      // The refusal is remembered too: no further call within failureTtl.
      expectAuthFailure(await call(t), 'token_invalid', [NOT_ACTIVE]);
      expect(as.introspections).toBe(after + 1);
    });

    it('C-1.2: a made-up token is 401 (inactive), never 200', async () => {
      expectAuthFailure(await call('not-a-token-of-this-server'), 'token_invalid', [NOT_ACTIVE]);
    });

    it('C-1.6: the authorization server down: 503 with Retry-After (not cached), the handler does not run; back up: 200', async () => {
      const t = await token();
      await as.stop();
      try {
        expectUnavailable(await call(t));
        expectUnavailable(await call(t));
      } finally {
        await as.restart();
      }
      const res = await call(t);
      expect(res.status).toBe(200);
      expect((res.body as WhoAmI).principal).toMatchObject({ id: CLIENT.id });
    });

    it('C-6, C-1.6: the OpenAPI document lists 503 with Retry-After for the operations that accept Bearer (the scheme is remote), and no bearerFormat', () => {
      const config = new DocumentBuilder().setTitle('e2e').build();
      const document = documentAuth(app, SwaggerModule.createDocument(app, config));
      const responses = (path: string) =>
        (document.paths[path]?.get?.responses ?? {}) as Record<
          string,
          { headers?: Record<string, unknown> } | undefined
        >;
      expect(Object.keys(responses('/bearer')['503']?.headers ?? {})).toEqual(['Retry-After']);
      expect(responses('/basic')['503']).toBeUndefined();
      expect(document.components?.securitySchemes?.['bearer']).toEqual({
        type: 'http',
        scheme: 'bearer',
      });
    });

    it('20 concurrent first requests with one token share one introspection call', async () => {
      const t = await token();
      const before = as.introspections;
      const responses = await Promise.all(Array.from({ length: 20 }, () => call(t)));
      expect(responses.map((res) => res.status)).toEqual(Array(20).fill(200));
      expect(as.introspections).toBe(before + 1);
    });
  },
);
