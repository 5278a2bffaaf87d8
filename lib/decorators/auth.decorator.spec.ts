import 'reflect-metadata';
import { describe, expect, it } from '@jest/globals';
import { Reflector } from '@nestjs/core';
import { AUTH_METADATA } from '../auth.constants.js';
import { AuthConfigurationError } from '../errors/auth-configuration.error.js';
import type { AuthMetadata } from '../interfaces/auth-metadata.interface.js';
import { toRequirement } from '../options/requirement.js';
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

  const effective = (controller: Function, handler: Function): AuthMetadata | undefined =>
    reflector.getAllAndOverride<AuthMetadata | undefined>(AUTH_METADATA, [handler, controller]);

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

  it('C-5: method metadata overrides class metadata with getAllAndOverride', () => {
    expect(effective(Controller, Controller.prototype.guarded)).toMatchObject({
      alternatives: [['bearer'], ['apiKey', 'basic']],
    });
    expect(effective(Controller, Controller.prototype.open)).toEqual({ public: true });
    expect(effective(Controller, Controller.prototype.inherited)).toMatchObject({
      alternatives: [['basic']],
      roles: [],
    });
    expect(effective(PublicController, PublicController.prototype.guarded)).toMatchObject({
      public: false,
      alternatives: [],
    });
    expect(effective(PublicController, PublicController.prototype.open)).toEqual({ public: true });
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
