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
import { Logger } from '@nestjs/common';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, type CryptoKey, type JWK, SignJWT, UnsecuredJWT } from 'jose';
import { AuthenticationError, AuthUnavailableError } from '../../errors/auth.error.js';
import type { JwtVerificationOptions } from '../../interfaces/auth-options.interface.js';
import { JwtVerifier } from './jwt-verifier.js';
import { CapturingLogger, configurationError } from '../../../test/support/jwt-verifier.js';
import { rejection } from '../../../test/support/rejection.js';
import { fakeDateOnly } from '../../../test/support/fake-date.js';

/*
 * The JWKS options of JwtVerifier (jwksTimeout, jwksCooldown, jwksCacheMaxAge: jose's remote key
 * set tuned in seconds, checked at start-up), the log line of an unreachable key set, and the
 * canonical-encoding check that gives every signed token a single accepted spelling.
 */

const SECRET = 'a-32-byte-long-shared-hs256-key!';
const secretBytes = new TextEncoder().encode(SECRET);
const now = (): number => Math.floor(Date.now() / 1000);

function sign(key: CryptoKey | Uint8Array, alg: string, kid?: string): Promise<string> {
  return new SignJWT({ sub: 'user-1' })
    .setProtectedHeader({ alg, ...(kid === undefined ? {} : { kid }) })
    .setExpirationTime(now() + 300)
    .sign(key);
}

/** A JSON Web Key Set server on 127.0.0.1 whose keys and behaviour a test changes, counting fetches. */
interface KeySetServer {
  readonly url: string;
  keys: JWK[];
  mode: 'up' | 'hang';
  fetches: number;
}

describe('JwtVerifier, JWKS options', () => {
  const PORTLESS = 'https://keys.example/jwks.json';

  describe('checked at construction', () => {
    it.each(['jwksTimeout', 'jwksCooldown', 'jwksCacheMaxAge'] as const)(
      '%s only applies with jwksUrl or discovery',
      (name) => {
        expect(configurationError({ secret: SECRET, [name]: 1 })).toBe(
          `nest-http-auth: bearer.jwt.${name} only applies with jwksUrl or discovery.`,
        );
      },
    );

    const badDurations: [keyof JwtVerificationOptions, unknown, string][] = [
      ['jwksTimeout', 0, 'positive finite number of seconds, got 0'],
      ['jwksTimeout', -1, 'positive finite number of seconds, got -1'],
      ['jwksCooldown', -0.5, 'finite number of seconds (0 or more), got -0.5'],
      ['jwksCacheMaxAge', Number.NaN, 'got NaN'],
      ['jwksCacheMaxAge', Number.POSITIVE_INFINITY, 'got Infinity'],
      ['jwksCooldown', '30', 'got "30"'],
    ];
    it.each(badDurations)('rejects %s = %p', (name, value, message) => {
      expect(configurationError({ jwksUrl: PORTLESS, [name]: value })).toContain(message);
    });

    it.each([
      ['file:///etc/jwks.json', 'must be an https: (or http:) URL, not file:.'],
      ['ftp://keys.example/jwks.json', 'not ftp:.'],
      ['https://user:secret@keys.example/jwks.json', 'must not contain a user name or password.'],
      ['https://:secret@keys.example/jwks.json', 'must not contain a user name or password.'],
    ])('rejects the jwksUrl %s, which could never be fetched', (jwksUrl, message) => {
      const error = configurationError({ jwksUrl });
      expect(error).toContain(message);
      expect(error).not.toContain('secret');
    });

    it('accepts 0 for the cooldown and the cache age, and fractions of seconds', () => {
      expect(
        () =>
          new JwtVerifier({
            jwksUrl: PORTLESS,
            jwksTimeout: 0.0001,
            jwksCooldown: 0,
            jwksCacheMaxAge: 0,
          }),
      ).not.toThrow();
    });
  });

  describe('against a key set server', () => {
    const servers: Server[] = [];
    let k1: CryptoKey;
    let k2: CryptoKey;
    let k1Public: JWK;
    let k2Public: JWK;
    let jwks: KeySetServer;
    let logger: CapturingLogger;

    function startKeySet(): Promise<KeySetServer> {
      const state: { keys: JWK[]; mode: 'up' | 'hang'; fetches: number } = {
        keys: [],
        mode: 'up',
        fetches: 0,
      };
      const server = createServer((_req: IncomingMessage, res: ServerResponse) => {
        state.fetches += 1;
        if (state.mode === 'hang') return; // never answers: the client's timeout decides
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ keys: state.keys }));
      });
      servers.push(server);
      return new Promise((resolve) => {
        server.listen(0, '127.0.0.1', () => {
          const { port } = server.address() as AddressInfo;
          resolve(Object.assign(state, { url: `http://127.0.0.1:${port}/jwks.json?tenant=t1` }));
        });
      });
    }

    beforeAll(async () => {
      const one = await generateKeyPair('RS256', { extractable: true });
      const two = await generateKeyPair('RS256', { extractable: true });
      k1 = one.privateKey;
      k2 = two.privateKey;
      k1Public = { ...(await exportJWK(one.publicKey)), kid: 'k1', alg: 'RS256' };
      k2Public = { ...(await exportJWK(two.publicKey)), kid: 'k2', alg: 'RS256' };
    });

    beforeEach(async () => {
      jwks = await startKeySet();
      jwks.keys = [k1Public];
      logger = new CapturingLogger();
      Logger.overrideLogger(logger);
    });

    afterAll(async () => {
      Logger.overrideLogger(false);
      await Promise.all(
        servers.map(
          (s) =>
            new Promise<void>((resolve) => {
              s.closeAllConnections();
              s.close(() => resolve());
            }),
        ),
      );
    });

    it('by default (30 s cooldown) a kid unknown right after a fetch is rejected without fetching again', async () => {
      const verifier = new JwtVerifier({ jwksUrl: jwks.url });
      await expect(verifier.verify(await sign(k1, 'RS256', 'k1'))).resolves.toMatchObject({
        sub: 'user-1',
      });
      jwks.keys = [k1Public, k2Public];
      const err = await rejection(verifier.verify(await sign(k2, 'RS256', 'k2')));
      expect(err).toMatchObject({
        code: 'token_invalid',
        description: 'The access token signing key is unknown',
      });
      expect(jwks.fetches).toBe(1);
    });

    it('jwksCooldown: 0 picks up a rotated-in key with one more fetch', async () => {
      const verifier = new JwtVerifier({ jwksUrl: jwks.url, jwksCooldown: 0 });
      await verifier.verify(await sign(k1, 'RS256', 'k1'));
      jwks.keys = [k1Public, k2Public];
      await expect(verifier.verify(await sign(k2, 'RS256', 'k2'))).resolves.toMatchObject({
        sub: 'user-1',
      });
      expect(jwks.fetches).toBe(2);
    });

    it('jwksCacheMaxAge: 0 fetches the key set for every token, so a removed key stops at once', async () => {
      const verifier = new JwtVerifier({ jwksUrl: jwks.url, jwksCacheMaxAge: 0 });
      const token = await sign(k1, 'RS256', 'k1');
      await verifier.verify(token);
      jwks.keys = [k2Public];
      await expect(rejection(verifier.verify(token))).resolves.toMatchObject({
        code: 'token_invalid',
        description: 'The access token signing key is unknown',
      });
      expect(jwks.fetches).toBe(2);
    });

    describe('non-default durations, on a fake Date (jose times the cooldown and the cache age with Date.now())', () => {
      beforeEach(() => {
        // Only Date is faked: sockets, timers and the fetch timeout stay real.
        fakeDateOnly();
      });
      afterEach(() => {
        jest.useRealTimers();
      });

      it('jwksCooldown: 5 rejects a new kid without fetching for 5 s after a fetch, then picks it up with one fetch', async () => {
        const start = Date.now();
        const verifier = new JwtVerifier({ jwksUrl: jwks.url, jwksCooldown: 5 });
        await verifier.verify(await sign(k1, 'RS256', 'k1'));
        expect(jwks.fetches).toBe(1);
        jwks.keys = [k1Public, k2Public];
        jest.setSystemTime(start + 4_000);
        await expect(
          rejection(verifier.verify(await sign(k2, 'RS256', 'k2'))),
        ).resolves.toMatchObject({
          code: 'token_invalid',
          description: 'The access token signing key is unknown',
        });
        expect(jwks.fetches).toBe(1);
        // 6 s: past this cooldown, well within the default 30 s.
        jest.setSystemTime(start + 6_000);
        await expect(verifier.verify(await sign(k2, 'RS256', 'k2'))).resolves.toMatchObject({
          sub: 'user-1',
        });
        expect(jwks.fetches).toBe(2);
        // The fetch starts a new cooldown: another unknown kid right after it costs no fetch.
        await expect(
          rejection(verifier.verify(await sign(k2, 'RS256', 'k3'))),
        ).resolves.toMatchObject({
          description: 'The access token signing key is unknown',
        });
        expect(jwks.fetches).toBe(2);
        expect(logger.lines).toEqual([]);
      });

      it('jwksCacheMaxAge: 120 trusts a fetched key set for 120 s, then fetches it again (a removed key stops)', async () => {
        const start = Date.now();
        const verifier = new JwtVerifier({ jwksUrl: jwks.url, jwksCacheMaxAge: 120 });
        const token = await sign(k1, 'RS256', 'k1');
        await verifier.verify(token);
        jwks.keys = [k2Public];
        jest.setSystemTime(start + 119_000);
        await expect(verifier.verify(token)).resolves.toMatchObject({ sub: 'user-1' });
        expect(jwks.fetches).toBe(1);
        // 121 s: past this cache age, well within the default 600 s.
        jest.setSystemTime(start + 121_000);
        await expect(rejection(verifier.verify(token))).resolves.toMatchObject({
          code: 'token_invalid',
          description: 'The access token signing key is unknown',
        });
        expect(jwks.fetches).toBe(2);
        expect(logger.lines).toEqual([]);
      });
    });

    it('jwksTimeout: a key set that never answers is a 503 after the timeout, logged once without the token', async () => {
      jwks.mode = 'hang';
      const verifier = new JwtVerifier({ jwksUrl: jwks.url, jwksTimeout: 0.05 });
      const token = await sign(k1, 'RS256', 'k1');
      const err = await rejection(verifier.verify(token));
      expect(err).toBeInstanceOf(AuthUnavailableError);
      expect(err).toMatchObject({ code: 'service_unavailable', scheme: 'bearer' });
      const port = new URL(jwks.url).port;
      expect(logger.lines).toEqual([
        `The JSON Web Key Set http://127.0.0.1:${port}/jwks.json cannot be fetched (request timed out): answering 503 until it can.`,
      ]);
      // At most one line every 10 s, however many requests fail meanwhile.
      await rejection(verifier.verify(token));
      expect(logger.lines).toHaveLength(1);
      expect(logger.lines.join('\n')).not.toContain(token.split('.')[2]);
    });

    it('the log names the key set without its query', async () => {
      jwks.mode = 'hang';
      await rejection(
        new JwtVerifier({ jwksUrl: jwks.url, jwksTimeout: 0.01 }).verify(
          await sign(k1, 'RS256', 'k1'),
        ),
      );
      expect(logger.lines).toHaveLength(1);
      expect(logger.lines[0]).toMatch(
        /^The JSON Web Key Set http:\/\/127\.0\.0\.1:\d+\/jwks\.json cannot/,
      );
      expect(logger.lines[0]).not.toContain('tenant');
    });
  });
});

describe('JwtVerifier, one accepted spelling per token', () => {
  const verifier = new JwtVerifier({ secret: SECRET });
  let token: string;

  beforeAll(async () => {
    token = await sign(secretBytes, 'HS256');
  });

  async function expectMalformed(spelling: string): Promise<void> {
    const err = await rejection(verifier.verify(spelling));
    expect(err).toBeInstanceOf(AuthenticationError);
    expect(err).toMatchObject({
      code: 'token_invalid',
      description: 'The access token is malformed',
    });
  }

  it('accepts the token as signed', async () => {
    await expect(verifier.verify(token)).resolves.toMatchObject({ sub: 'user-1' });
  });

  it('rejects the same signature with another last character that decodes to the same bytes', async () => {
    const [header, payload, signature] = token.split('.') as [string, string, string];
    const bytes = Buffer.from(signature, 'base64url');
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
    const twins = [...alphabet]
      .map((c) => `${signature.slice(0, -1)}${c}`)
      .filter((s) => s !== signature && Buffer.from(s, 'base64url').equals(bytes));
    // HS256: 32 bytes in 43 characters, the last of which carries 4 unused bits.
    expect(twins).toHaveLength(3);
    for (const twin of twins) await expectMalformed(`${header}.${payload}.${twin}`);
  });

  it('rejects = padding, which base64url in a JWS never has (RFC 7515 §2)', async () => {
    await expectMalformed(`${token}=`);
    const [header, payload, signature] = token.split('.') as [string, string, string];
    await expectMalformed(`${header}=.${payload}.${signature}`);
  });

  it('rejects base64 (not base64url) characters and a fourth segment', async () => {
    await expectMalformed(`${token.slice(0, -1)}+`);
    await expectMalformed(`${token}.abc`);
  });

  it('still reports an unsecured token (alg none, empty signature) as a forbidden algorithm', async () => {
    const unsecured = new UnsecuredJWT({ sub: 'admin' }).setExpirationTime(now() + 300).encode();
    await expect(rejection(verifier.verify(unsecured))).resolves.toMatchObject({
      code: 'token_invalid',
      description: 'The access token algorithm is not allowed',
    });
  });
});

describe('JwtVerifier, an exp beyond the range of dates', () => {
  const verifier = new JwtVerifier({ secret: SECRET });

  it.each([-1e300, -8.64e12 - 1, -9e15])(
    'C-1: exp %p (validly signed, long expired) is token_expired without an invalid expiresAt',
    async (exp) => {
      const token = await new SignJWT({ sub: 'user-1', exp })
        .setProtectedHeader({ alg: 'HS256' })
        .sign(secretBytes);
      const err = await rejection(verifier.verify(token));
      expect(err).toBeInstanceOf(AuthenticationError);
      expect(err).toMatchObject({ code: 'token_expired', expiresAt: undefined });
    },
  );

  it('keeps expiresAt for the earliest representable date', async () => {
    const token = await new SignJWT({ sub: 'user-1', exp: -8.64e12 })
      .setProtectedHeader({ alg: 'HS256' })
      .sign(secretBytes);
    await expect(rejection(verifier.verify(token))).resolves.toMatchObject({
      code: 'token_expired',
      expiresAt: new Date(-8.64e15),
    });
  });
});
