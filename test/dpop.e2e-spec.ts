import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { Controller, Get, type INestApplication } from '@nestjs/common';
import { calculateJwkThumbprint, decodeJwt } from 'jose';
import request from 'supertest';
import { Auth, CurrentAuth, type AuthContext, type JwtVerificationOptions } from '../lib/index.js';
import { sha256 } from '../lib/schemes/dpop/dpop.scheme.js';
import { createApp, type Platform } from './fixtures/test-app.js';
import { expectAuthFailure } from './support/expectations.js';
import { type DpopHolder, dpopHolder, dpopNonceOf, dpopProof } from './support/dpop.js';
import { fakeDateOnly } from './support/fake-date.js';
import { headerLines } from './support/http.js';
import { dpopClientCredentialsToken, OidcServer, signingKey } from './support/oidc-provider.js';
import { freePort } from '../sample/client/sample-process.js';

/*
 * DPoP (RFC 9449) against a real authorization server (oidc-provider with `features.dPoP`): a client
 * gets a DPoP-bound RFC 9068 access token by the client_credentials grant with oauth4webapi's DPoP
 * support, then calls `@Auth('dpop')` routes with fresh proofs (jose SignJWT). docs/contract.md
 * C-2.12 (the DPoP challenge), C-2.13 (server nonces), C-1.2 (refused credentials).
 */

jest.setTimeout(20_000);

const ALGS = 'algs="ES256 RS256 EdDSA PS256"';
const PLAIN = `DPoP ${ALGS}`;
const badProof = (why: string): string =>
  `DPoP ${ALGS}, error="invalid_dpop_proof", error_description="The DPoP proof ${why}"`;

@Controller()
class DpopController {
  /** How many times a handler ran. */
  static calls = 0;

  @Get('dpop')
  @Auth('dpop')
  dpop(@CurrentAuth() context: AuthContext): { scheme?: string; id?: string } {
    DpopController.calls += 1;
    return { scheme: context.scheme, id: context.principal?.id };
  }

  @Get('bearer')
  @Auth('bearer')
  bearer(): string {
    DpopController.calls += 1;
    return 'ran';
  }
}

let as: OidcServer;

beforeAll(async () => {
  as = await OidcServer.start([await signingKey('k1')], { dpop: true });
});

afterAll(async () => {
  await as.close();
});

/**
 * A resource server on a free port for a DPoP key holder: its URL is the tokens' audience (RFC 8707),
 * its keys come from the authorization server's discovery, its tokens follow RFC 9068, and `token`
 * is an access token of the authorization server bound to the holder's key.
 */
async function resource(
  key: DpopHolder,
): Promise<{ port: number; api: string; token: string; jwt: JwtVerificationOptions }> {
  const port = await freePort();
  const api = `http://127.0.0.1:${port}/`;
  const token = await dpopClientCredentialsToken(as.issuer, {
    resource: api,
    keyPair: key.keyPair,
  });
  const jwt: JwtVerificationOptions = {
    discovery: true,
    issuer: as.issuer,
    audience: api,
    profile: 'rfc9068',
  };
  return { port, api, token, jwt };
}

describe.each<[Platform]>([['express'], ['fastify']])(
  'DPoP (RFC 9449) against oidc-provider (%s)',
  (platform) => {
    let app: INestApplication;
    let api: string;
    let key: DpopHolder;
    let other: DpopHolder;
    let token: string;

    const proof = (
      claims: { htm?: string; htu?: string; ath?: string } = {},
      by: DpopHolder = key,
      forToken = token,
    ): Promise<string> => dpopProof(by, forToken, { htm: 'GET', htu: `${api}dpop`, ...claims });

    const call = (path: string, authorization: string, dpop?: string) => {
      const req = request(api.replace(/\/$/, '')).get(path).set('Authorization', authorization);
      return dpop === undefined ? req : req.set('DPoP', dpop);
    };

    beforeAll(async () => {
      [key, other] = await Promise.all([dpopHolder(), dpopHolder()]);
      let port: number, jwt: JwtVerificationOptions;
      ({ port, api, token, jwt } = await resource(key));
      app = await createApp(platform, { bearer: { jwt }, dpop: { jwt } }, [DpopController]);
      await app.listen(port, '127.0.0.1');
    });

    afterAll(async () => {
      await app.close();
    });

    it('the authorization server bound the token to the client key (cnf.jkt, RFC 7638)', async () => {
      expect(decodeJwt(token)['cnf']).toEqual({ jkt: await calculateJwkThumbprint(key.jwk) });
    });

    it('C-1.2: a fresh proof of the bound key: 200, the handler ran once; the same proof again: 401 invalid_dpop_proof', async () => {
      DpopController.calls = 0;
      const p = await proof();
      const ok = await call('/dpop', `DPoP ${token}`, p);
      expect(ok.status).toBe(200);
      expect(ok.body).toEqual({ scheme: 'dpop', id: 'orders-service' });
      const replay = await call('/dpop', `DPoP ${token}`, p);
      expectAuthFailure(replay, 'token_invalid', [badProof('was already used')]);
      expect(DpopController.calls).toBe(1);
    });

    it.each([
      ['htm', { htm: 'POST' }, 'htm does not match the request method'],
      ['htu', { htu: 'http://127.0.0.1:1/dpop' }, 'htu does not match the request URL'],
      ['ath', { ath: sha256('another token') }, 'ath does not match the access token'],
    ])('C-2.12: a proof with a wrong %s: 401 invalid_dpop_proof', async (_, claims, why) => {
      DpopController.calls = 0;
      expectAuthFailure(
        await call('/dpop', `DPoP ${token}`, await proof(claims)),
        'token_invalid',
        [badProof(why)],
      );
      expect(DpopController.calls).toBe(0);
    });

    it('C-2.12: a proof with the query string in the request URL still matches (htu has none)', async () => {
      expect((await call('/dpop?page=2', `DPoP ${token}`, await proof())).status).toBe(200);
    });

    it('C-2.12: a proof by another key than the token is bound to: 401 invalid_token', async () => {
      const res = await call('/dpop', `DPoP ${token}`, await proof({}, other));
      expectAuthFailure(res, 'token_invalid', [
        `DPoP ${ALGS}, error="invalid_token", error_description="The access token is bound to another key than the DPoP proof"`,
      ]);
    });

    it('C-2.4: the bound token sent as Bearer (same issuer): 401 invalid_token, no downgrade', async () => {
      DpopController.calls = 0;
      const res = await call('/bearer', `Bearer ${token}`);
      expectAuthFailure(res, 'token_invalid', [
        'Bearer realm="api", error="invalid_token", error_description="The access token is DPoP-bound: send it with a DPoP proof"',
      ]);
      expect(DpopController.calls).toBe(0);
    });

    it('C-2.12: no proof: 401 invalid_dpop_proof; no credentials: the plain DPoP challenge', async () => {
      expectAuthFailure(await call('/dpop', `DPoP ${token}`), 'token_invalid', [
        badProof('is missing'),
      ]);
      const anonymous = await request(api.replace(/\/$/, '')).get('/dpop');
      expectAuthFailure(anonymous, 'credentials_missing', [PLAIN]);
    });
  },
);

describe.each<[Platform]>([['express'], ['fastify']])(
  'DPoP server nonces (RFC 9449 §9) against oidc-provider (%s)',
  (platform) => {
    const ORIGIN = 'https://app.example.com';
    const USE_NONCE = (description: string): string =>
      `DPoP ${ALGS}, error="use_dpop_nonce", error_description="${description}"`;
    let app: INestApplication;
    let api: string;
    let key: DpopHolder;
    let token: string;

    const proof = (nonce?: string): Promise<string> =>
      dpopProof(key, token, {
        htm: 'GET',
        htu: `${api}dpop`,
        ...(nonce === undefined ? {} : { nonce }),
      });

    const call = (dpop: string) =>
      request(api.replace(/\/$/, ''))
        .get('/dpop')
        .set('Origin', ORIGIN)
        .set('Authorization', `DPoP ${token}`)
        .set('DPoP', dpop);

    beforeAll(async () => {
      key = await dpopHolder();
      let port: number, jwt: JwtVerificationOptions;
      ({ port, api, token, jwt } = await resource(key));
      app = await createApp(
        platform,
        {
          dpop: { jwt, nonce: { secret: 'the-nonce-secret-every-instance-shares', rotation: 60 } },
        },
        [DpopController],
        { cors: { origin: ORIGIN } },
      );
      await app.listen(port, '127.0.0.1');
    });

    afterAll(async () => {
      jest.useRealTimers();
      await app.close();
    });

    it('C-2.13: no nonce: 401 use_dpop_nonce with DPoP-Nonce (exposed to CORS); retry with it: 200; a stale one: 401 with a fresh nonce', async () => {
      DpopController.calls = 0;
      const first = await call(await proof());
      expectAuthFailure(first, 'token_invalid', [
        USE_NONCE('Resource server requires nonce in DPoP proof'),
      ]);
      const nonce = dpopNonceOf(first);
      expect(first.headers['access-control-expose-headers']).toBe('WWW-Authenticate, DPoP-Nonce');
      expect(DpopController.calls).toBe(0);

      const retry = await call(await proof(nonce));
      expect(retry.status).toBe(200);
      expect(retry.body).toEqual({ scheme: 'dpop', id: 'orders-service' });
      expect(headerLines(retry, 'DPoP-Nonce')).toEqual([]);
      expect(DpopController.calls).toBe(1);

      // Two windows of 60 s later, the nonce is stale (the token, valid 10 minutes, is not).
      fakeDateOnly();
      jest.setSystemTime(Date.now() + 121_000);
      const stale = await call(await proof(nonce));
      expectAuthFailure(stale, 'token_invalid', [
        USE_NONCE('Resource server requires a current nonce in DPoP proof'),
      ]);
      const fresh = dpopNonceOf(stale);
      expect(fresh).not.toBe(nonce);
      expect(DpopController.calls).toBe(1);
      expect((await call(await proof(fresh))).status).toBe(200);
      expect(DpopController.calls).toBe(2);
      jest.useRealTimers();
    });

    it('C-2.13: a nonce this server never issued: 401 use_dpop_nonce; a bad proof with a good nonce: invalid_dpop_proof, no DPoP-Nonce', async () => {
      DpopController.calls = 0;
      const unknown = await call(await proof('eyJ7S_zG.eyJH0-Z.HX4w-7v'));
      expectAuthFailure(unknown, 'token_invalid', [
        USE_NONCE('Resource server requires a current nonce in DPoP proof'),
      ]);
      const nonce = dpopNonceOf(unknown);
      const replayed = await proof(nonce);
      expect((await call(replayed)).status).toBe(200);
      const replay = await call(replayed);
      expectAuthFailure(replay, 'token_invalid', [badProof('was already used')]);
      expect(headerLines(replay, 'DPoP-Nonce')).toEqual([]);
      expect(replay.headers['access-control-expose-headers']).toBe('WWW-Authenticate');
      expect(DpopController.calls).toBe(1);
    });
  },
);
