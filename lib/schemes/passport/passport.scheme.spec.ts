import { describe, expect, it } from '@jest/globals';
import passport from 'passport';
import { Strategy } from 'passport-strategy';
import { AuthConfigurationError } from '../../errors/auth-configuration.error.js';
import { AuthenticationError } from '../../errors/auth.error.js';
import type {
  PassportSchemeOptions,
  PlatformRequest,
} from '../../interfaces/auth-options.interface.js';
import { PassportScheme } from './passport.scheme.js';
import { rejection } from '../../../test/support/rejection.js';

type StrategyRequest = Parameters<Strategy['authenticate']>[0];

/** Decides by the `x-user` header: `ok`, `pass`, `redirect`, `boom` (error), `throw`; anything else fails. */
class HeaderStrategy extends Strategy {
  readonly seenOptions: unknown[] = [];

  override authenticate(req: StrategyRequest, options?: unknown): void {
    this.seenOptions.push(options);
    const user = req.headers['x-user'];
    if (user === 'ok') return this.success({ id: 'u1', roles: ['r'] });
    if (user === 'pass') return this.pass();
    if (user === 'redirect') return this.redirect('/login');
    if (user === 'boom') return this.error(new Error('store down'));
    if (user === 'throw') throw new Error('strategy bug');
    if (user === 'later') {
      setImmediate(() => this.success({ id: 'later' }));
      return;
    }
    return this.fail('Custom', 401);
  }
}

const SECURITY = { type: 'apiKey', in: 'header', name: 'X-User' } as const;
const create = (options: Partial<PassportSchemeOptions> = {}, name = 'custom'): PassportScheme =>
  new PassportScheme(name, {
    strategy: new HeaderStrategy(),
    challenge: 'Custom realm="r"',
    securityScheme: SECURITY,
    ...options,
  });
const withUser = (user?: string): PlatformRequest => ({
  headers: user === undefined ? {} : { 'x-user': user },
});

async function run(scheme: PassportScheme, request: PlatformRequest): Promise<unknown> {
  const credentials = scheme.read(request);
  if (credentials === undefined) throw new Error('read() found no credentials');
  return scheme.verify(credentials, request);
}

describe('PassportScheme', () => {
  it('resolves to the user the strategy reports with success()', async () => {
    await expect(run(create(), withUser('ok'))).resolves.toEqual({ id: 'u1', roles: ['r'] });
  });

  it('waits for a strategy that decides asynchronously', async () => {
    await expect(run(create(), withUser('later'))).resolves.toEqual({ id: 'later' });
  });

  it('C-1: without hasCredentials, read() leaves the decision to the strategy and fail() is credentials_missing', async () => {
    const scheme = create();
    // The credential is a marker, "hand the whole request to the strategy": the same symbol for a
    // request without any header as for one with, so that read() itself never decides.
    const marker = scheme.read(withUser());
    expect(typeof marker).toBe('symbol');
    expect(scheme.read(withUser('ok'))).toBe(marker);
    expect(scheme.read({ headers: { authorization: 'Basic x' } })).toBe(marker);
    const err = await rejection(run(scheme, withUser()));
    expect(err).toBeInstanceOf(AuthenticationError);
    expect(err).toMatchObject({ code: 'credentials_missing', scheme: 'custom' });
  });

  it('C-1: with hasCredentials, read() finds none when it says so and fail() is credentials_invalid', async () => {
    const scheme = create({
      hasCredentials: (req) =>
        (req as { headers: Record<string, unknown> }).headers['x-user'] !== undefined,
    });
    expect(scheme.read(withUser())).toBeUndefined();
    const err = await rejection(run(scheme, withUser('wrong')));
    expect(err).toBeInstanceOf(AuthenticationError);
    expect(err).toMatchObject({ code: 'credentials_invalid', scheme: 'custom' });
    expect((err as AuthenticationError).getStatus()).toBe(401);
  });

  it('C-1: pass() counts as a failure', async () => {
    await expect(rejection(run(create(), withUser('pass')))).resolves.toMatchObject({
      code: 'credentials_missing',
    });
    await expect(
      rejection(run(create({ hasCredentials: () => true }), withUser('pass'))),
    ).resolves.toMatchObject({
      code: 'credentials_invalid',
    });
  });

  it('rejects with the error the strategy reports with error()', async () => {
    const err = await rejection(run(create(), withUser('boom')));
    expect(err).toBeInstanceOf(Error);
    expect(err).not.toBeInstanceOf(AuthenticationError);
    expect((err as Error).message).toBe('store down');
  });

  it('rejects with an error the strategy throws', async () => {
    await expect(rejection(run(create(), withUser('throw')))).resolves.toMatchObject({
      message: 'strategy bug',
    });
  });

  it('rejects a redirecting strategy as a configuration error', async () => {
    const err = await rejection(run(create(), withUser('redirect')));
    expect(err).toBeInstanceOf(AuthConfigurationError);
    expect((err as Error).message).toContain('scheme "custom" redirects');
  });

  it('passes the configured options to authenticate(req, options)', async () => {
    const strategy = new HeaderStrategy();
    await run(create({ strategy, options: { session: false, scope: 'x' } }), withUser('ok'));
    await run(create({ strategy }), withUser('ok'));
    expect(strategy.seenOptions).toEqual([{ session: false, scope: 'x' }, {}]);
  });

  it('runs concurrent requests on separate objects without mixing their results', async () => {
    const scheme = create();
    const results = await Promise.allSettled([
      run(scheme, withUser('later')),
      run(scheme, withUser('no')),
      run(scheme, withUser('ok')),
    ]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect(results[0]).toMatchObject({ value: { id: 'later' } });
    expect(results[2]).toMatchObject({ value: { id: 'u1' } });
  });

  it('looks a strategy up by the name it was registered under with passport', async () => {
    passport.use('nest-http-auth-spec-header', new HeaderStrategy());
    try {
      const scheme = create({ strategy: 'nest-http-auth-spec-header' });
      await expect(run(scheme, withUser('ok'))).resolves.toEqual({ id: 'u1', roles: ['r'] });
      await expect(rejection(run(scheme, withUser('no')))).resolves.toMatchObject({
        code: 'credentials_missing',
      });
    } finally {
      passport.unuse('nest-http-auth-spec-header');
    }
  });

  it('rejects with an AuthConfigurationError when no strategy is registered under the name', async () => {
    const scheme = create({ strategy: 'nest-http-auth-spec-unknown' });
    const err = await rejection(run(scheme, withUser('ok')));
    expect(err).toBeInstanceOf(AuthConfigurationError);
    expect((err as Error).message).toBe(
      'nest-http-auth: scheme "custom": no passport strategy is registered as "nest-http-auth-spec-unknown".',
    );
  });

  it('verify() reports an unknown strategy name as a rejected promise, not a synchronous throw', async () => {
    const scheme = create({ strategy: 'nest-http-auth-spec-unknown' });
    let result: Promise<unknown> | undefined;
    expect(() => {
      result = scheme.verify(scheme.read(withUser('ok'))!, withUser('ok'));
    }).not.toThrow();
    await expect(result).rejects.toBeInstanceOf(AuthConfigurationError);
  });

  it('C-2: challenges with the configured challenge', () => {
    expect(create().challenges()).toEqual(['Custom realm="r"']);
  });

  it('C-6: declares the configured security scheme under its name', () => {
    expect(create({}, 'header').securitySchemes()).toEqual({ header: SECURITY });
  });
});
