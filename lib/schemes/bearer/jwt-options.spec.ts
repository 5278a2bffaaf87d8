import { describe, expect, it } from '@jest/globals';
import { AuthConfigurationError } from '../../errors/auth-configuration.error.js';
import type { JwtVerificationOptions } from '../../interfaces/auth-options.interface.js';
import { resolveJwtOptions } from './jwt-options.js';

const SECRET = 'a-32-byte-long-shared-hs256-key!';
const ENV_HINT =
  'the key is present but its value is undefined, likely an environment variable read before it was set';

function configurationError(options: JwtVerificationOptions): string {
  try {
    resolveJwtOptions(options);
  } catch (err) {
    expect(err).toBeInstanceOf(AuthConfigurationError);
    return (err as Error).message;
  }
  throw new Error('resolveJwtOptions() did not throw');
}

describe('resolveJwtOptions', () => {
  describe('a key source present with the value undefined (an environment variable read too early)', () => {
    it.each<['secret' | 'publicKey' | 'jwksUrl']>([['secret'], ['publicKey'], ['jwksUrl']])(
      'names bearer.jwt.%s as undefined instead of reporting no key source',
      (key) => {
        const message = configurationError({ [key]: undefined });
        expect(message).toBe(
          `nest-http-auth: bearer.jwt.${key} is undefined: ${ENV_HINT} (e.g. process.env read at import time, before the environment is loaded). bearer.jwt needs exactly one of secret, publicKey or jwksUrl, or discovery: true with an issuer.`,
        );
        expect(message).not.toContain('got none');
      },
    );

    it('names every undefined key source when several are present', () => {
      expect(configurationError({ secret: undefined, jwksUrl: undefined })).toContain(
        'bearer.jwt.secret and bearer.jwt.jwksUrl are undefined: ',
      );
    });

    it('reads process.env the way an application does', () => {
      delete process.env['NEST_HTTP_AUTH_UNSET_JWT_SECRET'];
      expect(
        configurationError({ secret: process.env['NEST_HTTP_AUTH_UNSET_JWT_SECRET'] }),
      ).toContain('bearer.jwt.secret is undefined: ');
    });

    it('is not an error when another key source is defined', () => {
      expect(() => resolveJwtOptions({ secret: SECRET, jwksUrl: undefined })).not.toThrow();
      expect(() =>
        resolveJwtOptions({ publicKey: undefined, jwksUrl: 'https://example.com/jwks' }),
      ).not.toThrow();
    });

    it('keeps "got none" for a configuration without any key source', () => {
      expect(configurationError({ issuer: 'https://issuer.example' })).toBe(
        'nest-http-auth: bearer.jwt needs exactly one of secret, publicKey or jwksUrl, or discovery: true with an issuer (got none).',
      );
    });
  });

  describe('what verification gets', () => {
    it('pins the algorithms and always requires exp', () => {
      const { verifyOptions, keySetUrl } = resolveJwtOptions({
        secret: SECRET,
        issuer: 'https://issuer.example',
        audience: ['api'],
        requiredClaims: ['jti'],
      });
      expect(verifyOptions).toEqual({
        algorithms: ['HS256'],
        issuer: 'https://issuer.example',
        audience: ['api'],
        clockTolerance: 0,
        requiredClaims: ['exp', 'jti'],
      });
      expect(keySetUrl).toBeUndefined();
    });

    it('keeps the key set URL without credentials or query, for the log', () => {
      const { keySetUrl, verifyOptions } = resolveJwtOptions({
        jwksUrl: 'https://keys.example/.well-known/jwks.json?tenant=1',
      });
      expect(keySetUrl).toBe('https://keys.example/.well-known/jwks.json');
      expect(verifyOptions.algorithms).toEqual(['RS256']);
    });
  });
});
