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
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createHmac, createSecretKey, generateKeyPairSync, KeyObject } from 'node:crypto';
import {
  exportJWK,
  exportSPKI,
  generateKeyPair,
  type CryptoKey,
  type JWK,
  type JWTPayload,
  SignJWT,
  UnsecuredJWT,
} from 'jose';
import { AuthConfigurationError } from '../../errors/auth-configuration.error.js';
import { AuthenticationError, AuthUnavailableError } from '../../errors/auth.error.js';
import type { JwtVerificationOptions } from '../../interfaces/auth-options.interface.js';
import { JwtVerifier } from './jwt-verifier.js';
import { rejection } from '../../../test/support/rejection.js';

const SECRET = 'a-32-byte-long-shared-hs256-key!';
const secretBytes = new TextEncoder().encode(SECRET);
const now = (): number => Math.floor(Date.now() / 1000);

interface SignOptions {
  readonly alg?: string;
  readonly kid?: string;
  /** Seconds from now; `null` leaves `exp` out. */
  readonly expiresIn?: number | null;
}

function sign(
  payload: JWTPayload,
  key: CryptoKey | Uint8Array,
  options: SignOptions = {},
): Promise<string> {
  const { alg = 'HS256', kid, expiresIn = 300 } = options;
  const jwt = new SignJWT({ sub: 'user-1', ...payload })
    .setProtectedHeader({ alg, ...(kid ? { kid } : {}) })
    .setIssuedAt();
  if (expiresIn !== null && payload.exp === undefined) jwt.setExpirationTime(now() + expiresIn);
  return jwt.sign(key);
}

function configurationError(options: JwtVerificationOptions): AuthConfigurationError {
  try {
    new JwtVerifier(options);
  } catch (err) {
    expect(err).toBeInstanceOf(AuthConfigurationError);
    return err as AuthConfigurationError;
  }
  throw new Error('new JwtVerifier() did not throw');
}

async function expectInvalid(
  verifier: JwtVerifier,
  token: string,
  description?: string,
): Promise<AuthenticationError> {
  const err = await rejection(verifier.verify(token));
  expect(err).toBeInstanceOf(AuthenticationError);
  const error = err as AuthenticationError;
  expect(error.code).toBe('token_invalid');
  expect(error.scheme).toBe('bearer');
  expect(error.getStatus()).toBe(401);
  if (description !== undefined) expect(error.description).toBe(description);
  return error;
}

describe('JwtVerifier', () => {
  describe('configuration, checked at construction', () => {
    it('accepts a 32-byte HS256 secret as a string, bytes or a KeyObject', async () => {
      const token = await sign({}, secretBytes);
      for (const secret of [SECRET, secretBytes, createSecretKey(secretBytes)]) {
        await expect(new JwtVerifier({ secret }).verify(token)).resolves.toMatchObject({
          sub: 'user-1',
        });
      }
    });

    it('rejects an HS256 secret shorter than 32 bytes (RFC 7518 §3.2)', () => {
      expect(configurationError({ secret: 'x'.repeat(31) }).message).toBe(
        'nest-http-auth: bearer.jwt.secret is 31 bytes; HS256 needs at least 32 (RFC 7518 §3.2).',
      );
      expect(configurationError({ secret: '' }).message).toContain('is 0 bytes');
    });

    it('rejects a secret too short for HS384/HS512 and a non-HMAC algorithm for a secret', () => {
      expect(configurationError({ secret: SECRET, algorithms: ['HS384'] }).message).toContain(
        'HS384 needs at least 48',
      );
      expect(configurationError({ secret: SECRET, algorithms: ['RS256'] }).message).toContain(
        'not "RS256"',
      );
    });

    it('rejects a public key given as the secret', () => {
      const { publicKey } = generateKeyPairSync('ed25519');
      expect(configurationError({ secret: publicKey }).message).toContain('must be a secret key');
    });

    it('needs exactly one key source', () => {
      expect(configurationError({}).message).toBe(
        'nest-http-auth: bearer.jwt needs exactly one of secret, publicKey or jwksUrl, or discovery: true with an issuer (got none).',
      );
      expect(
        configurationError({ secret: SECRET, jwksUrl: 'https://example.com/jwks' }).message,
      ).toContain('(got secret, jwksUrl)');
      expect(
        configurationError({ secret: SECRET, publicKey: 'x', jwksUrl: 'https://example.com/jwks' })
          .message,
      ).toContain('(got secret, publicKey, jwksUrl)');
    });

    it.each([[['none']], [['HS256', 'none']], [['NONE']], [['None']]])(
      'rejects algorithms %j that contain "none"',
      (algorithms) => {
        expect(configurationError({ secret: SECRET, algorithms }).message).toContain(
          'must not contain "none"',
        );
      },
    );

    it('rejects an empty list of algorithms', () => {
      expect(configurationError({ secret: SECRET, algorithms: [] }).message).toContain(
        'must not be empty',
      );
    });

    it('rejects an unreadable or private public key and a jwksUrl that is not a URL', () => {
      expect(configurationError({ publicKey: 'not a key' }).message).toContain(
        'bearer.jwt.publicKey cannot be read',
      );
      const { privateKey } = generateKeyPairSync('ed25519');
      expect(configurationError({ publicKey: privateKey }).message).toContain(
        'must be a public key',
      );
      expect(configurationError({ jwksUrl: 'not a url' }).message).toContain(
        'bearer.jwt.jwksUrl is not a URL',
      );
    });

    it('rejects pinned algorithms the public key cannot verify (alg confusion configured)', () => {
      const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 }).publicKey;
      const p256 = generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).publicKey;
      expect(configurationError({ publicKey: rsa, algorithms: ['RS256', 'HS256'] }).message).toBe(
        'nest-http-auth: bearer.jwt.algorithms: "HS256" cannot be verified with this rsa public key (bearer.jwt.publicKey).',
      );
      expect(configurationError({ publicKey: rsa, algorithms: ['ES256'] }).message).toContain(
        '"ES256" cannot be verified with this rsa public key',
      );
      expect(configurationError({ publicKey: p256, algorithms: ['ES384'] }).message).toContain(
        '"ES384" cannot be verified with this ec public key',
      );
      expect(
        () => new JwtVerifier({ publicKey: rsa, algorithms: ['RS256', 'PS512'] }),
      ).not.toThrow();
    });

    it('rejects a public key of a type that cannot sign JWTs', () => {
      const { publicKey } = generateKeyPairSync('x25519');
      expect(configurationError({ publicKey }).message).toContain('unsupported key type "x25519"');
    });
  });

  describe('HS256 secret', () => {
    const verifier = new JwtVerifier({ secret: SECRET });

    it('returns the claims of a valid token', async () => {
      const token = await sign({ scope: 'read write', custom: 42 }, secretBytes, {
        expiresIn: 600,
      });
      const payload = await verifier.verify(token);
      expect(payload).toMatchObject({ sub: 'user-1', scope: 'read write', custom: 42 });
      expect(payload.exp).toBeGreaterThan(now());
    });

    it('C-1: an expired token is token_expired with expiresAt and a description', async () => {
      const exp = now() - 120;
      const err = await rejection(verifier.verify(await sign({ exp }, secretBytes)));
      expect(err).toBeInstanceOf(AuthenticationError);
      expect(err).toMatchObject({
        code: 'token_expired',
        scheme: 'bearer',
        description: 'The access token expired',
        expiresAt: new Date(exp * 1000),
        message: 'The access token expired.',
      });
      expect((err as AuthenticationError).getStatus()).toBe(401);
    });

    it('C-1: a token that is not valid yet (nbf in the future) is token_invalid', async () => {
      const token = await new SignJWT({ sub: 'u' })
        .setProtectedHeader({ alg: 'HS256' })
        .setNotBefore(now() + 3600)
        .setExpirationTime(now() + 7200)
        .sign(secretBytes);
      await expectInvalid(verifier, token, 'The access token is not valid yet');
    });

    it('C-1: a token without exp is token_invalid', async () => {
      await expectInvalid(
        verifier,
        await sign({}, secretBytes, { expiresIn: null }),
        'The access token has no exp claim',
      );
    });

    it('C-1: an unsecured token (alg none) is token_invalid', async () => {
      const token = new UnsecuredJWT({ sub: 'admin' }).setExpirationTime(now() + 300).encode();
      expect(token.endsWith('.')).toBe(true);
      await expectInvalid(verifier, token);
    });

    it('C-1: an unsecured token carrying a signature of the right secret is still token_invalid', async () => {
      const valid = await sign({}, secretBytes);
      const [, payload, signature] = valid.split('.');
      const header = Buffer.from(JSON.stringify({ alg: 'none' })).toString('base64url');
      await expectInvalid(verifier, `${header}.${payload}.${signature}`);
    });

    it('C-1: a tampered payload is token_invalid (signature invalid)', async () => {
      const [header, , signature] = (await sign({ roles: ['user'] }, secretBytes)).split('.');
      const forged = Buffer.from(
        JSON.stringify({ sub: 'user-1', roles: ['admin'], exp: now() + 300 }),
      ).toString('base64url');
      await expectInvalid(
        verifier,
        `${header}.${forged}.${signature}`,
        'The access token signature is invalid',
      );
    });

    it('C-1: a token signed with another secret is token_invalid', async () => {
      const other = new TextEncoder().encode('another-32-byte-long-secret-key!');
      await expectInvalid(verifier, await sign({}, other), 'The access token signature is invalid');
    });

    it('C-1: with several algorithms pinned, accepts each and refuses the others and a relabelled header', async () => {
      const key = new TextEncoder().encode('x'.repeat(64));
      const several = new JwtVerifier({ secret: key, algorithms: ['HS256', 'HS384'] });
      for (const alg of ['HS256', 'HS384']) {
        await expect(several.verify(await sign({}, key, { alg }))).resolves.toMatchObject({
          sub: 'user-1',
        });
      }
      await expectInvalid(
        several,
        await sign({}, key, { alg: 'HS512' }),
        'The access token algorithm is not allowed',
      );
      const [, payload, signature] = (await sign({}, key)).split('.');
      const header = Buffer.from(JSON.stringify({ alg: 'HS384' })).toString('base64url');
      await expectInvalid(
        several,
        `${header}.${payload}.${signature}`,
        'The access token signature is invalid',
      );
    });

    it('C-1: a token of a non-configured algorithm is token_invalid', async () => {
      const key = new TextEncoder().encode('x'.repeat(64));
      await expectInvalid(
        new JwtVerifier({ secret: key }),
        await sign({}, key, { alg: 'HS512' }),
        'The access token algorithm is not allowed',
      );
    });

    it.each([
      ['not a JWT', 'abc'],
      ['two segments', 'abc.def'],
      ['a header that is not JSON', `${Buffer.from('nope').toString('base64url')}.e30.sig`],
      ['a JWE-shaped token', 'a.b.c.d.e'],
    ])('C-3: %s is token_invalid, not a crash', async (_what, token) => {
      await expectInvalid(verifier, token);
    });

    it('C-1: a payload that is not a JSON object is token_invalid', async () => {
      const header = Buffer.from(JSON.stringify({ alg: 'HS256' })).toString('base64url');
      const payload = Buffer.from('[1,2]').toString('base64url');
      const signature = createHmac('sha256', SECRET)
        .update(`${header}.${payload}`)
        .digest('base64url');
      await expectInvalid(verifier, `${header}.${payload}.${signature}`);
    });

    it('C-1: checks iss and aud when configured', async () => {
      const strict = new JwtVerifier({
        secret: SECRET,
        issuer: 'https://issuer.example',
        audience: ['api', 'api2'],
      });
      await expect(
        strict.verify(await sign({ iss: 'https://issuer.example', aud: 'api2' }, secretBytes)),
      ).resolves.toMatchObject({
        iss: 'https://issuer.example',
      });
      await expectInvalid(
        strict,
        await sign({ iss: 'https://evil.example', aud: 'api' }, secretBytes),
        'The access token iss claim is not accepted',
      );
      await expectInvalid(
        strict,
        await sign({ iss: 'https://issuer.example', aud: 'other' }, secretBytes),
        'The access token aud claim is not accepted',
      );
      await expectInvalid(
        strict,
        await sign({ aud: 'api' }, secretBytes),
        'The access token has no iss claim',
      );
    });

    it('requires the configured extra claims', async () => {
      const strict = new JwtVerifier({ secret: SECRET, requiredClaims: ['jti'] });
      await expectInvalid(strict, await sign({}, secretBytes), 'The access token has no jti claim');
      await expect(strict.verify(await sign({ jti: 'j1' }, secretBytes))).resolves.toMatchObject({
        jti: 'j1',
      });
    });

    it('honours clockTolerance for exp and nbf', async () => {
      const lenient = new JwtVerifier({ secret: SECRET, clockTolerance: 120 });
      const expiredAMinuteAgo = await sign({ exp: now() - 60 }, secretBytes);
      await expect(lenient.verify(expiredAMinuteAgo)).resolves.toMatchObject({ sub: 'user-1' });
      await expect(rejection(verifier.verify(expiredAMinuteAgo))).resolves.toMatchObject({
        code: 'token_expired',
      });
      const validInAMinute = await new SignJWT({ sub: 'u' })
        .setProtectedHeader({ alg: 'HS256' })
        .setNotBefore(now() + 60)
        .setExpirationTime(now() + 600)
        .sign(secretBytes);
      await expect(lenient.verify(validInAMinute)).resolves.toMatchObject({ sub: 'u' });
      await expectInvalid(verifier, validInAMinute, 'The access token is not valid yet');
      await expect(
        rejection(lenient.verify(await sign({ exp: now() - 600 }, secretBytes))),
      ).resolves.toMatchObject({
        code: 'token_expired',
      });
    });
  });

  describe('public keys, with the default algorithm inferred from the key', () => {
    const cases: [string, 'RS256' | 'ES256' | 'Ed25519'][] = [
      ['RS256', 'RS256'],
      ['ES256', 'ES256'],
      ['EdDSA (Ed25519)', 'Ed25519'],
    ];

    describe.each(cases)('%s', (_name, generateAlg) => {
      const alg = generateAlg === 'Ed25519' ? 'EdDSA' : generateAlg;
      let privateKey: CryptoKey;
      let pem: string;
      let jwk: JWK;
      let keyObject: KeyObject;

      beforeAll(async () => {
        const pair = await generateKeyPair(generateAlg, { extractable: true });
        privateKey = pair.privateKey;
        pem = await exportSPKI(pair.publicKey);
        jwk = await exportJWK(pair.publicKey);
        keyObject = KeyObject.from(pair.publicKey);
      });

      it('verifies a token with a PEM (SPKI) public key', async () => {
        const token = await sign({}, privateKey, { alg });
        await expect(new JwtVerifier({ publicKey: pem }).verify(token)).resolves.toMatchObject({
          sub: 'user-1',
        });
      });

      it('verifies a token with a JWK public key', async () => {
        const token = await sign({}, privateKey, { alg });
        await expect(new JwtVerifier({ publicKey: jwk }).verify(token)).resolves.toMatchObject({
          sub: 'user-1',
        });
      });

      it('verifies a token with a KeyObject public key', async () => {
        const token = await sign({}, privateKey, { alg });
        await expect(
          new JwtVerifier({ publicKey: keyObject }).verify(token),
        ).resolves.toMatchObject({ sub: 'user-1' });
      });

      it('rejects a token signed by another key of the same type', async () => {
        const other = await generateKeyPair(generateAlg);
        await expectInvalid(
          new JwtVerifier({ publicKey: pem }),
          await sign({}, other.privateKey, { alg }),
          'The access token signature is invalid',
        );
      });
    });

    it('pins the inferred algorithm: an RS384 token for an RSA key configured by default is rejected', async () => {
      const pair = await generateKeyPair('RS384');
      const publicKey = await exportSPKI(pair.publicKey);
      const token = await sign({}, pair.privateKey, { alg: 'RS384' });
      await expectInvalid(
        new JwtVerifier({ publicKey }),
        token,
        'The access token algorithm is not allowed',
      );
      await expect(
        new JwtVerifier({ publicKey, algorithms: ['RS384'] }).verify(token),
      ).resolves.toMatchObject({ sub: 'user-1' });
    });

    it('infers ES384 from a P-384 key', async () => {
      const pair = await generateKeyPair('ES384', { extractable: true });
      const token = await sign({}, pair.privateKey, { alg: 'ES384' });
      await expect(
        new JwtVerifier({ publicKey: await exportJWK(pair.publicKey) }).verify(token),
      ).resolves.toMatchObject({ sub: 'user-1' });
    });

    it('C-1: rejects key confusion, an HS256 token signed with the RSA public key PEM when RS256 is configured', async () => {
      const pair = await generateKeyPair('RS256', { extractable: true });
      const pem = await exportSPKI(pair.publicKey);
      const forged = await sign({ roles: ['admin'] }, new TextEncoder().encode(pem), {
        alg: 'HS256',
      });
      for (const verifier of [
        new JwtVerifier({ publicKey: pem }),
        new JwtVerifier({ publicKey: pem, algorithms: ['RS256'] }),
      ]) {
        await expectInvalid(verifier, forged, 'The access token algorithm is not allowed');
      }
    });
  });

  describe('remote JWKS', () => {
    let server: Server;
    let base: string;
    let privateKey: CryptoKey;
    let otherKey: CryptoKey;
    const servers: Server[] = [];

    function listen(handler: Parameters<typeof createServer>[1]): Promise<string> {
      const s = createServer(handler);
      servers.push(s);
      return new Promise((resolve) => {
        s.listen(0, '127.0.0.1', () =>
          resolve(`http://127.0.0.1:${(s.address() as AddressInfo).port}`),
        );
      });
    }

    /** Nest's error log, captured: each 503 case must log its line (and print nothing). */
    let logged: ReturnType<typeof spyOnErrors>;
    const spyOnErrors = () =>
      jest.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
    /** The one line a verifier of `url` logs when its key set cannot be fetched. */
    const expectLoggedOnce = (url: string) => {
      expect(logged).toHaveBeenCalledTimes(1);
      const line = String(logged.mock.calls[0]?.[0]);
      const [start, end] = [
        `The JSON Web Key Set ${url} cannot be fetched (`,
        '): answering 503 until it can.',
      ];
      expect(line.slice(0, start.length)).toBe(start);
      expect(line.slice(-end.length)).toBe(end);
    };
    beforeEach(() => {
      logged = spyOnErrors();
    });
    afterEach(() => {
      logged.mockRestore();
    });

    beforeAll(async () => {
      const pair = await generateKeyPair('RS256', { extractable: true });
      privateKey = pair.privateKey;
      otherKey = (await generateKeyPair('RS256')).privateKey;
      const jwks = JSON.stringify({
        keys: [{ ...(await exportJWK(pair.publicKey)), kid: 'k1', alg: 'RS256', use: 'sig' }],
      });
      base = await listen((req, res) => {
        if (req.url === '/jwks.json') {
          res.writeHead(200, { 'content-type': 'application/json' }).end(jwks);
        } else if (req.url === '/broken.json') {
          res.writeHead(200, { 'content-type': 'application/json' }).end('{"keys": [');
        } else if (req.url === '/not-a-set.json') {
          res.writeHead(200, { 'content-type': 'application/json' }).end('{"hello": "world"}');
        } else {
          res.writeHead(500).end('boom');
        }
      });
      server = servers[0]!;
    });

    afterAll(async () => {
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

    it('verifies a token whose kid is in the key set', async () => {
      const verifier = new JwtVerifier({ jwksUrl: `${base}/jwks.json` });
      await expect(
        verifier.verify(await sign({}, privateKey, { alg: 'RS256', kid: 'k1' })),
      ).resolves.toMatchObject({ sub: 'user-1' });
      expect(server.listening).toBe(true);
    });

    it('accepts the URL as a URL object', async () => {
      const verifier = new JwtVerifier({ jwksUrl: new URL('/jwks.json', base) });
      await expect(
        verifier.verify(await sign({}, privateKey, { alg: 'RS256', kid: 'k1' })),
      ).resolves.toMatchObject({ sub: 'user-1' });
    });

    it('C-1: a token with an unknown kid is token_invalid', async () => {
      const verifier = new JwtVerifier({ jwksUrl: `${base}/jwks.json` });
      await expectInvalid(
        verifier,
        await sign({}, otherKey, { alg: 'RS256', kid: 'k2' }),
        'The access token signing key is unknown',
      );
    });

    it('C-1: a token signed by another key under a known kid is token_invalid', async () => {
      const verifier = new JwtVerifier({ jwksUrl: `${base}/jwks.json` });
      await expectInvalid(
        verifier,
        await sign({}, otherKey, { alg: 'RS256', kid: 'k1' }),
        'The access token signature is invalid',
      );
    });

    it('C-1: an unreachable JWKS server is AuthUnavailableError (503), never 401', async () => {
      const closed = await listen((_req, res) => res.end());
      const last = servers[servers.length - 1]!;
      await new Promise<void>((resolve) => last.close(() => resolve()));
      const verifier = new JwtVerifier({ jwksUrl: `${closed}/jwks.json` });
      const err = await rejection(
        verifier.verify(await sign({}, privateKey, { alg: 'RS256', kid: 'k1' })),
      );
      expect(err).toBeInstanceOf(AuthUnavailableError);
      expect((err as AuthUnavailableError).getStatus()).toBe(503);
      expect(err).toMatchObject({ code: 'service_unavailable', scheme: 'bearer' });
      expectLoggedOnce(`${closed}/jwks.json`);
    });

    it.each([
      ['answers 500', '/error'],
      ['answers JSON that does not parse', '/broken.json'],
      ['answers JSON that is not a key set', '/not-a-set.json'],
    ])(
      'C-1: a JWKS server that %s is AuthUnavailableError (503), never 401',
      async (_what, path) => {
        const verifier = new JwtVerifier({ jwksUrl: `${base}${path}` });
        const err = await rejection(
          verifier.verify(await sign({}, privateKey, { alg: 'RS256', kid: 'k1' })),
        );
        expect(err).toBeInstanceOf(AuthUnavailableError);
        expect((err as AuthUnavailableError).getStatus()).toBe(503);
        expectLoggedOnce(`${base}${path}`);
      },
    );
  });
});
