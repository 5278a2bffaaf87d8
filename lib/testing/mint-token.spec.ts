import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from '@jest/globals';
import type { INestApplicationContext } from '@nestjs/common';
import { decodeJwt, decodeProtectedHeader } from 'jose';
import { AUTH_CONFIG } from '../auth.constants.js';
import { AuthenticationError } from '../errors/auth.error.js';
import type {
  AuthModuleOptions,
  JwtVerificationOptions,
} from '../interfaces/auth-options.interface.js';
import { resolveAuthOptions } from '../options/resolve-options.js';
import type { AuthScheme } from '../schemes/auth-scheme.js';
import { mintToken } from './mint-token.js';
import { rejection } from '../../test/support/rejection.js';

/*
 * mintToken() against the module's own Bearer scheme: every token it signs is verified by the
 * scheme the application would run (JwtVerifier, the default claim mapping), never by a second
 * implementation.
 */

const SECRET = 'mint-token-spec-secret-0123456789-abcdef';

/** An application context that holds only the module's resolved configuration. */
function appWith(options: AuthModuleOptions): {
  app: INestApplicationContext;
  bearer: AuthScheme<string>;
} {
  const config = resolveAuthOptions(options);
  const app = {
    get: (token: unknown) => {
      if (token !== AUTH_CONFIG) throw new Error('unknown provider');
      return config;
    },
  } as unknown as INestApplicationContext;
  return { app, bearer: config.schemes.get('bearer') as AuthScheme<string> };
}

describe('mintToken()', () => {
  it('C-3.5: signs with the configured secret a token the Bearer scheme accepts, with sub, roles and scopes as the default mapping reads them', async () => {
    const { app, bearer } = appWith({ bearer: { jwt: { secret: SECRET } } });
    const token = await mintToken(app, {
      sub: 'alice',
      roles: ['admin'],
      scopes: ['orders:read', 'orders:write'],
    });
    expect(decodeProtectedHeader(token)).toEqual({ alg: 'HS256', typ: 'JWT' });
    const principal = await bearer.verify(token, {});
    expect(principal).toMatchObject({
      id: 'alice',
      roles: ['admin'],
      scopes: ['orders:read', 'orders:write'],
    });
    const claims = decodeJwt(token);
    const now = Math.floor(Date.now() / 1000);
    expect(claims.exp! - now).toBeGreaterThanOrEqual(3599);
    expect(claims.exp! - now).toBeLessThanOrEqual(3600);
    expect(typeof claims.jti).toBe('string');
    expect(claims.iat).toBeLessThanOrEqual(now);
  });

  it('C-3.5: includes the configured iss and aud, uses the first configured algorithm, and takes claims on top', async () => {
    const { app, bearer } = appWith({
      bearer: {
        jwt: {
          secret: `${SECRET}${SECRET}`,
          algorithms: ['HS512', 'HS256'],
          issuer: ['https://issuer.test', 'https://other.test'],
          audience: 'orders-api',
        },
      },
    });
    const token = await mintToken(app, { claims: { tenant: 't1', sub: 'from-claims' } });
    expect(decodeProtectedHeader(token).alg).toBe('HS512');
    expect(decodeJwt(token)).toMatchObject({
      iss: 'https://issuer.test',
      aud: 'orders-api',
      tenant: 't1',
      sub: 'from-claims',
    });
    await expect(bearer.verify(token, {})).resolves.toMatchObject({ id: 'from-claims' });
  });

  it('C-3.5: a negative expiresIn makes a token the scheme rejects as token_expired; a time span string is read by jose', async () => {
    const { app, bearer } = appWith({ bearer: { jwt: { secret: SECRET } } });
    const expired = await rejection<Error>(
      bearer.verify(await mintToken(app, { expiresIn: -60 }), {}),
    );
    expect(expired).toBeInstanceOf(AuthenticationError);
    expect((expired as AuthenticationError).code).toBe('token_expired');
    const twoHours = decodeJwt(await mintToken(app, { expiresIn: '2h' }));
    expect(twoHours.exp! - Math.floor(Date.now() / 1000)).toBeGreaterThanOrEqual(7199);
  });

  it('C-3.5: under the RFC 9068 profile, signs an at+jwt access token with client_id', async () => {
    const jwt = {
      secret: SECRET,
      issuer: 'https://issuer.test',
      audience: 'https://api.test',
      profile: 'rfc9068',
    } as JwtVerificationOptions;
    const { app, bearer } = appWith({ bearer: { jwt } });
    const token = await mintToken(app, { sub: 'alice' });
    expect(decodeProtectedHeader(token)).toEqual({ alg: 'HS256', typ: 'at+jwt' });
    expect(decodeJwt(token)).toMatchObject({
      iss: 'https://issuer.test',
      aud: 'https://api.test',
      client_id: 'test-client',
    });
    await expect(bearer.verify(token, {})).resolves.toMatchObject({ id: 'alice' });
  });

  it('names a required claim it cannot make up, and signs once it is given', async () => {
    const { app, bearer } = appWith({
      bearer: { jwt: { secret: SECRET, requiredClaims: ['jti', 'nbf', 'tenant'] } },
    });
    expect((await rejection<Error>(mintToken(app))).message).toBe(
      'mintToken(): bearer.jwt.requiredClaims asks for tenant: pass it in { claims }.',
    );
    const token = await mintToken(app, { claims: { tenant: 't1' } });
    await expect(bearer.verify(token, {})).resolves.toMatchObject({ id: 'test-user' });
  });

  it('says to pass { privateKey } for a JWKS configuration', async () => {
    const { app } = appWith({ bearer: { jwt: { jwksUrl: 'https://keys.test/jwks.json' } } });
    const error = await rejection<Error>(mintToken(app));
    expect(error.message).toMatch(
      /^mintToken\(\): the application verifies tokens with a JSON Web Key Set \(bearer\.jwt\.jwksUrl\), so it cannot sign one itself: pass \{ privateKey \}/,
    );
    expect(error.message).toContain('{ kid }');
  });

  it('says to pass { privateKey } for a public key, and signs with it (its algorithm, ES256) when given', async () => {
    const { publicKey, privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const { app, bearer } = appWith({ bearer: { jwt: { publicKey } } });
    expect((await rejection<Error>(mintToken(app))).message).toMatch(
      /with a public key \(bearer\.jwt\.publicKey\), so it cannot sign one itself: pass \{ privateKey \}/,
    );
    const pem = privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
    const token = await mintToken(app, { privateKey: pem, sub: 'bob' });
    expect(decodeProtectedHeader(token).alg).toBe('ES256');
    await expect(bearer.verify(token, {})).resolves.toMatchObject({ id: 'bob' });
    const jwk = { ...privateKey.export({ format: 'jwk' }), kid: 'k1' };
    const fromJwk = await mintToken(app, { privateKey: jwk });
    expect(decodeProtectedHeader(fromJwk)).toEqual({ alg: 'ES256', typ: 'JWT', kid: 'k1' });
    await expect(bearer.verify(fromJwk, {})).resolves.toMatchObject({ id: 'test-user' });
  });

  it('explains why it cannot sign for opaque tokens, without a Bearer scheme, or without AuthModule', async () => {
    const opaque = appWith({ bearer: { validate: () => null } }).app;
    expect((await rejection<Error>(mintToken(opaque))).message).toMatch(/opaque tokens/);
    const basicOnly = appWith({ basic: { validate: () => null } }).app;
    expect((await rejection<Error>(mintToken(basicOnly))).message).toBe(
      'mintToken(): the application has no Bearer scheme (the `bearer` option of AuthModule).',
    );
    const none = {
      get: () => {
        throw new Error('unknown provider');
      },
    } as unknown as INestApplicationContext;
    expect((await rejection<Error>(mintToken(none))).message).toBe(
      'mintToken(): the application does not import AuthModule.',
    );
  });
});
