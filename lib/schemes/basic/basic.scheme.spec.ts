import { describe, expect, it } from '@jest/globals';
import passport from 'passport';
import { AuthenticationError } from '../../errors/auth.error.js';
import type {
  BasicSchemeOptions,
  PlatformRequest,
} from '../../interfaces/auth-options.interface.js';
import type { AuthScheme } from '../auth-scheme.js';
import { BasicScheme } from './basic.scheme.js';

const basic = (userPass: string): string =>
  `Basic ${Buffer.from(userPass, 'utf8').toString('base64')}`;

function readFailure(target: BasicScheme, request: PlatformRequest): AuthenticationError {
  try {
    target.read(request);
  } catch (err) {
    expect(err).toBeInstanceOf(AuthenticationError);
    return err as AuthenticationError;
  }
  throw new Error('read() did not throw');
}

function create(validate: BasicSchemeOptions['validate'] = () => null, realm = 'r'): BasicScheme {
  return new BasicScheme(realm, { validate });
}

describe('BasicScheme', () => {
  describe('credential() (the cache looks it up before read() decodes)', () => {
    it('C-3: is the token68 as sent, not decoded, for any scheme casing and spacing', () => {
      for (const value of [
        'Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==',
        'bASIC QWxhZGRpbjpvcGVuIHNlc2FtZQ==',
        '  BASIC    QWxhZGRpbjpvcGVuIHNlc2FtZQ==  ',
      ]) {
        expect(create().credential({ headers: { authorization: value } })).toBe(
          'QWxhZGRpbjpvcGVuIHNlc2FtZQ==',
        );
      }
      expect(create().credential({ headers: { authorization: 'Basic not base64!' } })).toBe(
        'not base64!',
      );
      expect(create().credential({ headers: {} })).toBeUndefined();
      expect(create().credential({ headers: { authorization: 'Bearer abc' } })).toBeUndefined();
    });

    it('read() is the decoding of credential(): equal credentials read alike', () => {
      const scheme = create();
      for (const value of ['Basic dGVzdDoxMjPCow==', 'basic   dGVzdDoxMjPCow==']) {
        expect(scheme.read({ headers: { authorization: value } })).toEqual({
          username: 'test',
          password: '123£',
        });
      }
      expect(readFailure(scheme, { headers: { authorization: 'Basic not base64!' } }).code).toBe(
        'credentials_invalid',
      );
    });
  });

  describe('read()', () => {
    it('C-3: decodes the credentials of a Basic header, scheme case-insensitive', () => {
      for (const scheme of ['Basic', 'basic', 'BASIC']) {
        expect(
          create().read({ headers: { authorization: `${scheme}  QWxhZGRpbjpvcGVuIHNlc2FtZQ==` } }),
        ).toEqual({
          username: 'Aladdin',
          password: 'open sesame',
        });
      }
      expect(create().read({ headers: { authorization: 'Basic dGVzdDoxMjPCow==' } })).toEqual({
        username: 'test',
        password: '123£',
      });
    });

    it('C-3: finds no credentials without a header or with another scheme', () => {
      expect(create().read({ headers: {} })).toBeUndefined();
      expect(
        create().read({ headers: { authorization: 'Bearer QWxhZGRpbjpvcGVuIHNlc2FtZQ==' } }),
      ).toBeUndefined();
    });

    it.each([
      ['no credentials', 'Basic'],
      ['invalid base64', 'Basic !!!!'],
      ['no colon', basic('Aladdin')],
      ['a control character', basic('Aladdin:open\x00sesame')],
      ['auth-params instead of a token68', 'Basic realm="x"'],
    ])('C-3: a Basic header with %s is credentials_invalid (401)', (_what, authorization) => {
      const err = readFailure(create(), { headers: { authorization } });
      expect(err).toMatchObject({ code: 'credentials_invalid', scheme: 'basic' });
      expect(err.getStatus()).toBe(401);
    });
  });

  describe('verify()', () => {
    it('C-3: passes user-id, the whole password and the request to validate', async () => {
      const calls: unknown[][] = [];
      const scheme = create((username, password, request) => {
        calls.push([username, password, request]);
        return { id: username };
      });
      const request = { headers: {} };
      await expect(
        scheme.verify({ username: 'alice', password: 'a:b:c' }, request),
      ).resolves.toEqual({ id: 'alice' });
      expect(calls).toEqual([['alice', 'a:b:c', request]]);
    });

    it('C-1: a falsy validate result is credentials_invalid (401)', async () => {
      for (const result of [null, undefined, false] as const) {
        const err: unknown = await create(async () => result)
          .verify({ username: 'alice', password: 'wrong' }, { headers: {} })
          .catch((e: unknown) => e);
        expect(err).toBeInstanceOf(AuthenticationError);
        expect(err).toMatchObject({ code: 'credentials_invalid', scheme: 'basic' });
      }
    });

    it('lets errors of validate through', async () => {
      const down = new Error('database down');
      const scheme = create(() => Promise.reject(down));
      await expect(scheme.verify({ username: 'a', password: 'b' }, { headers: {} })).rejects.toBe(
        down,
      );
    });
  });

  describe('challenges()', () => {
    it('C-2: is Basic realm="…", charset="UTF-8", never with an error code', () => {
      const expected = ['Basic realm="r", charset="UTF-8"'];
      expect(create().challenges()).toEqual(expected);
      const asScheme: AuthScheme = create();
      expect(
        asScheme.challenges(new AuthenticationError('credentials_invalid', { scheme: 'basic' })),
      ).toEqual(expected);
    });

    it('C-2: escapes a quote in the realm', () => {
      expect(create(undefined, 'a"b').challenges()).toEqual([
        'Basic realm="a\\"b", charset="UTF-8"',
      ]);
    });
  });

  it('C-6: declares the http basic security scheme', () => {
    expect(create().securitySchemes()).toEqual({ basic: { type: 'http', scheme: 'basic' } });
  });

  describe('as a passport strategy', () => {
    function run(request: object): Promise<readonly unknown[]> {
      return new Promise((resolve) => {
        const middleware = passport.authenticate(
          'basic',
          { session: false },
          (...args: unknown[]) => resolve(args),
        ) as (req: object, res: object, next: (err?: unknown) => void) => void;
        middleware(request, {}, (err) => resolve(['next', err]));
      });
    }

    it('C-3: is registered as basic, and a password with colons reaches validate whole', async () => {
      const seen: string[][] = [];
      create((username, password) => {
        seen.push([username, password]);
        return { id: username };
      });
      const [err, user] = await run({ headers: { authorization: basic('alice:pa:ss:word') } });
      expect(err).toBeNull();
      expect(user).toEqual({ id: 'alice' });
      expect(seen).toEqual([['alice', 'pa:ss:word']]);
    });

    it('C-2: a missing header fails with the Basic challenge and 401', async () => {
      create(() => ({ id: 'never' }));
      const [err, user, challenge, status] = await run({ headers: {} });
      expect([err, user, challenge, status]).toEqual([
        null,
        false,
        'Basic realm="r", charset="UTF-8"',
        401,
      ]);
    });

    it('C-3: a malformed header fails with the challenge instead of an error', async () => {
      create(() => ({ id: 'never' }));
      const [err, user, challenge, status] = await run({ headers: { authorization: 'Basic %%%' } });
      expect([err, user, challenge, status]).toEqual([
        null,
        false,
        'Basic realm="r", charset="UTF-8"',
        401,
      ]);
    });

    it('C-1: wrong credentials fail with 401 and the challenge', async () => {
      create(() => null);
      const [err, user, challenge, status] = await run({
        headers: { authorization: basic('alice:wrong') },
      });
      expect([err, user, challenge, status]).toEqual([
        null,
        false,
        'Basic realm="r", charset="UTF-8"',
        401,
      ]);
    });

    it('an error of validate becomes a passport error', async () => {
      const down = new Error('database down');
      create(() => Promise.reject(down));
      const [err, user] = await run({ headers: { authorization: basic('alice:x') } });
      expect(err).toBe(down);
      expect(user).toBeUndefined();
    });
  });
});
