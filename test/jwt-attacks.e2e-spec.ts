import { createHmac } from 'node:crypto';
import {
  afterAll,
  afterEach,
  beforeAll,
  beforeEach,
  describe,
  expect,
  it,
  jest,
} from '@jest/globals';
import { type INestApplication, Logger } from '@nestjs/common';
import {
  type CryptoKey,
  exportJWK,
  exportSPKI,
  generateKeyPair,
  type JWK,
  type JWTPayload,
  SignJWT,
  UnsecuredJWT,
} from 'jose';
import request from 'supertest';
import { JWT_SECRET } from './fixtures/credentials.js';
import { createApp, type Platform, type WhoAmI } from './fixtures/test-app.js';
import { nowInSeconds } from './fixtures/tokens.js';
import { expectAuthFailure } from './support/expectations.js';
import { bearer, challenges, visibleText } from './support/http.js';
import { fakeDateOnly } from './support/fake-date.js';
import { JwksServer } from './support/jwks-server.js';

/*
 * The JWT attack matrix of RFC 8725 (JSON Web Token Best Current Practices), end to end on Express
 * and Fastify: every forged, altered or unacceptable token is answered with the status, `code`,
 * challenge (`error="invalid_token"` and an `error_description`) and body of CONTRACT C-1, C-2 and
 * C-4; a key set (JWKS) that cannot be fetched fails closed with 503. The verifier's unit tests
 * (lib/schemes/bearer/jwt-verifier*.spec.ts) cover the same cases without HTTP.
 */

const ISSUER = 'https://issuer.test';
const AUDIENCE = 'api://orders';
const HMAC_KEY = new TextEncoder().encode(JWT_SECRET);
const ATTACKER_SECRET = 'attacker-secret-that-is-long-enough-0123456789';

function rejected(description: string): string {
  return `Bearer realm="api", error="invalid_token", error_description="${description}"`;
}

const MALFORMED = rejected('The access token is malformed');
const ALG_NOT_ALLOWED = rejected('The access token algorithm is not allowed');
const SIGNATURE_INVALID = rejected('The access token signature is invalid');
const KEY_UNKNOWN = rejected('The access token signing key is unknown');

const b64url = (value: string | Buffer): string => Buffer.from(value).toString('base64url');

/** Claims the strict application accepts: right issuer and audience, an hour to live. */
function goodClaims(extra: JWTPayload = {}): JWTPayload {
  return { sub: 'user-1', iss: ISSUER, aud: AUDIENCE, exp: nowInSeconds() + 3600, ...extra };
}

/** Signs header and claims with HMAC-SHA256 by hand, so that any header (e.g. `crit`) can be sent. */
function hs256(header: object, claims: JWTPayload, key: Uint8Array | string = HMAC_KEY): string {
  const signingInput = `${b64url(JSON.stringify(header))}.${b64url(JSON.stringify(claims))}`;
  return `${signingInput}.${createHmac('sha256', key).update(signingInput).digest('base64url')}`;
}

function rs256(key: CryptoKey, claims: JWTPayload, header: Record<string, unknown> = {}) {
  return new SignJWT(claims).setProtectedHeader({ alg: 'RS256', ...header }).sign(key);
}

/** A validly signed token (strict app) of exactly `length` characters, padded with a claim. */
function tokenOfLength(length: number): string {
  for (let pad = Math.max(0, Math.floor(((length - 200) * 3) / 4)); ; pad++) {
    for (const extra of ['', 'x', 'xy']) {
      const token = hs256({ alg: 'HS256' }, goodClaims({ pad: 'p'.repeat(pad), e: extra }));
      if (token.length === length) return token;
      if (token.length > length + 4) throw new Error(`no token of ${length} characters`);
    }
  }
}

describe.each<[Platform]>([['express'], ['fastify']])('RFC 8725 attacks on %s', (platform) => {
  /** HS256 with issuer and audience checks. */
  let strictApp: INestApplication;
  /** RS256 with a public key (PEM). */
  let rsaApp: INestApplication;
  let rsaPrivate: CryptoKey;
  let rsaPem: string;

  beforeAll(async () => {
    const pair = await generateKeyPair('RS256', { extractable: true });
    rsaPrivate = pair.privateKey;
    rsaPem = await exportSPKI(pair.publicKey);
    [strictApp, rsaApp] = await Promise.all([
      createApp(platform, {
        bearer: { jwt: { secret: JWT_SECRET, issuer: ISSUER, audience: AUDIENCE } },
      }),
      createApp(platform, { bearer: { jwt: { publicKey: rsaPem } } }),
    ]);
  });

  afterAll(async () => {
    await Promise.all([strictApp, rsaApp].map((app) => app?.close()));
  });

  const call = (app: INestApplication, token: string) =>
    request(app.getHttpServer()).get('/bearer').set('Authorization', bearer(token));

  /** A 401 `token_invalid` with exactly this challenge and body, which never echoes the token. */
  async function expectInvalid(app: INestApplication, token: string, challenge: string) {
    const res = await call(app, token);
    expectAuthFailure(res, 'token_invalid', [challenge]);
    expect(visibleText(res)).not.toContain(token);
  }

  it('C-1 control: a token with the right signature, issuer and audience is 200', async () => {
    const res = await call(strictApp, hs256({ alg: 'HS256', typ: 'JWT' }, goodClaims()));
    expect(res.status).toBe(200);
    expect((res.body as WhoAmI).principal).toMatchObject({ id: 'user-1' });
  });

  describe('RFC 8725 §2.1 / §3.1: the algorithm is pinned', () => {
    it.each(['none', 'None', 'NONE', 'nOnE'])(
      'C-1: alg "%s" (unsecured JWT) is 401 token_invalid',
      async (alg) => {
        const unsecured = new UnsecuredJWT(goodClaims({ sub: 'admin' })).encode();
        const token = `${b64url(JSON.stringify({ alg }))}.${unsecured.split('.')[1]}.`;
        await expectInvalid(strictApp, token, ALG_NOT_ALLOWED);
      },
    );

    it('C-1: alg none keeping a valid HS256 signature is 401 token_invalid', async () => {
      const [, payload, signature] = hs256({ alg: 'HS256' }, goodClaims()).split('.');
      const token = `${b64url(JSON.stringify({ alg: 'none' }))}.${payload}.${signature}`;
      await expectInvalid(strictApp, token, ALG_NOT_ALLOWED);
    });

    it('C-1: key confusion, HS256 signed with the RSA public key PEM when RS256 is configured, is 401 token_invalid', async () => {
      const forged = hs256(
        { alg: 'HS256', typ: 'JWT' },
        { sub: 'admin', roles: ['admin'], exp: nowInSeconds() + 600 },
        rsaPem,
      );
      await expectInvalid(rsaApp, forged, ALG_NOT_ALLOWED);
      // The same token with alg RS256 is not a valid RSA signature either.
      const [, payload, signature] = forged.split('.');
      await expectInvalid(
        rsaApp,
        `${b64url(JSON.stringify({ alg: 'RS256', typ: 'JWT' }))}.${payload}.${signature}`,
        SIGNATURE_INVALID,
      );
    });

    it('C-1 control: the RS256 app accepts a token of its private key', async () => {
      const res = await call(rsaApp, await rs256(rsaPrivate, goodClaims()));
      expect(res.status).toBe(200);
    });

    it('C-1: an embedded jwk header (the attacker’s own key) is not trusted: 401 token_invalid', async () => {
      const attacker = await generateKeyPair('RS256', { extractable: true });
      const jwk = await exportJWK(attacker.publicKey);
      const token = await rs256(attacker.privateKey, goodClaims({ sub: 'admin' }), { jwk });
      await expectInvalid(rsaApp, token, SIGNATURE_INVALID);
    });
  });

  describe('RFC 8725 §3.10 / RFC 7519 §4.1: registered claims are validated', () => {
    it('C-1: an expired token is 401 token_expired with expires_at', async () => {
      const exp = nowInSeconds() - 300;
      const res = await call(strictApp, hs256({ alg: 'HS256' }, goodClaims({ exp })));
      expectAuthFailure(res, 'token_expired', [rejected('The access token expired')], {
        expires_at: new Date(exp * 1000).toISOString(),
      });
    });

    it('C-1: an exp so far in the past that it is no date is 401 token_expired without expires_at, not a 500', async () => {
      const res = await call(strictApp, hs256({ alg: 'HS256' }, goodClaims({ exp: -1e300 })));
      expectAuthFailure(res, 'token_expired', [rejected('The access token expired')]);
    });

    it('C-1: nbf in the future is 401 token_invalid', async () => {
      const token = hs256({ alg: 'HS256' }, goodClaims({ nbf: nowInSeconds() + 3600 }));
      await expectInvalid(strictApp, token, rejected('The access token is not valid yet'));
    });

    it('C-1: a wrong aud is 401 token_invalid', async () => {
      const token = hs256({ alg: 'HS256' }, goodClaims({ aud: 'api://payments' }));
      await expectInvalid(strictApp, token, rejected('The access token aud claim is not accepted'));
    });

    it('C-1: a missing aud is 401 token_invalid', async () => {
      const { aud: _aud, ...claims } = goodClaims();
      await expectInvalid(
        strictApp,
        hs256({ alg: 'HS256' }, claims),
        rejected('The access token has no aud claim'),
      );
    });

    it('C-1: a wrong iss is 401 token_invalid', async () => {
      const token = hs256({ alg: 'HS256' }, goodClaims({ iss: 'https://evil.test' }));
      await expectInvalid(strictApp, token, rejected('The access token iss claim is not accepted'));
    });

    it('C-1: a missing exp is 401 token_invalid (exp is always required)', async () => {
      const { exp: _exp, ...claims } = goodClaims();
      await expectInvalid(
        strictApp,
        hs256({ alg: 'HS256' }, claims),
        rejected('The access token has no exp claim'),
      );
    });

    it('C-1: an exp that is not a number is 401 token_invalid', async () => {
      const token = hs256({ alg: 'HS256' }, goodClaims({ exp: '9999999999' as unknown as number }));
      await expectInvalid(strictApp, token, rejected('The access token exp claim is not accepted'));
    });
  });

  describe('RFC 7515 §4.1.11: critical header parameters', () => {
    it('C-1: an unknown crit header parameter is 401 token_invalid', async () => {
      const token = hs256({ alg: 'HS256', crit: ['x-unknown'], 'x-unknown': true }, goodClaims());
      await expectInvalid(
        strictApp,
        token,
        rejected('The access token uses an unsupported feature'),
      );
    });

    it('C-1: an unencoded payload (crit b64: false, RFC 7797) is 401 token_invalid', async () => {
      const token = hs256({ alg: 'HS256', crit: ['b64'], b64: false }, goodClaims());
      const res = await call(strictApp, token);
      expect(res.status).toBe(401);
      expect(res.body).toMatchObject({ code: 'token_invalid' });
      expect(challenges(res)).toHaveLength(1);
      expect(challenges(res)[0]).toMatch(
        /^Bearer realm="api", error="invalid_token", error_description="[^"\\]+"$/,
      );
    });
  });

  describe('integrity: altered and foreign tokens', () => {
    it('C-1: a tampered payload (roles raised, signature kept) is 401 token_invalid', async () => {
      const [header, , signature] = hs256({ alg: 'HS256' }, goodClaims({ roles: ['user'] })).split(
        '.',
      );
      const forged = `${header}.${b64url(JSON.stringify(goodClaims({ roles: ['admin'] })))}.${signature}`;
      await expectInvalid(strictApp, forged, SIGNATURE_INVALID);
    });

    it('C-1: a token signed by another secret is 401 token_invalid', async () => {
      await expectInvalid(
        strictApp,
        hs256({ alg: 'HS256' }, goodClaims(), ATTACKER_SECRET),
        SIGNATURE_INVALID,
      );
    });

    it('C-1: another spelling of a valid token (padding, unused bits) is 401 token_invalid', async () => {
      const token = hs256({ alg: 'HS256' }, goodClaims());
      const signature = token.split('.')[2]!;
      const bytes = Buffer.from(signature, 'base64url');
      const twin = [...'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_']
        .map((c) => `${token.slice(0, -1)}${c}`)
        .find((t) => t !== token && Buffer.from(t.split('.')[2]!, 'base64url').equals(bytes));
      expect(twin).toBeDefined();
      await expectInvalid(strictApp, twin!, MALFORMED);
      await expectInvalid(strictApp, `${token}=`, MALFORMED);
    });
  });

  describe('size', () => {
    it('C-3: a token of 8192 characters is read and verified', async () => {
      const res = await call(strictApp, tokenOfLength(8192));
      expect(res.status).toBe(200);
    });

    it('C-3: a validly signed token over 8192 characters is 401 token_invalid, malformed', async () => {
      await expectInvalid(strictApp, tokenOfLength(8193), MALFORMED);
      await expectInvalid(strictApp, tokenOfLength(12_000), MALFORMED);
    });
  });
});

describe.each<[Platform]>([['express'], ['fastify']])('JWKS key sets on %s', (platform) => {
  let k1: CryptoKey;
  let k2: CryptoKey;
  let stranger: CryptoKey;
  let k1Public: JWK;
  let k2Public: JWK;
  let jwks: JwksServer;
  let app: INestApplication;
  const apps: INestApplication[] = [];
  const servers: JwksServer[] = [];
  let sequence = 0;

  /** A distinct RS256 token each call (the verification cache remembers tokens, not keys). */
  const token = (key: CryptoKey, kid: string | undefined, extra: Record<string, unknown> = {}) =>
    rs256(key, goodClaims({ jti: `t${++sequence}` }), {
      ...(kid === undefined ? {} : { kid }),
      ...extra,
    });

  const call = (target: INestApplication, value: string) =>
    request(target.getHttpServer()).get('/bearer').set('Authorization', bearer(value));

  async function jwksApp(
    jwt: Record<string, unknown> = {},
  ): Promise<{ app: INestApplication; jwks: JwksServer }> {
    const server = await JwksServer.start([k1Public]);
    servers.push(server);
    const created = await createApp(platform, {
      bearer: { jwt: { jwksUrl: server.url, issuer: ISSUER, audience: AUDIENCE, ...jwt } },
    });
    apps.push(created);
    return { app: created, jwks: server };
  }

  beforeAll(async () => {
    const [one, two, three] = await Promise.all([
      generateKeyPair('RS256', { extractable: true }),
      generateKeyPair('RS256', { extractable: true }),
      generateKeyPair('RS256', { extractable: true }),
    ]);
    k1 = one.privateKey;
    k2 = two.privateKey;
    stranger = three.privateKey;
    k1Public = { ...(await exportJWK(one.publicKey)), kid: 'k1', alg: 'RS256', use: 'sig' };
    k2Public = { ...(await exportJWK(two.publicKey)), kid: 'k2', alg: 'RS256', use: 'sig' };
    ({ app, jwks } = await jwksApp());
  });

  afterEach(() => {
    jest.useRealTimers();
  });

  afterAll(async () => {
    await Promise.all(apps.map((a) => a.close()));
    await Promise.all(servers.map((s) => s.close()));
  });

  it('C-1: a token whose kid is in the key set is 200', async () => {
    const res = await call(app, await token(k1, 'k1'));
    expect(res.status).toBe(200);
    expect(jwks.requests).toBe(1);
  });

  it('C-1: a token with an unknown kid is 401 token_invalid, signing key unknown', async () => {
    const value = await token(stranger, 'k-unknown');
    const res = await call(app, value);
    expectAuthFailure(res, 'token_invalid', [KEY_UNKNOWN]);
    expect(visibleText(res)).not.toContain(value);
  });

  it('C-1: a kid that looks like a path or SQL is just an unknown kid', async () => {
    for (const kid of ['../../../etc/passwd', "k1' OR '1'='1", 'k1\u0000']) {
      expectAuthFailure(await call(app, await token(stranger, kid)), 'token_invalid', [
        KEY_UNKNOWN,
      ]);
    }
  });

  it('C-1: a token of a known kid signed by another key is 401 token_invalid, signature invalid', async () => {
    expectAuthFailure(await call(app, await token(stranger, 'k1')), 'token_invalid', [
      SIGNATURE_INVALID,
    ]);
  });

  it('C-1: key confusion through the key set, HS256 signed with the RSA key’s modulus or PEM, is 401 token_invalid', async () => {
    for (const secret of [k1Public.n!, JSON.stringify(k1Public)]) {
      const forged = hs256({ alg: 'HS256', kid: 'k1' }, goodClaims({ sub: 'admin' }), secret);
      expectAuthFailure(await call(app, forged), 'token_invalid', [ALG_NOT_ALLOWED]);
    }
  });

  it('RFC 8725 §3.10: a jku header pointing elsewhere is never fetched', async () => {
    const elsewhere = await JwksServer.start([]);
    servers.push(elsewhere);
    const res = await call(app, await token(stranger, 'k-evil', { jku: elsewhere.url }));
    expectAuthFailure(res, 'token_invalid', [KEY_UNKNOWN]);
    expect(elsewhere.requests).toBe(0);
  });

  it('C-3: an oversized token is rejected before any key is fetched', async () => {
    const fresh = await jwksApp();
    const huge = await token(k1, 'k1', { pad: 'p'.repeat(9000) });
    expect(huge.length).toBeGreaterThan(8192);
    expectAuthFailure(await call(fresh.app, huge), 'token_invalid', [MALFORMED]);
    expect(fresh.jwks.requests).toBe(0);
  });

  it('key rotation: a new kid is fetched once after the cooldown; unknown kids never make every request fetch', async () => {
    // Only Date is faked (jose's cooldown and cache age read Date.now()); sockets and timers stay real.
    fakeDateOnly();
    const start = Date.now();
    const rotation = await jwksApp();
    expect((await call(rotation.app, await token(k1, 'k1'))).status).toBe(200);
    expect(rotation.jwks.requests).toBe(1);

    // The issuer rotates in k2. Within jose's 30 s cooldown an unknown kid does not refetch...
    rotation.jwks.keys = [k1Public, k2Public];
    expectAuthFailure(await call(rotation.app, await token(k2, 'k2')), 'token_invalid', [
      KEY_UNKNOWN,
    ]);
    expect(rotation.jwks.requests).toBe(1);

    // ...after it, the first token with the new kid fetches the set once and is accepted.
    jest.setSystemTime(start + 31_000);
    expect((await call(rotation.app, await token(k2, 'k2'))).status).toBe(200);
    expect(rotation.jwks.requests).toBe(2);
    expect((await call(rotation.app, await token(k2, 'k2'))).status).toBe(200);
    expect((await call(rotation.app, await token(k1, 'k1'))).status).toBe(200);
    expect(rotation.jwks.requests).toBe(2);

    // 20 made-up kids in a row: rejected, and no fetch at all during the cooldown.
    for (let i = 0; i < 20; i++) {
      expectAuthFailure(
        await call(rotation.app, await token(stranger, `made-up-${i}`)),
        'token_invalid',
        [KEY_UNKNOWN],
      );
    }
    expect(rotation.jwks.requests).toBe(2);

    // After the cooldown, 20 concurrent made-up kids cost a single fetch.
    jest.setSystemTime(start + 62_000);
    const burst = await Promise.all(
      Array.from({ length: 20 }, async (_, i) =>
        call(rotation.app, await token(stranger, `burst-${i}`)),
      ),
    );
    for (const res of burst) expectAuthFailure(res, 'token_invalid', [KEY_UNKNOWN]);
    expect(rotation.jwks.requests).toBe(3);

    // A key removed from the set stops working once the cached set is older than 10 minutes.
    rotation.jwks.keys = [k2Public];
    expect((await call(rotation.app, await token(k1, 'k1'))).status).toBe(200);
    jest.setSystemTime(start + 62_000 + 601_000);
    expectAuthFailure(await call(rotation.app, await token(k1, 'k1')), 'token_invalid', [
      KEY_UNKNOWN,
    ]);
    expect(rotation.jwks.requests).toBe(4);
  });

  it('jwksCooldown: 5 and jwksCacheMaxAge: 120 replace the defaults (30 s, 600 s) end to end', async () => {
    // Only Date is faked, as above.
    fakeDateOnly();
    const start = Date.now();
    const tuned = await jwksApp({ jwksCooldown: 5, jwksCacheMaxAge: 120 });
    expect((await call(tuned.app, await token(k1, 'k1'))).status).toBe(200);
    expect(tuned.jwks.requests).toBe(1);

    // k2 is rotated in: within the 5 s cooldown an unknown kid does not refetch...
    tuned.jwks.keys = [k1Public, k2Public];
    jest.setSystemTime(start + 4_000);
    expectAuthFailure(await call(tuned.app, await token(k2, 'k2')), 'token_invalid', [KEY_UNKNOWN]);
    expect(tuned.jwks.requests).toBe(1);
    // ...6 s after the fetch (the default would wait 30 s) it fetches once and accepts.
    jest.setSystemTime(start + 6_000);
    expect((await call(tuned.app, await token(k2, 'k2'))).status).toBe(200);
    expect(tuned.jwks.requests).toBe(2);

    // k1 is removed: the set fetched at 6 s is trusted for 120 s (the default would be 600 s).
    tuned.jwks.keys = [k2Public];
    jest.setSystemTime(start + 6_000 + 119_000);
    expect((await call(tuned.app, await token(k1, 'k1'))).status).toBe(200);
    expect(tuned.jwks.requests).toBe(2);
    jest.setSystemTime(start + 6_000 + 121_000);
    expectAuthFailure(await call(tuned.app, await token(k1, 'k1')), 'token_invalid', [KEY_UNKNOWN]);
    expect(tuned.jwks.requests).toBe(3);
  });

  describe('C-1: fail closed when the key set cannot be fetched', () => {
    /** 503 with Retry-After, no challenge, `service_unavailable`: never 200, never 401. */
    function expectUnavailable(res: request.Response): void {
      expectAuthFailure(res, 'service_unavailable', []);
      expect(res.headers['retry-after']).toMatch(/^[1-9]\d*$/);
    }

    /** Nest's error log, captured (the apps log nothing else): each outage must be logged. */
    const spyOnErrors = () =>
      jest.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
    let logged: ReturnType<typeof spyOnErrors>;
    beforeEach(() => {
      logged = spyOnErrors();
    });
    afterEach(() => {
      logged.mockRestore();
    });

    /** One line for the outage (at most one every 10 s), naming the key set and why, never a token. */
    function expectLoggedOnce(jwks: JwksServer, reason: RegExp): void {
      expect(logged).toHaveBeenCalledTimes(1);
      const line = String(logged.mock.calls[0]?.[0]);
      const start = `The JSON Web Key Set ${jwks.url} cannot be fetched (`;
      const end = '): answering 503 until it can.';
      expect(line.slice(0, start.length)).toBe(start);
      expect(line.slice(-end.length)).toBe(end);
      expect(line.slice(start.length, -end.length)).toMatch(reason);
    }

    it.each<['error' | 'reset']>([['error'], ['reset']])(
      'a key set server that answers %s is 503 with Retry-After, and the app recovers when it is back',
      async (mode) => {
        const down = await jwksApp();
        down.jwks.mode = mode;
        expectUnavailable(await call(down.app, await token(k1, 'k1')));
        // A bad token cannot be told apart either: still 503, not 401.
        expectUnavailable(await call(down.app, await token(stranger, 'k1')));
        expectLoggedOnce(down.jwks, /./);
        down.jwks.mode = 'up';
        expect((await call(down.app, await token(k1, 'k1'))).status).toBe(200);
      },
    );

    it('a key set server that is gone (connection refused) is 503; when it listens again, 200', async () => {
      const gone = await jwksApp();
      await gone.jwks.stop();
      expectUnavailable(await call(gone.app, await token(k1, 'k1')));
      expectLoggedOnce(gone.jwks, /ECONNREFUSED/);
      await gone.jwks.restart();
      expect((await call(gone.app, await token(k1, 'k1'))).status).toBe(200);
    });

    it('a key set server that never answers is 503 after jwksTimeout', async () => {
      const slow = await jwksApp({ jwksTimeout: 0.2 });
      slow.jwks.mode = 'hang';
      expectUnavailable(await call(slow.app, await token(k1, 'k1')));
      expect(slow.jwks.requests).toBe(1);
      expectLoggedOnce(slow.jwks, /^request timed out$/);
    });
  });
});
