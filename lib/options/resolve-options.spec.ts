import { describe, expect, it } from '@jest/globals';
import { Strategy } from 'passport-strategy';
import { AuthConfigurationError } from '../errors/auth-configuration.error.js';
import type {
  AuthModuleOptions,
  PassportSchemeOptions,
} from '../interfaces/auth-options.interface.js';
import { ApiKeyScheme } from '../schemes/api-key/api-key.scheme.js';
import { BasicScheme } from '../schemes/basic/basic.scheme.js';
import { BearerScheme } from '../schemes/bearer/bearer.scheme.js';
import { PassportScheme } from '../schemes/passport/passport.scheme.js';
import { checkSchemeNames } from './requirement.js';
import { resolveAuthOptions } from './resolve-options.js';

const validate = (): null => null;
const SECRET = 'a-32-byte-long-shared-hs256-key!';
const custom: PassportSchemeOptions = {
  strategy: new Strategy(),
  challenge: 'Custom realm="api"',
  securityScheme: { type: 'apiKey', in: 'header', name: 'X-Custom' },
};

function startUpError(options: unknown): string {
  try {
    resolveAuthOptions(options as AuthModuleOptions);
  } catch (err) {
    expect(err).toBeInstanceOf(AuthConfigurationError);
    return (err as Error).message;
  }
  throw new Error('resolveAuthOptions() did not throw');
}

describe('resolveAuthOptions', () => {
  describe('start-up validation', () => {
    it('needs an options object', () => {
      expect(startUpError(null)).toBe(
        'nest-http-auth: AuthModule.forRoot() needs an options object.',
      );
      expect(startUpError('basic')).toBe(
        'nest-http-auth: AuthModule.forRoot() needs an options object.',
      );
    });

    it('needs at least one scheme', () => {
      expect(startUpError({})).toBe(
        'nest-http-auth: configure at least one scheme: basic, bearer, apiKey or schemes.',
      );
      expect(startUpError({ realm: 'api', schemes: {} })).toBe(
        'nest-http-auth: configure at least one scheme: basic, bearer, apiKey or schemes.',
      );
    });

    it('needs bearer.jwt or bearer.validate', () => {
      expect(startUpError({ bearer: {} })).toBe(
        'nest-http-auth: bearer needs `jwt` (with a secret, publicKey, jwksUrl or discovery), `introspection` or a `validate` function for opaque tokens.',
      );
    });

    it('needs validate functions', () => {
      expect(startUpError({ basic: {} })).toBe(
        'nest-http-auth: basic.validate must be a function.',
      );
      expect(startUpError({ bearer: { validate: 'yes' } })).toBe(
        'nest-http-auth: bearer.validate must be a function.',
      );
      expect(startUpError({ bearer: { jwt: { secret: SECRET, validate: {} } } })).toBe(
        'nest-http-auth: bearer.jwt.validate must be a function.',
      );
      expect(
        startUpError({
          bearer: {
            jwt: [
              { secret: SECRET, issuer: 'a' },
              { secret: SECRET, issuer: 'b', validate: 'yes' },
            ],
          },
        }),
      ).toBe('nest-http-auth: bearer.jwt[1].validate must be a function.');
      expect(startUpError({ apiKey: { header: 'X-Key' } })).toBe(
        'nest-http-auth: apiKey.validate must be a function.',
      );
    });

    it('reports a bad JWT configuration at start-up', () => {
      expect(startUpError({ bearer: { jwt: { secret: 'short' } } })).toContain(
        'bearer.jwt.secret is 5 bytes',
      );
      expect(startUpError({ bearer: { jwt: {} } })).toContain(
        'bearer.jwt needs exactly one of secret, publicKey or jwksUrl',
      );
    });

    it('names a JWT key source whose value is undefined (an environment variable read too early)', () => {
      delete process.env['NEST_HTTP_AUTH_UNSET_JWT_SECRET'];
      const message = startUpError({
        bearer: { jwt: { secret: process.env['NEST_HTTP_AUTH_UNSET_JWT_SECRET'] } },
      });
      expect(message).toMatch(
        /^nest-http-auth: bearer\.jwt\.secret is undefined: the key is present but its value is undefined, likely an environment variable read before it was set/,
      );
      expect(message).not.toContain('got none');
      expect(startUpError({ bearer: { jwt: { publicKey: undefined } } })).toContain(
        'bearer.jwt.publicKey is undefined: ',
      );
      expect(startUpError({ bearer: { jwt: { jwksUrl: undefined } } })).toContain(
        'bearer.jwt.jwksUrl is undefined: ',
      );
    });

    it.each([[''], ['café'], ['a\r\nb'], ['tab\there'], [42]])(
      'C-2: rejects the realm %j',
      (realm) => {
        expect(startUpError({ realm, basic: { validate } })).toBe(
          'nest-http-auth: realm must be a non-empty string of printable ASCII characters.',
        );
      },
    );

    it.each([
      ['header', 'X API Key'],
      ['header', 'X-Key\r\n'],
      ['header', ''],
      ['query', 'api key'],
      ['query', 'a=b'],
      ['cookie', 'a;b'],
      ['cookie', 7],
    ])('rejects apiKey.%s = %j', (location, name) => {
      expect(startUpError({ apiKey: { validate, [location]: name } })).toBe(
        `nest-http-auth: apiKey.${location} must be a parameter name (letters, digits, - _ . …), got ${JSON.stringify(name)}.`,
      );
    });

    it.each([['basic'], ['bearer'], ['apiKey'], ['dpop'], ['bad name'], ['a"b']])(
      'rejects an extra scheme named %j',
      (name) => {
        expect(startUpError({ schemes: { [name]: custom } })).toBe(
          `nest-http-auth: schemes.${name}: choose a name other than basic, bearer, apiKey or dpop, made of letters, digits, - _ .`,
        );
      },
    );

    it('checks each extra scheme: strategy, challenge, securityScheme', () => {
      expect(startUpError({ schemes: { custom: { ...custom, strategy: undefined } } })).toBe(
        'nest-http-auth: schemes.custom.strategy is required.',
      );
      for (const challenge of ['', 'Custom\r\nSet-Cookie: a=1', 'Custom realm="é"', undefined]) {
        expect(startUpError({ schemes: { custom: { ...custom, challenge } } })).toBe(
          `nest-http-auth: schemes.custom.challenge must be a printable ASCII challenge, e.g. 'Custom realm="api"'.`,
        );
      }
      expect(startUpError({ schemes: { custom: { ...custom, securityScheme: {} } } })).toBe(
        'nest-http-auth: schemes.custom.securityScheme must be an OpenAPI security scheme object.',
      );
    });

    it('C-5: rejects a default that names a scheme that is not configured', () => {
      expect(startUpError({ basic: { validate }, apiKey: { validate }, default: ['bearer'] })).toBe(
        'nest-http-auth: the `default` option names the scheme "bearer", which is not configured (configured: basic, apiKey).',
      );
      expect(
        startUpError({ basic: { validate }, default: [{ all: ['basic', 'apiKey'] }] }),
      ).toContain('names the scheme "apiKey"');
    });

    it('C-5: rejects a malformed default like @Auth() would', () => {
      expect(startUpError({ basic: { validate }, default: [''] })).toContain(
        '@Auth(): expected scheme names',
      );
    });

    it('C-4: rejects an unknown errorFormat', () => {
      expect(startUpError({ basic: { validate }, errorFormat: 'xml' })).toBe(
        `nest-http-auth: errorFormat must be 'json' or 'problem+json', got "xml".`,
      );
    });

    it('C-4: rejects a documentationUrl that is not a URL', () => {
      expect(startUpError({ basic: { validate }, documentationUrl: 'docs/errors' })).toBe(
        'nest-http-auth: documentationUrl is not a URL: "docs/errors".',
      );
    });
    it.each([
      [{ max: 0 }, 'nest-http-auth: cache.max must be a positive integer, got 0.'],
      [{ max: 1.5 }, 'nest-http-auth: cache.max must be a positive integer, got 1.5.'],
      [{ ttl: 0 }, 'nest-http-auth: cache.ttl must be a positive number of seconds, got 0.'],
      [{ ttl: '60' }, 'nest-http-auth: cache.ttl must be a positive number of seconds, got "60".'],
      [
        { failureTtl: -1 },
        'nest-http-auth: cache.failureTtl must be a number of seconds (0 or more), got -1.',
      ],
    ])('rejects cache options %j', (cache, message) => {
      expect(startUpError({ basic: { validate }, cache })).toBe(message);
    });
  });

  describe('defaults', () => {
    it('uses realm "api", errorFormat "json", no documentation URL and no global requirement', () => {
      const config = resolveAuthOptions({ basic: { validate } });
      expect(config).toMatchObject({
        realm: 'api',
        errorFormat: 'json',
        documentationUrl: undefined,
        globalRequirement: undefined,
        defaultAlternatives: [['basic']],
        cache: {},
      });
      expect(config.schemes.get('basic')?.challenges()).toEqual([
        'Basic realm="api", charset="UTF-8"',
      ]);
    });

    it('builds the schemes in the order basic, bearer, apiKey, extras; each alone is a default alternative', () => {
      const config = resolveAuthOptions({
        schemes: { custom },
        apiKey: { validate },
        bearer: { jwt: { secret: SECRET } },
        basic: { validate },
      });
      expect([...config.schemes.keys()]).toEqual(['basic', 'bearer', 'apiKey', 'custom']);
      expect(config.schemes.get('basic')).toBeInstanceOf(BasicScheme);
      expect(config.schemes.get('bearer')).toBeInstanceOf(BearerScheme);
      expect(config.schemes.get('apiKey')).toBeInstanceOf(ApiKeyScheme);
      expect(config.schemes.get('custom')).toBeInstanceOf(PassportScheme);
      expect(config.defaultAlternatives).toEqual([['basic'], ['bearer'], ['apiKey'], ['custom']]);
    });

    it('keeps the configured realm, errorFormat and documentationUrl, and gives every scheme the realm', () => {
      const config = resolveAuthOptions({
        realm: 'my "realm"',
        bearer: { validate },
        apiKey: { validate },
        errorFormat: 'problem+json',
        documentationUrl: 'https://docs.example/errors',
      });
      expect(config).toMatchObject({
        realm: 'my "realm"',
        errorFormat: 'problem+json',
        documentationUrl: 'https://docs.example/errors',
      });
      expect(config.schemes.get('bearer')?.challenges()).toEqual(['Bearer realm="my \\"realm\\""']);
      expect(config.schemes.get('apiKey')?.challenges()).toEqual([
        'ApiKey realm="my \\"realm\\"", in="header", name="X-API-Key"',
      ]);
    });

    it('C-5: turns the default option into the global requirement and the default alternatives', () => {
      const config = resolveAuthOptions({
        basic: { validate },
        bearer: { validate },
        apiKey: { validate },
        default: ['bearer', { all: ['apiKey', 'basic'] }],
      });
      expect(config.globalRequirement).toEqual({
        public: false,
        alternatives: [['bearer'], ['apiKey', 'basic']],
        optional: false,
        roles: [],
        scopes: [],
      });
      expect(config.defaultAlternatives).toEqual([['bearer'], ['apiKey', 'basic']]);
    });

    it('C-5: an empty default means no global requirement', () => {
      const config = resolveAuthOptions({ basic: { validate }, default: [] });
      expect(config.globalRequirement).toBeUndefined();
      expect(config.defaultAlternatives).toEqual([['basic']]);
    });
  });
});

describe('checkSchemeNames', () => {
  const schemes = new Map([
    ['basic', 1],
    ['bearer', 2],
  ]);

  it('accepts configured names', () => {
    expect(() => checkSchemeNames([['basic'], ['bearer', 'basic']], schemes, 'here')).not.toThrow();
  });

  it('names the place and the unknown scheme', () => {
    expect(() =>
      checkSchemeNames([['basic'], ['bearer', 'Basic']], schemes, '@Auth() on A.b'),
    ).toThrow(
      new AuthConfigurationError(
        '@Auth() on A.b names the scheme "Basic", which is not configured (configured: basic, bearer).',
      ),
    );
  });
});
