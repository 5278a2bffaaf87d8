import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { Logger } from '@nestjs/common';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, type CryptoKey, type JWK, SignJWT } from 'jose';
import { AuthenticationError, AuthUnavailableError } from '../../errors/auth.error.js';
import type { JwtVerificationOptions } from '../../interfaces/auth-options.interface.js';
import { metadataUrls } from './issuer-metadata.js';
import { JwtVerifier } from './jwt-verifier.js';
import { CapturingLogger, configurationError } from '../../../test/support/jwt-verifier.js';
import { rejection } from '../../../test/support/rejection.js';

/*
 * bearer.jwt.discovery (the key set named by the issuer's metadata: OpenID Connect Discovery, else
 * RFC 8414) and bearer.jwt.profile 'rfc9068' (JWT access tokens), against a metadata server on
 * 127.0.0.1. docs/contract.md C-3.5 (verification), C-1.6 (503 while keys cannot be had).
 */

const now = (): number => Math.floor(Date.now() / 1000);

describe('metadataUrls (OpenID Connect Discovery §4, RFC 8414 §3.1)', () => {
  it.each([
    [
      'https://as.example',
      'https://as.example/.well-known/openid-configuration',
      'https://as.example/.well-known/oauth-authorization-server',
    ],
    [
      'https://as.example/',
      'https://as.example/.well-known/openid-configuration',
      'https://as.example/.well-known/oauth-authorization-server',
    ],
    [
      'https://as.example/realms/main',
      'https://as.example/realms/main/.well-known/openid-configuration',
      'https://as.example/.well-known/oauth-authorization-server/realms/main',
    ],
    [
      'https://as.example:8443/tenant/v2.0/',
      'https://as.example:8443/tenant/v2.0/.well-known/openid-configuration',
      'https://as.example:8443/.well-known/oauth-authorization-server/tenant/v2.0',
    ],
  ])('%s: appended, then inserted before the path', (issuer, oidc, rfc8414) => {
    expect(metadataUrls(issuer)).toEqual([oidc, rfc8414]);
  });
});

describe('bearer.jwt.discovery and profile, checked at start-up (C-1.8)', () => {
  it.each<[JwtVerificationOptions, string]>([
    [{ discovery: true }, 'bearer.jwt.discovery needs bearer.jwt.issuer'],
    [
      { discovery: true, issuer: ['https://a.example', 'https://b.example'] },
      'bearer.jwt.discovery needs one issuer, not a list',
    ],
    [{ discovery: true, issuer: 'as.example' }, 'bearer.jwt.issuer is not a URL'],
    [{ discovery: true, issuer: 'ftp://as.example' }, 'https: (or http:) URL for discovery'],
    [{ discovery: true, issuer: 'https://as.example/?tenant=1' }, 'must not have a query'],
    [{ discovery: true, issuer: 'https://as.example/#x' }, 'must not have a query or fragment'],
    [{ discovery: true, issuer: 'https://u:pw@as.example' }, 'must not contain a user name'],
    [
      { discovery: true, issuer: 'https://as.example', jwksUrl: 'https://as.example/jwks' },
      '(got jwksUrl, discovery)',
    ],
    [
      { discovery: 'yes' as unknown as boolean, issuer: 'https://as.example' },
      'bearer.jwt.discovery must be true or false, got "yes"',
    ],
    [
      { jwksUrl: 'https://as.example/jwks', profile: 'rfc9068', audience: 'https://api.example/' },
      "bearer.jwt.profile 'rfc9068' needs bearer.jwt.issuer",
    ],
    [
      { jwksUrl: 'https://as.example/jwks', profile: 'rfc9068', issuer: 'https://as.example' },
      "bearer.jwt.profile 'rfc9068' needs bearer.jwt.audience",
    ],
    [
      { jwksUrl: 'https://as.example/jwks', profile: 'rfc7519' as 'rfc9068' },
      "bearer.jwt.profile must be 'rfc9068'",
    ],
  ])('%p', (options, message) => {
    const error = configurationError(options);
    expect(error).toContain(message);
    expect(error).not.toContain('pw');
  });

  it('accepts discovery with the jwks* options, and discovery: false with another key source', () => {
    expect(
      () =>
        new JwtVerifier({
          discovery: true,
          issuer: 'https://as.example/realms/main',
          jwksTimeout: 1,
          jwksCooldown: 0,
          jwksCacheMaxAge: 0,
        }),
    ).not.toThrow();
    expect(
      () => new JwtVerifier({ discovery: false, jwksUrl: 'https://as.example/jwks' }),
    ).not.toThrow();
  });
});

/** A metadata and key set server whose documents, answers and counts a test controls. */
interface IssuerServer {
  readonly origin: string;
  /** Body by path; a missing path is a 404. */
  readonly routes: Map<string, unknown>;
  readonly hits: string[];
  down: boolean;
}

describe('JwtVerifier with discovery, against a metadata server', () => {
  const servers: Server[] = [];
  let k1: CryptoKey;
  let k2: CryptoKey;
  let k1Public: JWK;
  let k2Public: JWK;
  let logger: CapturingLogger;

  function startIssuer(): Promise<IssuerServer> {
    const state = { routes: new Map<string, unknown>(), hits: [] as string[], down: false };
    const server = createServer((req: IncomingMessage, res: ServerResponse) => {
      const path = req.url ?? '';
      state.hits.push(path);
      if (state.down) {
        req.socket.destroy();
        return;
      }
      const body = state.routes.get(path);
      if (body === undefined) {
        res.writeHead(404).end();
        return;
      }
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(typeof body === 'string' ? body : JSON.stringify(body));
    });
    servers.push(server);
    return new Promise((resolve) => {
      server.listen(0, '127.0.0.1', () => {
        const { port } = server.address() as AddressInfo;
        resolve(Object.assign(state, { origin: `http://127.0.0.1:${port}` }));
      });
    });
  }

  function sign(
    key: CryptoKey,
    kid: string,
    claims: Record<string, unknown>,
    typ?: string,
  ): Promise<string> {
    return new SignJWT({ sub: 'client-1', ...claims })
      .setProtectedHeader({ alg: 'ES256', kid, ...(typ === undefined ? {} : { typ }) })
      .setExpirationTime(now() + 300)
      .sign(key);
  }

  beforeAll(async () => {
    const one = await generateKeyPair('ES256', { extractable: true });
    const two = await generateKeyPair('ES256', { extractable: true });
    k1 = one.privateKey;
    k2 = two.privateKey;
    k1Public = { ...(await exportJWK(one.publicKey)), kid: 'k1', alg: 'ES256' };
    k2Public = { ...(await exportJWK(two.publicKey)), kid: 'k2', alg: 'ES256' };
  });

  beforeEach(() => {
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

  it('C-3.5: is lazy, then takes jwks_uri from the OpenID configuration, fetched once', async () => {
    const as = await startIssuer();
    as.routes.set('/.well-known/openid-configuration', {
      issuer: as.origin,
      jwks_uri: `${as.origin}/keys`,
    });
    as.routes.set('/keys', { keys: [k1Public] });
    const verifier = new JwtVerifier({ discovery: true, issuer: as.origin, algorithms: ['ES256'] });
    expect(as.hits).toEqual([]);
    const token = await sign(k1, 'k1', { iss: as.origin });
    await expect(verifier.verify(token)).resolves.toMatchObject({ sub: 'client-1' });
    await expect(verifier.verify(token)).resolves.toMatchObject({ sub: 'client-1' });
    expect(as.hits).toEqual(['/.well-known/openid-configuration', '/keys']);
    expect(verifier.remote).toBe(true);
  });

  it('C-3.5: verifies iss against the configured issuer', async () => {
    const as = await startIssuer();
    as.routes.set('/.well-known/openid-configuration', {
      issuer: as.origin,
      jwks_uri: `${as.origin}/keys`,
    });
    as.routes.set('/keys', { keys: [k1Public] });
    const verifier = new JwtVerifier({ discovery: true, issuer: as.origin, algorithms: ['ES256'] });
    const err = await rejection(
      verifier.verify(await sign(k1, 'k1', { iss: 'https://other.example' })),
    );
    expect(err).toBeInstanceOf(AuthenticationError);
    expect(err).toMatchObject({
      code: 'token_invalid',
      description: 'The access token iss claim is not accepted',
    });
  });

  it('C-3.5: falls back to RFC 8414, the well-known segment inserted before the issuer path, and keeps using it', async () => {
    const as = await startIssuer();
    const issuer = `${as.origin}/tenant/one`;
    as.routes.set('/.well-known/oauth-authorization-server/tenant/one', {
      issuer,
      jwks_uri: `${as.origin}/tenant/one/jwks`,
    });
    as.routes.set('/tenant/one/jwks', { keys: [k1Public] });
    const verifier = new JwtVerifier({
      discovery: true,
      issuer,
      algorithms: ['ES256'],
      jwksCacheMaxAge: 0,
    });
    const token = await sign(k1, 'k1', { iss: issuer });
    await expect(verifier.verify(token)).resolves.toMatchObject({ iss: issuer });
    expect(as.hits.slice(0, 3)).toEqual([
      '/tenant/one/.well-known/openid-configuration',
      '/.well-known/oauth-authorization-server/tenant/one',
      '/tenant/one/jwks',
    ]);
    as.hits.length = 0;
    await expect(verifier.verify(token)).resolves.toMatchObject({ iss: issuer });
    // cache age 0: the document is fetched again, at the location that answered.
    expect(as.hits[0]).toBe('/.well-known/oauth-authorization-server/tenant/one');
  });

  it('C-1.6: an issuer that differs from the configured one (a trailing slash) is a 503, logged with both values', async () => {
    const as = await startIssuer();
    as.routes.set('/.well-known/openid-configuration', {
      issuer: as.origin,
      jwks_uri: `${as.origin}/keys`,
    });
    as.routes.set('/keys', { keys: [k1Public] });
    const configured = `${as.origin}/`;
    const verifier = new JwtVerifier({
      discovery: true,
      issuer: configured,
      algorithms: ['ES256'],
    });
    const err = await rejection(verifier.verify(await sign(k1, 'k1', { iss: configured })));
    expect(err).toBeInstanceOf(AuthUnavailableError);
    expect((err as AuthUnavailableError).retryAfter).toBeGreaterThan(0);
    expect(as.hits).toEqual(['/.well-known/openid-configuration']);
    expect(logger.lines).toEqual([
      `The metadata of the issuer ${configured} cannot be used: ` +
        `${as.origin}/.well-known/openid-configuration names the issuer "${as.origin}", not the configured "${configured}"; ` +
        'they must be identical (RFC 8414 §3.3, OpenID Connect Discovery §4.3): set bearer.jwt.issuer to the exact value. Answering 503 until it can.',
    ]);
  });

  it.each<[string, unknown, string]>([
    ['no document at either location', undefined, 'answered 404'],
    ['a document that is not JSON', '<html>', 'is not JSON'],
    ['no jwks_uri', {}, 'names no usable jwks_uri (got undefined'],
    [
      'a jwks_uri with credentials',
      { jwks_uri: 'http://u:pw@127.0.0.1/keys' },
      'without credentials',
    ],
  ])('C-1.6: %s is a 503, logged', async (_name, document, logged) => {
    const as = await startIssuer();
    if (document !== undefined) {
      as.routes.set(
        '/.well-known/openid-configuration',
        typeof document === 'string' ? document : { issuer: as.origin, ...document },
      );
    }
    const verifier = new JwtVerifier({ discovery: true, issuer: as.origin, algorithms: ['ES256'] });
    const err = await rejection(verifier.verify(await sign(k1, 'k1', { iss: as.origin })));
    expect(err).toBeInstanceOf(AuthUnavailableError);
    expect(logger.lines).toHaveLength(1);
    expect(logger.lines[0]).toContain(logged);
    expect(logger.lines[0]).not.toContain('pw');
  });

  it('C-1.6: an https: issuer whose document names an http: key set is a 503', async () => {
    // No https server here: the document is served by a fetch double for this one test.
    const issuer = 'https://as.example';
    const original = globalThis.fetch;
    globalThis.fetch = () =>
      Promise.resolve(
        new Response(JSON.stringify({ issuer, jwks_uri: 'http://as.example/keys' }), {
          status: 200,
        }),
      );
    try {
      const verifier = new JwtVerifier({ discovery: true, issuer, algorithms: ['ES256'] });
      const err = await rejection(verifier.verify(await sign(k1, 'k1', { iss: issuer })));
      expect(err).toBeInstanceOf(AuthUnavailableError);
      expect(logger.lines[0]).toContain('an https: URL without credentials is needed');
    } finally {
      globalThis.fetch = original;
    }
  });

  it('C-1.6: unreachable at the first token is a 503; once up, the next token is accepted (no restart)', async () => {
    const as = await startIssuer();
    as.routes.set('/.well-known/openid-configuration', {
      issuer: as.origin,
      jwks_uri: `${as.origin}/keys`,
    });
    as.routes.set('/keys', { keys: [k1Public] });
    as.down = true;
    const verifier = new JwtVerifier({ discovery: true, issuer: as.origin, algorithms: ['ES256'] });
    const token = await sign(k1, 'k1', { iss: as.origin });
    expect(await rejection(verifier.verify(token))).toBeInstanceOf(AuthUnavailableError);
    expect(logger.lines[0]).toMatch(
      /^The metadata of the issuer http:\/\/127\.0\.0\.1:\d+ cannot be used: http:\/\/127\.0\.0\.1:\d+\/\.well-known\/openid-configuration cannot be fetched \(TypeError/,
    );
    as.down = false;
    await expect(verifier.verify(token)).resolves.toMatchObject({ sub: 'client-1' });
  });

  it('C-1.6: a key set named by the metadata that cannot be fetched is a 503, logged with its URL', async () => {
    const as = await startIssuer();
    as.routes.set('/.well-known/openid-configuration', {
      issuer: as.origin,
      jwks_uri: `${as.origin}/keys?v=1`,
    });
    const verifier = new JwtVerifier({ discovery: true, issuer: as.origin, algorithms: ['ES256'] });
    const err = await rejection(verifier.verify(await sign(k1, 'k1', { iss: as.origin })));
    expect(err).toBeInstanceOf(AuthUnavailableError);
    expect(logger.lines).toEqual([
      `The JSON Web Key Set ${as.origin}/keys (jwks_uri of the issuer ${as.origin}) cannot be fetched ` +
        '(Expected 200 OK from the JSON Web Key Set HTTP response): answering 503 until it can.',
    ]);
  });

  it('C-3.5: a key set moved in the metadata is found for an unknown kid after the cooldown', async () => {
    const as = await startIssuer();
    as.routes.set('/.well-known/openid-configuration', {
      issuer: as.origin,
      jwks_uri: `${as.origin}/keys-1`,
    });
    as.routes.set('/keys-1', { keys: [k1Public] });
    as.routes.set('/keys-2', { keys: [k2Public] });
    const verifier = new JwtVerifier({
      discovery: true,
      issuer: as.origin,
      algorithms: ['ES256'],
      jwksCooldown: 0,
    });
    await expect(verifier.verify(await sign(k1, 'k1', { iss: as.origin }))).resolves.toBeDefined();
    as.routes.set('/.well-known/openid-configuration', {
      issuer: as.origin,
      jwks_uri: `${as.origin}/keys-2`,
    });
    await expect(verifier.verify(await sign(k2, 'k2', { iss: as.origin }))).resolves.toBeDefined();
    expect(as.hits).toContain('/keys-2');
  });

  describe("profile: 'rfc9068'", () => {
    const AUDIENCE = 'https://api.example/';
    let as: IssuerServer;
    let verifier: JwtVerifier;
    let claims: Record<string, unknown>;

    beforeAll(async () => {
      as = await startIssuer();
      as.routes.set('/.well-known/openid-configuration', {
        issuer: as.origin,
        jwks_uri: `${as.origin}/keys`,
      });
      as.routes.set('/keys', { keys: [k1Public] });
      verifier = new JwtVerifier({
        discovery: true,
        issuer: as.origin,
        audience: AUDIENCE,
        algorithms: ['ES256'],
        profile: 'rfc9068',
      });
    });

    beforeEach(() => {
      claims = {
        iss: as.origin,
        aud: AUDIENCE,
        client_id: 'client-1',
        iat: now(),
        jti: 'token-1',
        scope: 'orders:read',
      };
    });

    it.each(['at+jwt', 'application/at+jwt', 'AT+JWT'])(
      'C-3.5: accepts typ %s with every claim of RFC 9068 §2.2',
      async (typ) => {
        await expect(verifier.verify(await sign(k1, 'k1', claims, typ))).resolves.toMatchObject({
          sub: 'client-1',
          client_id: 'client-1',
        });
      },
    );

    it.each([['JWT'], ['jwt'], ['application/jwt'], [undefined]])(
      'C-1.2: refuses typ %p (e.g. an ID token) as not an access token',
      async (typ) => {
        const err = await rejection(verifier.verify(await sign(k1, 'k1', claims, typ)));
        expect(err).toBeInstanceOf(AuthenticationError);
        expect(err).toMatchObject({
          code: 'token_invalid',
          description: 'The token is not an access token (its typ is not at+jwt)',
        });
      },
    );

    it.each(['iss', 'aud', 'sub', 'client_id', 'iat', 'jti'])(
      'C-1.2: refuses an access token without %s',
      async (claim) => {
        const token = await new SignJWT({ ...claims, sub: 'client-1', [claim]: undefined })
          .setProtectedHeader({ alg: 'ES256', kid: 'k1', typ: 'at+jwt' })
          .setExpirationTime(now() + 300)
          .sign(k1);
        expect(await rejection(verifier.verify(token))).toMatchObject({
          code: 'token_invalid',
          description: `The access token has no ${claim} claim`,
        });
      },
    );

    it.each([
      ['client_id', 42],
      ['client_id', ''],
      ['jti', ['a']],
      ['sub', null],
    ])('C-1.2: refuses %s = %p, which must be a non-empty string', async (claim, value) => {
      const token = await sign(k1, 'k1', { ...claims, [claim]: value }, 'at+jwt');
      expect(await rejection(verifier.verify(token))).toMatchObject({
        code: 'token_invalid',
        description: `The access token ${claim} claim is not accepted`,
      });
    });

    it('C-1.2: refuses another audience (the resource indicator of RFC 8707)', async () => {
      const token = await sign(k1, 'k1', { ...claims, aud: 'https://other.example/' }, 'at+jwt');
      expect(await rejection(verifier.verify(token))).toMatchObject({
        code: 'token_invalid',
        description: 'The access token aud claim is not accepted',
      });
    });
  });
});
