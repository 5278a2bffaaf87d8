import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { INestApplication } from '@nestjs/common';
import { generateKeyPair, SignJWT } from 'jose';
import request from 'supertest';
import { DEMO_CLIENT, startIdp, type Idp } from '../sample/idp/idp-server.js';
import { ConfigError } from '../sample/src/config/config.error.js';
import { loadConfig } from '../sample/src/config/load-config.js';
import {
  ALICE,
  CHALLENGE,
  createTestSample,
  login,
  PUBLIC_URL,
  signAccessToken,
  type Platform,
} from './sample/sample-app.js';
import { bearer, challenges } from './support/http.js';
import { clientCredentialsToken } from './support/oidc-provider.js';

/*
 * The sample with OIDC_ISSUER, against the local authorization server of `npm run sample:idp`
 * (sample/idp, oidc-provider, in this process): its RFC 9068 access tokens for the sample's
 * PUBLIC_URL, obtained as a client does (oauth4webapi, client_credentials), are accepted by the
 * Bearer routes next to the sample's own tokens, and the metadata names the issuer.
 */

let idp: Idp;

beforeAll(async () => {
  idp = await startIdp({ port: 0, sampleUrl: PUBLIC_URL });
});
afterAll(() => idp.close());

describe('OIDC_ISSUER setting', () => {
  it('C-1.8: a value that is not an issuer URL stops the start-up with one line', () => {
    expect(() => loadConfig({ OIDC_ISSUER: 'login.example.com' })).toThrow(
      new ConfigError(
        'OIDC_ISSUER must be an issuer identifier, an absolute http or https URL without user name, query or fragment, e.g. http://127.0.0.1:3001 (got "login.example.com")',
      ),
    );
    expect(loadConfig({}).oidcIssuer).toBeUndefined();
    expect(loadConfig({ OIDC_ISSUER: 'https://login.example.com/realms/a' }).oidcIssuer).toBe(
      'https://login.example.com/realms/a',
    );
  });
});

describe.each<[Platform]>([['express'], ['fastify']])(
  'sample with OIDC_ISSUER on %s',
  (platform) => {
    let app: INestApplication;

    beforeAll(async () => {
      app = await createTestSample(platform, { OIDC_ISSUER: idp.issuer });
    });
    afterAll(() => app.close());

    it("C-3.5: the issuer's client_credentials access token is accepted on GET /me: the principal is the client", async () => {
      const token = await clientCredentialsToken(idp.issuer, {
        resource: PUBLIC_URL,
        scope: 'sample:read',
        client: DEMO_CLIENT,
      });
      const res = await request(app.getHttpServer()).get('/me').set('Authorization', bearer(token));
      expect({ status: res.status, body: res.body as unknown }).toEqual({
        status: 200,
        body: { username: DEMO_CLIENT.id, roles: [], scheme: 'bearer' },
      });
    });

    it("C-3.5: the sample's own access tokens keep working, and logout still revokes them", async () => {
      const { access_token: token } = await login(app, ALICE);
      const server = app.getHttpServer();
      const me = await request(server).get('/me').set('Authorization', bearer(token));
      expect({ status: me.status, username: (me.body as { username?: string }).username }).toEqual({
        status: 200,
        username: ALICE.username,
      });
      const logout = await request(server).post('/auth/logout').set('Authorization', bearer(token));
      expect(logout.status).toBe(204);
      const after = await request(server).get('/me').set('Authorization', bearer(token));
      expect(after.status).toBe(401);
      expect(challenges(after)).toContain(CHALLENGE.rejected('The access token was revoked'));
    });

    it('C-1.2: a token naming the issuer but not signed with its keys is refused', async () => {
      const { privateKey } = await generateKeyPair('RS256');
      const now = Math.floor(Date.now() / 1000);
      const forged = await new SignJWT({ client_id: DEMO_CLIENT.id, jti: 'forged' })
        .setProtectedHeader({ alg: 'RS256', typ: 'at+jwt', kid: 'sample-idp' })
        .setIssuer(idp.issuer)
        .setAudience(PUBLIC_URL)
        .setSubject(DEMO_CLIENT.id)
        .setIssuedAt(now)
        .setExpirationTime(now + 600)
        .sign(privateKey);
      const res = await request(app.getHttpServer())
        .get('/me')
        .set('Authorization', bearer(forged));
      expect(res.status).toBe(401);
      expect(challenges(res)).toContain(
        CHALLENGE.rejected('The access token signature is invalid'),
      );
    });

    it("C-1.2: the sample's secret never verifies the issuer's tokens, and a token of another issuer is refused", async () => {
      const server = app.getHttpServer();
      const claims = { sub: ALICE.username, roles: ['admin'] };
      const asIssuer = await signAccessToken(claims, { issuer: idp.issuer });
      const res = await request(server).get('/me').set('Authorization', bearer(asIssuer));
      expect(res.status).toBe(401);
      expect(challenges(res)).toContain(
        CHALLENGE.rejected('The access token algorithm is not allowed'),
      );
      const other = await signAccessToken(claims, { issuer: 'https://elsewhere.example' });
      const refused = await request(server).get('/me').set('Authorization', bearer(other));
      expect(refused.status).toBe(401);
      expect(challenges(refused)).toContain(
        CHALLENGE.rejected('The access token issuer is not accepted'),
      );
    });

    it('C-2.11: the protected resource metadata names the issuer in authorization_servers', async () => {
      const res = await request(app.getHttpServer()).get('/.well-known/oauth-protected-resource');
      expect(res.status).toBe(200);
      expect((res.body as { authorization_servers?: unknown }).authorization_servers).toEqual([
        idp.issuer,
      ]);
    });
  },
);
