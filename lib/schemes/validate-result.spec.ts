import { afterEach, beforeEach, describe, expect, it, jest } from '@jest/globals';
import { Logger } from '@nestjs/common';
import { SignJWT } from 'jose';
import { Strategy } from 'passport-strategy';
import { AuthConfigurationError } from '../errors/auth-configuration.error.js';
import { AuthenticationError, AuthUnavailableError } from '../errors/auth.error.js';
import type { PlatformRequest } from '../interfaces/auth-options.interface.js';
import type { AuthScheme } from './auth-scheme.js';
import { ApiKeyScheme } from './api-key/api-key.scheme.js';
import { BasicScheme } from './basic/basic.scheme.js';
import { BearerScheme } from './bearer/bearer.scheme.js';
import type { PassportActions } from './passport-bridge.js';
import { PassportScheme } from './passport/passport.scheme.js';
import { PrincipalCheck } from './validate-result.js';
import { rejection } from '../../test/support/rejection.js';

const SECRET = 'a-32-byte-long-shared-hs256-key!';

/** Results a callback may hand over by mistake: truthy, but not an object with a non-empty string `id`. */
const NOT_PRINCIPALS: readonly [unknown, string][] = [
  [{ name: 'alice' }, 'a principal without a string `id` (its id is undefined)'],
  [{ id: 42 }, 'a principal without a string `id` (its id is a number)'],
  [{ id: '' }, 'a principal without a string `id` (its id is an empty string)'],
  [{ id: null }, 'a principal without a string `id` (its id is null)'],
  [true, 'true, not a principal'],
  ['alice', 'a string, not a principal'],
  [1, 'a number, not a principal'],
];

async function verifyOnce(scheme: AuthScheme, request: PlatformRequest): Promise<unknown> {
  const credentials = scheme.read(request);
  if (credentials === undefined) throw new Error('read() found no credentials');
  return scheme.verify(credentials, request);
}

/** Expects the 503 of a misconfigured callback, with an AuthConfigurationError naming it. */
function expectMisconfigured(err: unknown, scheme: string, message: string): void {
  expect(err).toBeInstanceOf(AuthUnavailableError);
  const error = err as AuthUnavailableError;
  expect(error.getStatus()).toBe(503);
  expect(error.code).toBe('service_unavailable');
  expect(error.scheme).toBe(scheme);
  expect(error.message).toBe('Authentication is temporarily unavailable. Try again later.');
  expect(error.cause).toBeInstanceOf(AuthConfigurationError);
  expect((error.cause as Error).message).toBe(`nest-http-auth: ${message}`);
}

function signed(claims: Record<string, unknown> = {}): Promise<string> {
  return new SignJWT({ sub: 'user-1', ...claims })
    .setProtectedHeader({ alg: 'HS256' })
    .setExpirationTime('5m')
    .sign(new TextEncoder().encode(SECRET));
}

/** A passport strategy that succeeds with whatever user the test gives it. */
class SucceedingStrategy extends Strategy {
  constructor(private readonly user: unknown) {
    super();
  }

  override authenticate(): void {
    this.success(this.user);
  }
}

let logged: jest.SpiedFunction<Logger['error']>;
beforeEach(() => {
  logged = jest.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
});
afterEach(() => logged.mockRestore());

describe('PrincipalCheck', () => {
  it('passes a principal with a non-empty string id through, the same object', () => {
    const principal = { id: 'u1', roles: ['admin'], extra: 1 };
    const check = new PrincipalCheck('basic.validate', 'basic');
    expect(check.validated(principal)).toBe(principal);
    expect(check.principal(principal)).toBe(principal);
    expect(logged).not.toHaveBeenCalled();
  });

  it.each([[undefined], [null], [false], [0], ['']])(
    'reads the falsy result %j of a validate callback as invalid credentials (undefined), not as a bug',
    (result) => {
      expect(new PrincipalCheck('basic.validate', 'basic').validated(result)).toBeUndefined();
      expect(logged).not.toHaveBeenCalled();
    },
  );

  it.each(NOT_PRINCIPALS)(
    'fails closed on %j: a 503 whose cause names the callback',
    (result, what) => {
      const check = new PrincipalCheck('basic.validate', 'basic');
      let thrown: unknown;
      try {
        check.validated(result);
      } catch (err) {
        thrown = err;
      }
      expectMisconfigured(thrown, 'basic', `basic.validate returned ${what}.`);
    },
  );

  it('logs the bug once per callback, at error level, naming the callback and never a value', () => {
    const check = new PrincipalCheck('apiKey.validate', 'apiKey');
    for (let i = 0; i < 3; i++) expect(() => check.validated({ secret: 'hunter2' })).toThrow();
    expect(() => check.validated('token-abc')).toThrow();
    expect(logged).toHaveBeenCalledTimes(1);
    const line = String(logged.mock.calls[0]![0]);
    expect(line).toBe(
      'nest-http-auth: apiKey.validate returned a principal without a string `id` (its id is undefined).' +
        ' Every request it accepts is refused with 503 service_unavailable until it is fixed:' +
        ' a principal is an object with a non-empty string `id`. Logged once.',
    );
    expect(line).not.toContain('hunter2');
    const other = new PrincipalCheck('basic.validate', 'basic');
    expect(() => other.validated(true)).toThrow(AuthUnavailableError);
    expect(logged).toHaveBeenCalledTimes(2);
  });

  it('requires a principal where a falsy value is no answer (a passport success())', () => {
    const check = new PrincipalCheck('schemes.custom.strategy', 'custom', 'called success() with');
    let thrown: unknown;
    try {
      check.principal(undefined);
    } catch (err) {
      thrown = err;
    }
    expectMisconfigured(
      thrown,
      'custom',
      'schemes.custom.strategy called success() with undefined, not a principal.',
    );
  });
});

describe('every scheme fails closed on a validate result without an id', () => {
  const basicHeader = { authorization: `Basic ${Buffer.from('alice:pw').toString('base64')}` };

  it.each(NOT_PRINCIPALS)('basic.validate returning %j', async (result, what) => {
    const scheme = new BasicScheme('r', { validate: () => result as never });
    const err = await rejection(verifyOnce(scheme, { headers: basicHeader }));
    expectMisconfigured(err, 'basic', `basic.validate returned ${what}.`);
  });

  it.each(NOT_PRINCIPALS)('bearer.validate (opaque tokens) returning %j', async (result, what) => {
    const scheme = new BearerScheme('r', { validate: () => result as never });
    const err = await rejection(
      verifyOnce(scheme, { headers: { authorization: 'Bearer opaque-token' } }),
    );
    expectMisconfigured(err, 'bearer', `bearer.validate returned ${what}.`);
  });

  it.each(NOT_PRINCIPALS)('bearer.jwt.validate returning %j', async (result, what) => {
    const scheme = new BearerScheme('r', {
      jwt: { secret: SECRET, validate: () => Promise.resolve(result as never) },
    });
    const err = await rejection(
      verifyOnce(scheme, { headers: { authorization: `Bearer ${await signed()}` } }),
    );
    expectMisconfigured(err, 'bearer', `bearer.jwt.validate returned ${what}.`);
  });

  it.each(NOT_PRINCIPALS)('apiKey.validate returning %j', async (result, what) => {
    const scheme = new ApiKeyScheme('r', { validate: () => result as never });
    const err = await rejection(verifyOnce(scheme, { headers: { 'x-api-key': 'key-1' } }));
    expectMisconfigured(err, 'apiKey', `apiKey.validate returned ${what}.`);
  });

  it.each([...NOT_PRINCIPALS, [undefined, 'undefined, not a principal'] as [unknown, string]])(
    'a passport strategy calling success(%j)',
    async (user, what) => {
      const scheme = new PassportScheme('custom', {
        strategy: new SucceedingStrategy(user),
        challenge: 'Custom realm="r"',
        securityScheme: { type: 'apiKey', in: 'header', name: 'X-Custom' },
      });
      const err = await rejection(verifyOnce(scheme, { headers: {} }));
      expectMisconfigured(err, 'custom', `schemes.custom.strategy called success() with ${what}.`);
    },
  );

  it('keeps the 401 of a falsy result and the principal of a valid one, in every scheme', async () => {
    const token = await signed();
    const cases: [AuthScheme, PlatformRequest, AuthScheme, string][] = [
      [
        new BasicScheme('r', { validate: () => null }),
        { headers: basicHeader },
        new BasicScheme('r', { validate: () => ({ id: 'u1' }) }),
        'credentials_invalid',
      ],
      [
        new BearerScheme('r', { validate: () => false }),
        { headers: { authorization: 'Bearer opaque' } },
        new BearerScheme('r', { validate: () => ({ id: 'u1' }) }),
        'token_invalid',
      ],
      [
        new BearerScheme('r', { jwt: { secret: SECRET, validate: () => undefined } }),
        { headers: { authorization: `Bearer ${token}` } },
        new BearerScheme('r', { jwt: { secret: SECRET, validate: () => ({ id: 'u1' }) } }),
        'token_invalid',
      ],
      [
        new ApiKeyScheme('r', { validate: () => null }),
        { headers: { 'x-api-key': 'key-1' } },
        new ApiKeyScheme('r', { validate: () => ({ id: 'u1' }) }),
        'credentials_invalid',
      ],
    ];
    for (const [rejecting, request, accepting, code] of cases) {
      const err = await rejection(verifyOnce(rejecting, request));
      expect(err).toBeInstanceOf(AuthenticationError);
      expect((err as AuthenticationError).code).toBe(code);
      await expect(verifyOnce(accepting, request)).resolves.toEqual({ id: 'u1' });
    }
    expect(logged).not.toHaveBeenCalled();
  });

  it('a JWT without sub (no jwt.validate) stays a 401 token_invalid: the client sent it', async () => {
    const scheme = new BearerScheme('r', { jwt: { secret: SECRET } });
    const token = await new SignJWT({})
      .setProtectedHeader({ alg: 'HS256' })
      .setExpirationTime('5m')
      .sign(new TextEncoder().encode(SECRET));
    const err = await rejection(
      verifyOnce(scheme, { headers: { authorization: `Bearer ${token}` } }),
    );
    expect(err).toBeInstanceOf(AuthenticationError);
    expect((err as AuthenticationError).code).toBe('token_invalid');
    expect(logged).not.toHaveBeenCalled();
  });

  it('through passport (AuthGuard("basic") of @nestjs/passport): an error, never success()', async () => {
    const scheme = new BasicScheme('r', { validate: () => ({ name: 'alice' }) as never });
    const outcome = await new Promise<[string, unknown]>((resolve) => {
      const actions: PassportActions = {
        success: (user) => resolve(['success', user]),
        fail: (challenge) => resolve(['fail', challenge]),
        error: (err) => resolve(['error', err]),
      };
      scheme.authenticate.call(Object.assign(Object.create(scheme) as BasicScheme, actions), {
        headers: basicHeader,
      });
    });
    expect(outcome[0]).toBe('error');
    expectMisconfigured(
      outcome[1],
      'basic',
      'basic.validate returned a principal without a string `id` (its id is undefined).',
    );
  });
});
