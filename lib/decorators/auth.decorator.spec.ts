import 'reflect-metadata';
import { describe, expect, it } from '@jest/globals';
import { Reflector } from '@nestjs/core';
import { AUTH_METADATA } from '../auth.constants.js';
import { AuthConfigurationError } from '../errors/auth-configuration.error.js';
import { planRoute } from '../core/route-plan.js';
import { toRequirement } from '../options/requirement.js';
import { resolveAuthOptions, type ResolvedAuthOptions } from '../options/resolve-options.js';
import { Auth } from './auth.decorator.js';
import { Public } from './public.decorator.js';

function configurationError(run: () => unknown): string {
  try {
    run();
  } catch (err) {
    expect(err).toBeInstanceOf(AuthConfigurationError);
    return (err as Error).message;
  }
  throw new Error('did not throw');
}

describe('toRequirement', () => {
  it('C-5: scheme names are any-of alternatives, in declared order', () => {
    expect(toRequirement(['bearer', 'basic'], false)).toEqual({
      public: false,
      alternatives: [['bearer'], ['basic']],
      optional: false,
      roles: [],
      scopes: [],
    });
  });

  it('C-5: an { all } group is one all-of alternative', () => {
    expect(toRequirement([{ all: ['apiKey', 'bearer'] }, 'basic'], false).alternatives).toEqual([
      ['apiKey', 'bearer'],
      ['basic'],
    ]);
  });

  it('no arguments means the module defaults (empty alternatives)', () => {
    expect(toRequirement([], false)).toEqual({
      public: false,
      alternatives: [],
      optional: false,
      roles: [],
      scopes: [],
    });
  });

  it('reads roles and scopes from an options object in last position', () => {
    expect(
      toRequirement(['bearer', { roles: ['admin'], scopes: ['read', 'write'] }], false),
    ).toEqual({
      public: false,
      alternatives: [['bearer']],
      optional: false,
      roles: ['admin'],
      scopes: ['read', 'write'],
    });
    expect(toRequirement([{ scopes: ['read'] }], false)).toMatchObject({
      alternatives: [],
      roles: [],
      scopes: ['read'],
    });
  });

  it('C-5: marks an optional requirement', () => {
    expect(toRequirement(['bearer'], true)).toMatchObject({
      optional: true,
      alternatives: [['bearer']],
    });
  });

  it.each([
    ['an empty name', ['']],
    ['a number', [1]],
    ['null', [null]],
    ['undefined', [undefined]],
    ['an options object before a scheme', [{ roles: ['a'] }, 'bearer']],
    ['an array of names instead of separate arguments', [['bearer', 'basic']]],
  ])('rejects %s', (_what, args) => {
    expect(configurationError(() => toRequirement(args, false))).toContain(
      '@Auth(): expected scheme names, { all: [...] } groups and an optional options object',
    );
  });

  it('rejects malformed all-of groups', () => {
    expect(configurationError(() => toRequirement([{ all: [] }], false))).toBe(
      'nest-http-auth: @Auth(): an `all` group must name at least one scheme.',
    );
    expect(configurationError(() => toRequirement([{ all: 'bearer' }], false))).toBe(
      'nest-http-auth: @Auth(): `all` must be an array of non-empty strings.',
    );
    expect(configurationError(() => toRequirement([{ all: ['bearer', ''] }], false))).toContain(
      '`all` must be an array',
    );
  });

  it('rejects roles and scopes that are not arrays of non-empty strings', () => {
    expect(configurationError(() => toRequirement(['bearer', { roles: 'admin' }], false))).toBe(
      'nest-http-auth: @Auth(): `roles` must be an array of non-empty strings.',
    );
    expect(configurationError(() => toRequirement(['bearer', { scopes: [''] }], false))).toBe(
      'nest-http-auth: @Auth(): `scopes` must be an array of non-empty strings.',
    );
  });

  it('C-5: an optional route cannot require roles or scopes', () => {
    const message =
      'nest-http-auth: @Auth.optional(): an optional route cannot require roles or scopes.';
    expect(configurationError(() => toRequirement(['bearer', { roles: ['admin'] }], true))).toBe(
      message,
    );
    expect(configurationError(() => toRequirement([{ scopes: ['read'] }], true))).toBe(message);
    expect(toRequirement(['bearer', { roles: [] }], true)).toMatchObject({
      optional: true,
      roles: [],
    });
  });
});

describe('@Auth() / @Auth.optional() / @Public() metadata', () => {
  const reflector = new Reflector();

  @Auth('basic')
  class Controller {
    @Auth('bearer', { all: ['apiKey', 'basic'] }, { roles: ['admin'] })
    guarded(): void {}

    @Auth.optional('bearer')
    optional(): void {}

    @Public()
    open(): void {}

    inherited(): void {}
  }

  @Public()
  class PublicController {
    @Auth()
    guarded(): void {}

    open(): void {}
  }

  it('writes one metadata object under AUTH_METADATA', () => {
    expect(Reflect.getMetadata(AUTH_METADATA, Controller.prototype.guarded)).toEqual({
      public: false,
      alternatives: [['bearer'], ['apiKey', 'basic']],
      optional: false,
      roles: ['admin'],
      scopes: [],
    });
    expect(Reflect.getMetadata(AUTH_METADATA, Controller)).toEqual({
      public: false,
      alternatives: [['basic']],
      optional: false,
      roles: [],
      scopes: [],
    });
    expect(Reflect.getMetadataKeys(Controller.prototype.guarded)).toEqual([AUTH_METADATA]);
  });

  it('C-5: @Auth.optional() writes an optional requirement', () => {
    expect(Reflect.getMetadata(AUTH_METADATA, Controller.prototype.optional)).toMatchObject({
      optional: true,
      alternatives: [['bearer']],
    });
  });

  it('C-5: @Public() writes { public: true }', () => {
    expect(Reflect.getMetadata(AUTH_METADATA, Controller.prototype.open)).toEqual({ public: true });
  });

  describe('C-5.6: precedence, as the guard and the OpenAPI document see it (planRoute)', () => {
    class Plain {
      undecorated(): void {}
    }

    const options = {
      basic: { validate: () => null },
      bearer: { jwt: { secret: 'a-32-byte-long-shared-hs256-key!' } },
      apiKey: { validate: () => null },
    };
    const withoutDefault = resolveAuthOptions(options);
    const withDefault = resolveAuthOptions({ ...options, default: ['bearer'] });

    /** The plan of a route, with its schemes by name (instances are the configured ones). */
    function plan(config: ResolvedAuthOptions, controller: Function, handler: Function) {
      const routePlan = planRoute(reflector, config, controller, handler);
      if (routePlan === null) return null;
      for (const group of routePlan.groups)
        for (const scheme of group) expect(config.schemes.get(scheme.name)).toBe(scheme);
      return {
        requirement: routePlan.requirement,
        groups: routePlan.groups.map((group) => group.map((scheme) => scheme.name)),
        schemeNames: routePlan.schemeNames,
      };
    }

    it.each<[string, ResolvedAuthOptions]>([
      ['without', withoutDefault],
      ['with', withDefault],
    ])("C-5.6: a method's @Auth() overrides its class's (%s a default)", (_, config) => {
      expect(plan(config, Controller, Controller.prototype.guarded)).toEqual({
        requirement: {
          public: false,
          alternatives: [['bearer'], ['apiKey', 'basic']],
          optional: false,
          roles: ['admin'],
          scopes: [],
        },
        groups: [['bearer'], ['apiKey', 'basic']],
        schemeNames: ['bearer', 'apiKey', 'basic'],
      });
      expect(plan(config, Controller, Controller.prototype.optional)).toMatchObject({
        requirement: { optional: true, alternatives: [['bearer']] },
        groups: [['bearer']],
      });
    });

    it.each<[string, ResolvedAuthOptions]>([
      ['without', withoutDefault],
      ['with', withDefault],
    ])(
      "C-5.6: a method without a decorator gets its class's @Auth() (%s a default)",
      (_, config) => {
        expect(plan(config, Controller, Controller.prototype.inherited)).toEqual({
          requirement: {
            public: false,
            alternatives: [['basic']],
            optional: false,
            roles: [],
            scopes: [],
          },
          groups: [['basic']],
          schemeNames: ['basic'],
        });
      },
    );

    it('C-5.6: @Public() on a method takes it out of the class-level @Auth() and of the default', () => {
      expect(plan(withoutDefault, Controller, Controller.prototype.open)).toBeNull();
      expect(plan(withDefault, Controller, Controller.prototype.open)).toBeNull();
    });

    it('C-5.6: @Public() on a class opens its undecorated methods, even under a default', () => {
      expect(plan(withoutDefault, PublicController, PublicController.prototype.open)).toBeNull();
      expect(plan(withDefault, PublicController, PublicController.prototype.open)).toBeNull();
    });

    it('C-5.6: a bare @Auth() under a public class means the default, else every configured scheme', () => {
      expect(plan(withDefault, PublicController, PublicController.prototype.guarded)).toMatchObject(
        {
          requirement: { public: false, alternatives: [['bearer']] },
          groups: [['bearer']],
          schemeNames: ['bearer'],
        },
      );
      expect(
        plan(withoutDefault, PublicController, PublicController.prototype.guarded),
      ).toMatchObject({
        requirement: { public: false, alternatives: [['basic'], ['bearer'], ['apiKey']] },
        groups: [['basic'], ['bearer'], ['apiKey']],
        schemeNames: ['basic', 'bearer', 'apiKey'],
      });
    });

    it('C-5.6: a route without any decorator is open, unless the default covers it', () => {
      expect(plan(withoutDefault, Plain, Plain.prototype.undecorated)).toBeNull();
      expect(plan(withDefault, Plain, Plain.prototype.undecorated)).toEqual({
        requirement: {
          public: false,
          alternatives: [['bearer']],
          optional: false,
          roles: [],
          scopes: [],
        },
        groups: [['bearer']],
        schemeNames: ['bearer'],
      });
    });
  });

  it('throws at decoration time for invalid arguments', () => {
    expect(configurationError(() => Auth('bearer', { roles: 'admin' } as never))).toContain(
      '`roles` must be an array',
    );
    expect(
      configurationError(() => Auth.optional('bearer', { roles: ['admin'] } as never)),
    ).toContain('optional route');
  });
});
