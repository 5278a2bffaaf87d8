import { describe, expect, it } from '@jest/globals';
import { AuthenticationError, AuthorizationError } from '../errors/auth.error.js';
import type { PlatformRequest } from '../interfaces/auth-options.interface.js';
import type { AuthContext, AuthPrincipal } from '../interfaces/auth-principal.interface.js';
import type { AuthScheme } from '../schemes/auth-scheme.js';
import { authenticate as decide, type Verifier } from './authenticate.js';
import { denial } from './authorization.js';
import { routeSchemesOf } from './route-auth-context.js';
import { withRouteSchemes } from './route-errors.js';
import type { RoutePlan } from './route-plan.js';
import { rejection } from '../../test/support/rejection.js';

/** The request carries each scheme's credential under `creds[name]`. */
type FakeRequest = { readonly creds: Readonly<Record<string, string>> };

interface FakeScheme extends AuthScheme<string> {
  readonly reads: number;
  readonly verified: string[];
}

/**
 * A scheme whose credential is `creds[name]`: absent means none, `malformed` makes read() throw,
 * `bad` makes verify() reject; anything else yields a principal `<name>:<value>` with the given grants.
 */
function fakeScheme(
  name: string,
  grants: Pick<AuthPrincipal, 'roles' | 'scopes'> = {},
): FakeScheme {
  let reads = 0;
  const verified: string[] = [];
  return {
    name,
    get reads() {
      return reads;
    },
    verified,
    read(request: PlatformRequest) {
      reads++;
      const value = (request as FakeRequest).creds[name];
      if (value === 'malformed')
        throw new AuthenticationError('credentials_invalid', {
          scheme: name,
          message: 'malformed',
        });
      return value;
    },
    async verify(credentials: string) {
      verified.push(credentials);
      if (credentials === 'bad')
        throw new AuthenticationError('credentials_invalid', { scheme: name });
      return { id: `${name}:${credentials}`, ...grants };
    },
    challenges: () => [name],
    securitySchemes: () => ({}),
  };
}

function plan(
  groups: readonly (readonly FakeScheme[])[],
  options: { optional?: boolean; roles?: readonly string[]; scopes?: readonly string[] } = {},
): RoutePlan {
  const alternatives = groups.map((group) => group.map((s) => s.name));
  return {
    requirement: {
      public: false,
      alternatives,
      optional: options.optional ?? false,
      roles: options.roles ?? [],
      scopes: options.scopes ?? [],
    },
    groups,
    schemeNames: [...new Set(alternatives.flat())],
  };
}

const request = (creds: Record<string, string> = {}): FakeRequest => ({ creds });

/** The decision as a promise (`authenticate()` answers remembered credentials without one). */
const authenticate = (...args: Parameters<typeof decide>): Promise<AuthContext> =>
  Promise.resolve(decide(...args));

describe('authenticate', () => {
  describe('any-of', () => {
    it('C-5: the first scheme whose credentials are present decides', async () => {
      const basic = fakeScheme('basic');
      const bearer = fakeScheme('bearer');
      const route = plan([[bearer], [basic]]);
      await expect(authenticate(route, request({ basic: 'alice' }))).resolves.toEqual({
        principal: { id: 'basic:alice' },
        scheme: 'basic',
        principals: { basic: { id: 'basic:alice' } },
      });
      await expect(
        authenticate(route, request({ basic: 'alice', bearer: 'tok' })),
      ).resolves.toMatchObject({
        principal: { id: 'bearer:tok' },
        scheme: 'bearer',
      });
      expect(basic.verified).toEqual(['alice']);
      expect(bearer.verified).toEqual(['tok']);
    });

    it('C-5: follows the declared order, not the order of the request', async () => {
      const basic = fakeScheme('basic');
      const bearer = fakeScheme('bearer');
      await expect(
        authenticate(plan([[basic], [bearer]]), request({ bearer: 'tok', basic: 'alice' })),
      ).resolves.toMatchObject({
        scheme: 'basic',
      });
    });

    it('C-5: a present but invalid credential fails the request and never falls through', async () => {
      const bearer = fakeScheme('bearer');
      const basic = fakeScheme('basic');
      const err = await rejection(
        authenticate(plan([[bearer], [basic]]), request({ bearer: 'bad', basic: 'alice' })),
      );
      expect(err).toBeInstanceOf(AuthenticationError);
      expect(err).toMatchObject({ code: 'credentials_invalid', scheme: 'bearer' });
      expect(basic.reads).toBe(0);
      expect(basic.verified).toEqual([]);
    });

    it('C-5: a malformed credential (read() throws) fails the request without reading later schemes', async () => {
      const bearer = fakeScheme('bearer');
      const basic = fakeScheme('basic');
      const err = await rejection(
        authenticate(plan([[bearer], [basic]]), request({ bearer: 'malformed', basic: 'alice' })),
      );
      expect(err).toMatchObject({
        code: 'credentials_invalid',
        scheme: 'bearer',
        message: 'malformed',
      });
      expect(basic.reads).toBe(0);
    });

    it('C-1: no credentials at all is credentials_missing (401), naming the schemes of the route', async () => {
      const err = await rejection(
        authenticate(plan([[fakeScheme('bearer')], [fakeScheme('basic')]]), request()),
      );
      expect(err).toBeInstanceOf(AuthenticationError);
      expect(err).toMatchObject({
        code: 'credentials_missing',
        scheme: undefined,
        schemes: ['bearer', 'basic'],
      });
      expect((err as AuthenticationError).getStatus()).toBe(401);
    });
  });

  describe('all-of', () => {
    it('C-5: every scheme of the group must pass; the first one is the principal', async () => {
      const apiKey = fakeScheme('apiKey');
      const bearer = fakeScheme('bearer');
      await expect(
        authenticate(plan([[apiKey, bearer]]), request({ apiKey: 'k', bearer: 't' })),
      ).resolves.toEqual({
        principal: { id: 'apiKey:k' },
        scheme: 'apiKey',
        principals: { apiKey: { id: 'apiKey:k' }, bearer: { id: 'bearer:t' } },
      });
    });

    it('C-5: a missing part is credentials_missing naming that scheme', async () => {
      const apiKey = fakeScheme('apiKey');
      const bearer = fakeScheme('bearer');
      const err = await rejection(authenticate(plan([[apiKey, bearer]]), request({ apiKey: 'k' })));
      expect(err).toBeInstanceOf(AuthenticationError);
      expect(err).toMatchObject({ code: 'credentials_missing', scheme: 'bearer' });
      expect(apiKey.verified).toEqual([]);
    });

    it('C-5: an invalid part fails the request', async () => {
      const apiKey = fakeScheme('apiKey');
      const bearer = fakeScheme('bearer');
      const err = await rejection(
        authenticate(plan([[apiKey, bearer]]), request({ apiKey: 'k', bearer: 'bad' })),
      );
      expect(err).toMatchObject({ code: 'credentials_invalid', scheme: 'bearer' });
    });

    it('C-5: a group with no credential at all lets the next alternative decide', async () => {
      const apiKey = fakeScheme('apiKey');
      const bearer = fakeScheme('bearer');
      const basic = fakeScheme('basic');
      await expect(
        authenticate(plan([[apiKey, bearer], [basic]]), request({ basic: 'alice' })),
      ).resolves.toMatchObject({
        scheme: 'basic',
        principals: { basic: { id: 'basic:alice' } },
      });
    });

    it('C-5: a partly present group lets a later complete alternative decide (OR of ANDs, as in OpenAPI)', async () => {
      const apiKey = fakeScheme('apiKey');
      const bearer = fakeScheme('bearer');
      await expect(
        authenticate(plan([[apiKey, bearer], [bearer]]), request({ bearer: 't' })),
      ).resolves.toMatchObject({ scheme: 'bearer', principals: { bearer: { id: 'bearer:t' } } });
      expect(bearer.verified).toEqual(['t']);
      expect(apiKey.verified).toEqual([]);
    });

    it('C-5: a partly present group with no complete alternative names its first missing scheme', async () => {
      const apiKey = fakeScheme('apiKey');
      const bearer = fakeScheme('bearer');
      const basic = fakeScheme('basic');
      const err = await rejection(
        authenticate(
          plan([[apiKey, bearer], [basic]], { optional: true }),
          request({ bearer: 't' }),
        ),
      );
      expect(err).toMatchObject({ code: 'credentials_missing', scheme: 'apiKey' });
      expect(bearer.verified).toEqual([]);
    });
  });

  describe('one scheme (the common route, which takes a shorter path)', () => {
    it('C-5: valid credentials give the principal, verified once, with the request', async () => {
      const bearer = fakeScheme('bearer');
      const seen: unknown[] = [];
      const req = request({ bearer: 'tok' });
      await expect(
        authenticate(plan([[bearer]]), req, {
          recall: () => undefined,
          verify: (scheme, credentials, r) => {
            seen.push(r);
            return scheme.verify(credentials, r);
          },
        } satisfies Verifier),
      ).resolves.toEqual({
        principal: { id: 'bearer:tok' },
        scheme: 'bearer',
        principals: { bearer: { id: 'bearer:tok' } },
      });
      expect(bearer.verified).toEqual(['tok']);
      expect(bearer.reads).toBe(1);
      expect(seen).toEqual([req]);
    });

    it('C-1: no credentials is credentials_missing naming the scheme', async () => {
      const err = await rejection(authenticate(plan([[fakeScheme('basic')]]), request()));
      expect(err).toBeInstanceOf(AuthenticationError);
      expect(err).toMatchObject({
        code: 'credentials_missing',
        scheme: undefined,
        schemes: ['basic'],
      });
    });

    it('C-1: invalid and malformed credentials fail with the errors of the scheme', async () => {
      const invalid = await rejection(
        authenticate(plan([[fakeScheme('basic')]]), request({ basic: 'bad' })),
      );
      expect(invalid).toMatchObject({ code: 'credentials_invalid', scheme: 'basic' });
      const malformed = await rejection(
        authenticate(plan([[fakeScheme('basic')]]), request({ basic: 'malformed' })),
      );
      expect(malformed).toMatchObject({ code: 'credentials_invalid', message: 'malformed' });
    });
  });

  describe('optional', () => {
    it('C-5: without credentials the caller is anonymous', async () => {
      await expect(
        authenticate(plan([[fakeScheme('bearer')]], { optional: true }), request()),
      ).resolves.toEqual({
        principal: undefined,
        scheme: undefined,
        principals: {},
      });
    });

    it('C-5: valid credentials still yield a principal', async () => {
      await expect(
        authenticate(plan([[fakeScheme('bearer')]], { optional: true }), request({ bearer: 't' })),
      ).resolves.toMatchObject({
        principal: { id: 'bearer:t' },
      });
    });

    it('C-5: invalid credentials are still a 401', async () => {
      const err = await rejection(
        authenticate(
          plan([[fakeScheme('bearer')]], { optional: true }),
          request({ bearer: 'bad' }),
        ),
      );
      expect(err).toMatchObject({ code: 'credentials_invalid' });
      expect((err as AuthenticationError).getStatus()).toBe(401);
    });
  });
});

describe('denial', () => {
  const context = (principals: Record<string, AuthPrincipal>): AuthContext => {
    const [scheme] = Object.keys(principals);
    return { principal: scheme === undefined ? undefined : principals[scheme], scheme, principals };
  };
  const routeWith = (options: {
    roles?: readonly string[];
    scopes?: readonly string[];
  }): RoutePlan => plan([[fakeScheme('bearer')]], options);

  function forbidden(route: RoutePlan, ctx: AuthContext): AuthorizationError {
    const err = denial(route, ctx);
    expect(err).toBeInstanceOf(AuthorizationError);
    return err!;
  }

  it('passes when nothing is required', () => {
    expect(denial(routeWith({}), context({ bearer: { id: 'u' } }))).toBeUndefined();
  });

  it('passes when the principal holds every required role and scope', () => {
    const ctx = context({
      bearer: { id: 'u', roles: ['admin', 'user'], scopes: ['read', 'write'] },
    });
    expect(denial(routeWith({ roles: ['admin'], scopes: ['read', 'write'] }), ctx)).toBeUndefined();
  });

  it('C-1: a missing role or scope is an AuthorizationError (403 insufficient_scope)', () => {
    const err = forbidden(
      routeWith({ roles: ['admin'], scopes: ['read'] }),
      context({ bearer: { id: 'u', roles: ['user'], scopes: ['read'] } }),
    );
    expect(err.getStatus()).toBe(403);
    expect(err).toMatchObject({
      code: 'insufficient_scope',
      scheme: 'bearer',
      schemes: ['bearer'],
      roles: ['admin'],
      scopes: ['read'],
    });
    const noScopes = forbidden(
      routeWith({ scopes: ['write'] }),
      context({ bearer: { id: 'u', scopes: ['read'] } }),
    );
    expect(noScopes.scopes).toEqual(['write']);
  });

  it('C-1: requires all the roles, not any', () => {
    forbidden(
      routeWith({ roles: ['admin', 'auditor'] }),
      context({ bearer: { id: 'u', roles: ['admin'] } }),
    );
  });

  it('C-5: counts roles and scopes held by any principal of an all-of group', () => {
    const ctx = context({
      apiKey: { id: 'k', roles: ['service'], scopes: ['write'] },
      bearer: { id: 'u', roles: ['user'], scopes: ['read'] },
    });
    const route = routeWith({ roles: ['service', 'user'], scopes: ['read', 'write'] });
    expect(denial(route, ctx)).toBeUndefined();
    const err = forbidden(routeWith({ roles: ['service', 'admin'] }), ctx);
    expect(err).toMatchObject({ scheme: 'apiKey', schemes: ['apiKey', 'bearer'] });
  });

  it('C-1: a role given as one string instead of a list counts as that role, not as a substring', () => {
    const single = { id: 'u', roles: 'admin' } as unknown as AuthPrincipal;
    expect(denial(routeWith({ roles: ['admin'] }), context({ bearer: single }))).toBeUndefined();
    forbidden(routeWith({ roles: ['min'] }), context({ bearer: single }));
  });

  it('lets an anonymous caller through (optional routes cannot require roles)', () => {
    expect(denial(routeWith({ roles: ['admin'] }), context({}))).toBeUndefined();
  });
});

describe('withRouteSchemes', () => {
  const route = plan([
    [fakeScheme('bearer')],
    [fakeScheme('apiKey'), fakeScheme('basic')],
    [fakeScheme('basic')],
  ]);

  it('C-2: gives an authentication error the schemes the route accepts, in declared order, once each', () => {
    const expiresAt = new Date('2030-01-01T00:00:00Z');
    const original = new AuthenticationError('token_expired', {
      scheme: 'bearer',
      description: 'The access token expired',
      expiresAt,
    });
    const result = withRouteSchemes(original, route);
    expect(result).toBeInstanceOf(AuthenticationError);
    expect(result).not.toBe(original);
    expect(result).toMatchObject({
      code: 'token_expired',
      scheme: 'bearer',
      schemes: ['bearer', 'apiKey', 'basic'],
      description: 'The access token expired',
      expiresAt,
      message: original.message,
    });
    expect((result as AuthenticationError).getStatus()).toBe(401);
  });

  it('keeps the status of an invalid_request (400)', () => {
    const result = withRouteSchemes(
      new AuthenticationError('invalid_request', { scheme: 'bearer' }),
      route,
    );
    expect((result as AuthenticationError).getStatus()).toBe(400);
  });

  it('copies one error once per route (a remembered rejection is answered many times)', () => {
    const remembered = new AuthenticationError('token_invalid', { scheme: 'bearer' });
    const other = plan([[fakeScheme('bearer')]]);
    const first = withRouteSchemes(remembered, route);
    expect(withRouteSchemes(remembered, route)).toBe(first);
    const forOther = withRouteSchemes(remembered, other);
    expect(forOther).not.toBe(first);
    expect(forOther).toMatchObject({ code: 'token_invalid', schemes: ['bearer'] });
    expect(remembered.schemes).toEqual([]);
  });

  it('leaves an error that already names its schemes, and any other error, unchanged', () => {
    const named = new AuthenticationError('credentials_missing').withSchemes(['basic']);
    expect(withRouteSchemes(named, route)).toBe(named);
    const forbidden = new AuthorizationError({ scheme: 'bearer', schemes: ['bearer'] });
    expect(withRouteSchemes(forbidden, route)).toBe(forbidden);
    const other = new Error('boom');
    expect(withRouteSchemes(other, route)).toBe(other);
  });
});

describe('routeSchemesOf', () => {
  it('C-2: a context knows the schemes of its route, anonymous ones too, and shows only its three fields', async () => {
    const bearerOnly = plan([[fakeScheme('bearer')]], { optional: true });
    const either = plan([[fakeScheme('apiKey')], [fakeScheme('basic')]], { optional: true });
    const first = await authenticate(bearerOnly, request());
    const second = await authenticate(either, request({ basic: 'alice' }));
    expect(routeSchemesOf(first)).toEqual(['bearer']);
    expect(routeSchemesOf(second)).toEqual(['apiKey', 'basic']);
    expect(Object.keys(second)).toEqual(['principal', 'scheme', 'principals']);
    expect(JSON.parse(JSON.stringify(second))).toEqual({
      principal: { id: 'basic:alice' },
      scheme: 'basic',
      principals: { basic: { id: 'basic:alice' } },
    });
    expect(routeSchemesOf(undefined)).toBeUndefined();
    expect(
      routeSchemesOf({ principal: undefined, scheme: undefined, principals: {} }),
    ).toBeUndefined();
  });
});
