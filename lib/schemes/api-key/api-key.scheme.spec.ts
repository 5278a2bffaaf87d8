import { describe, expect, it } from '@jest/globals';
import passport from 'passport';
import { AuthenticationError } from '../../errors/auth.error.js';
import type {
  ApiKeySchemeOptions,
  PlatformRequest,
} from '../../interfaces/auth-options.interface.js';
import type { AuthScheme } from '../auth-scheme.js';
import { ApiKeyScheme, apiKeyParameters } from './api-key.scheme.js';

const KEYS: Record<string, string> = { 'key-1': 'owner-1' };
const validate: ApiKeySchemeOptions['validate'] = (key) => (KEYS[key] ? { id: KEYS[key] } : null);
const scheme = (options: Omit<ApiKeySchemeOptions, 'validate'> = {}): ApiKeyScheme =>
  new ApiKeyScheme('r', { validate, ...options });
const all = (): ApiKeyScheme => scheme({ cookie: 'key', query: 'api_key', header: 'X-Key' });

function readFailure(target: ApiKeyScheme, request: PlatformRequest): AuthenticationError {
  try {
    target.read(request);
  } catch (err) {
    expect(err).toBeInstanceOf(AuthenticationError);
    return err as AuthenticationError;
  }
  throw new Error('read() did not throw');
}

describe('apiKeyParameters', () => {
  it('C-3: defaults to the X-API-Key header', () => {
    expect(apiKeyParameters({ validate })).toEqual([{ in: 'header', name: 'X-API-Key' }]);
  });

  it('C-3: lists the configured locations in the order header, query, cookie', () => {
    expect(apiKeyParameters({ validate, cookie: 'c', query: 'q', header: 'H' })).toEqual([
      { in: 'header', name: 'H' },
      { in: 'query', name: 'q' },
      { in: 'cookie', name: 'c' },
    ]);
    expect(apiKeyParameters({ validate, cookie: 'c' })).toEqual([{ in: 'cookie', name: 'c' }]);
  });
});

describe('ApiKeyScheme', () => {
  describe('credential() (the cache looks it up before read() checks the key)', () => {
    it('C-3: is the key as sent, from the first location that has one', () => {
      expect(scheme().credential({ headers: { 'x-api-key': 'key 1' } })).toBe('key 1');
      expect(all().credential({ headers: { cookie: 'key=c' }, query: { api_key: 'q' } })).toBe('q');
      expect(all().credential({ headers: {} })).toBeUndefined();
    });

    it('C-3: a repeated query parameter is no credential to remember (null, not absent); read() rejects it', () => {
      const request = { headers: {}, query: { api_key: ['a', 'b'] } };
      expect(all().credential(request)).toBeNull();
      expect(readFailure(all(), request).code).toBe('credentials_invalid');
    });
  });

  describe('read()', () => {
    it('C-3: reads the default X-API-Key header (case-insensitive name)', () => {
      expect(scheme().read({ headers: { 'x-api-key': 'key-1' } })).toBe('key-1');
      expect(scheme().read({ headers: {} })).toBeUndefined();
      expect(
        scheme().read({ headers: { authorization: 'Bearer key-1' }, query: { api_key: 'key-1' } }),
      ).toBeUndefined();
    });

    it('C-3: reads a configured header name', () => {
      expect(scheme({ header: 'X-Custom-Key' }).read({ headers: { 'x-custom-key': 'k' } })).toBe(
        'k',
      );
      expect(
        scheme({ header: 'X-Custom-Key' }).read({ headers: { 'x-api-key': 'k' } }),
      ).toBeUndefined();
    });

    it('C-3: reads the query parameter and the cookie when configured', () => {
      expect(scheme({ query: 'api_key' }).read({ headers: {}, query: { api_key: 'q' } })).toBe('q');
      expect(scheme({ cookie: 'key' }).read({ headers: { cookie: 'other=1; key=c' } })).toBe('c');
      expect(scheme({ cookie: 'key' }).read({ headers: {}, cookies: { key: 'parsed' } })).toBe(
        'parsed',
      );
    });

    it('C-3: with several locations, takes the first present in the order header, query, cookie', () => {
      const headers = { 'x-key': 'h', cookie: 'key=c' };
      expect(all().read({ headers, query: { api_key: 'q' } })).toBe('h');
      expect(all().read({ headers: { cookie: 'key=c' }, query: { api_key: 'q' } })).toBe('q');
      expect(all().read({ headers: { cookie: 'key=c' }, query: {} })).toBe('c');
      expect(all().read({ headers: {}, query: {} })).toBeUndefined();
    });

    it.each([
      ['an empty key', { 'x-api-key': '' }],
      ['a space', { 'x-api-key': 'key 1' }],
      ['a control character', { 'x-api-key': 'key\x01' }],
      ['a DEL', { 'x-api-key': 'key\x7f' }],
      ['a non-ASCII character', { 'x-api-key': 'kéy' }],
      ['more than 8192 characters', { 'x-api-key': 'k'.repeat(8193) }],
    ])('C-3: a key with %s is credentials_invalid', (_what, headers) => {
      const err = readFailure(scheme(), { headers });
      expect(err).toMatchObject({ code: 'credentials_invalid', scheme: 'apiKey' });
      expect(err.getStatus()).toBe(401);
    });

    it('C-3: a repeated or structured query parameter is credentials_invalid', () => {
      const target = scheme({ query: 'api_key' });
      expect(readFailure(target, { headers: {}, query: { api_key: ['a', 'b'] } }).code).toBe(
        'credentials_invalid',
      );
      expect(readFailure(target, { headers: {}, query: { api_key: { x: 'a' } } }).code).toBe(
        'credentials_invalid',
      );
    });

    it('C-5: an invalid key in the first location does not fall through to the next', () => {
      const err = readFailure(all(), {
        headers: { 'x-key': 'bad key' },
        query: { api_key: 'key-1' },
      });
      expect(err.code).toBe('credentials_invalid');
    });

    it('C-3: accepts every printable ASCII character but space', () => {
      const key = Array.from({ length: 0x7e - 0x20 }, (_, i) => String.fromCharCode(0x21 + i)).join(
        '',
      );
      expect(scheme().read({ headers: { 'x-api-key': key } })).toBe(key);
    });
  });

  describe('verify()', () => {
    it('returns the principal of a known key and passes the request', async () => {
      const seen: unknown[] = [];
      const target = new ApiKeyScheme('r', {
        validate: (key, request) => {
          seen.push(key, request);
          return { id: `owner-of-${key}` };
        },
      });
      const request = { headers: {} };
      await expect(target.verify('k', request)).resolves.toEqual({ id: 'owner-of-k' });
      expect(seen).toEqual(['k', request]);
    });

    it('C-1: an unknown key is credentials_invalid (401)', async () => {
      const err: unknown = await scheme()
        .verify('nope', { headers: {} })
        .catch((e: unknown) => e);
      expect(err).toBeInstanceOf(AuthenticationError);
      expect(err).toMatchObject({ code: 'credentials_invalid', scheme: 'apiKey' });
    });
  });

  describe('challenges()', () => {
    it('C-2: is one ApiKey challenge for the default header', () => {
      expect(scheme().challenges()).toEqual(['ApiKey realm="r", in="header", name="X-API-Key"']);
    });

    it('C-2: is one line per location, in order, whatever the error', () => {
      const expected = [
        'ApiKey realm="r", in="header", name="X-Key"',
        'ApiKey realm="r", in="query", name="api_key"',
        'ApiKey realm="r", in="cookie", name="key"',
      ];
      expect(all().challenges()).toEqual(expected);
      const asScheme: AuthScheme = all();
      expect(
        asScheme.challenges(new AuthenticationError('credentials_invalid', { scheme: 'apiKey' })),
      ).toEqual(expected);
    });

    it('C-2: escapes the realm', () => {
      expect(new ApiKeyScheme('my "api"', { validate }).challenges()).toEqual([
        'ApiKey realm="my \\"api\\"", in="header", name="X-API-Key"',
      ]);
    });
  });

  describe('securitySchemes()', () => {
    it('C-6: is one apiKey scheme named apiKey for the default header', () => {
      expect(scheme().securitySchemes()).toEqual({
        apiKey: { type: 'apiKey', in: 'header', name: 'X-API-Key' },
      });
    });

    it('C-6: names the first location apiKey and the others apiKeyQuery / apiKeyCookie', () => {
      expect(all().securitySchemes()).toEqual({
        apiKey: { type: 'apiKey', in: 'header', name: 'X-Key' },
        apiKeyQuery: { type: 'apiKey', in: 'query', name: 'api_key' },
        apiKeyCookie: { type: 'apiKey', in: 'cookie', name: 'key' },
      });
      expect(scheme({ query: 'k', cookie: 'c' }).securitySchemes()).toEqual({
        apiKey: { type: 'apiKey', in: 'query', name: 'k' },
        apiKeyCookie: { type: 'apiKey', in: 'cookie', name: 'c' },
      });
    });
  });

  describe('as a passport strategy', () => {
    function run(request: object): Promise<readonly unknown[]> {
      return new Promise((resolve) => {
        const middleware = passport.authenticate(
          'apiKey',
          { session: false },
          (...args: unknown[]) => resolve(args),
        ) as (req: object, res: object, next: (err?: unknown) => void) => void;
        middleware(request, {}, (err) => resolve(['next', err]));
      });
    }

    it('is registered as apiKey and reads and verifies like the guard', async () => {
      scheme();
      const [err, user] = await run({ headers: { 'x-api-key': 'key-1' } });
      expect(err).toBeNull();
      expect(user).toEqual({ id: 'owner-1' });
    });

    it('C-2: fails with the ApiKey challenge for a missing or unknown key', async () => {
      scheme();
      for (const headers of [{}, { 'x-api-key': 'unknown' }]) {
        const [err, user, challenge, status] = await run({ headers });
        expect([err, user, challenge, status]).toEqual([
          null,
          false,
          'ApiKey realm="r", in="header", name="X-API-Key"',
          401,
        ]);
      }
    });
  });
});
