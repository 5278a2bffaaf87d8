import { generateKeyPairSync } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { INestApplication } from '@nestjs/common';
import { decodeJwt } from 'jose';
import request from 'supertest';
import { mintToken } from 'nest-http-auth/testing';
import { createApp, type Platform, type WhoAmI } from './fixtures/test-app.js';
import { expectAuthFailure } from './support/expectations.js';
import { bearer } from './support/http.js';
import { JwksServer } from './support/jwks-server.js';

/*
 * mintToken() of nest-http-auth/testing on the test application, one suite over Express and
 * Fastify: the tokens it signs pass the guard with the principal they describe, roles and scopes
 * are enforced on them (C-1.4), and an expired one is a 401 token_expired (C-1.2, C-4.3). A key set
 * configuration signs with the private key the test passes.
 */

const BEARER_FORBIDDEN = 'Bearer realm="api", error="insufficient_scope"';
const EXPIRED =
  'Bearer realm="api", error="invalid_token", error_description="The access token expired"';

describe.each([['express'], ['fastify']] as [Platform][])('mintToken() on %s', (platform) => {
  let app: INestApplication;
  const get = (path: string, token: string): request.Test =>
    request(app.getHttpServer()).get(path).set('Authorization', bearer(token));

  beforeAll(async () => {
    app = await createApp(platform);
  });
  afterAll(() => app.close());

  it('C-3.5: a minted token passes the guard as the principal it names', async () => {
    const token = await mintToken(app, { sub: 'alice', roles: ['user'], scopes: ['orders:read'] });
    const res = await get('/bearer', token);
    expect(res.status).toBe(200);
    expect((res.body as WhoAmI).principal).toMatchObject({
      id: 'alice',
      roles: ['user'],
      scopes: ['orders:read'],
    });
  });

  it('C-1.4: with the role the route requires it is 200, without it 403 insufficient_scope, and the handler sees only the first', async () => {
    const admin = await get('/authz/admin', await mintToken(app, { roles: ['admin'] }));
    expect(admin.status).toBe(200);
    expect((admin.body as WhoAmI).scheme).toBe('bearer');
    const user = await get('/authz/admin', await mintToken(app, { roles: ['user'] }));
    expectAuthFailure(user, 'insufficient_scope', [BEARER_FORBIDDEN]);
  });

  it('C-5.4: scopes are checked all of them: both is 200, one is 403', async () => {
    const both = await mintToken(app, { scopes: ['orders:read', 'orders:write'] });
    expect((await get('/authz/orders', both)).status).toBe(200);
    const one = await get('/authz/orders', await mintToken(app, { scopes: ['orders:read'] }));
    expectAuthFailure(one, 'insufficient_scope', [BEARER_FORBIDDEN]);
  });

  it('C-1.2, C-4.3: an expired minted token is 401 token_expired, saying when it expired', async () => {
    const token = await mintToken(app, { expiresIn: -120 });
    const res = await get('/bearer', token);
    expectAuthFailure(res, 'token_expired', [EXPIRED], {
      expires_at: new Date(decodeJwt(token).exp! * 1000).toISOString(),
    });
  });

  describe('with a JSON Web Key Set', () => {
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    let jwks: JwksServer;
    let jwksApp: INestApplication;

    beforeAll(async () => {
      jwks = await JwksServer.start([
        { ...publicKey.export({ format: 'jwk' }), kid: 'test-key', alg: 'ES256', use: 'sig' },
      ]);
      jwksApp = await createApp(platform, {
        bearer: { jwt: { jwksUrl: jwks.url, algorithms: ['ES256'], issuer: 'https://idp.test' } },
      });
    });
    afterAll(async () => {
      await jwksApp.close();
      await jwks.close();
    });

    it('C-3.5: without a private key it says to pass one; with it (and the kid) the token passes with the configured issuer', async () => {
      await expect(mintToken(jwksApp)).rejects.toThrow(/pass \{ privateKey \}/);
      const token = await mintToken(jwksApp, { privateKey, kid: 'test-key', sub: 'carol' });
      expect(decodeJwt(token).iss).toBe('https://idp.test');
      const res = await request(jwksApp.getHttpServer())
        .get('/bearer')
        .set('Authorization', bearer(token));
      expect(res.status).toBe(200);
      expect((res.body as WhoAmI).principal).toMatchObject({ id: 'carol' });
    });
  });
});
