import { describe, expect, it, jest } from '@jest/globals';
import { type ExecutionContext, Logger } from '@nestjs/common';
import { HttpAdapterHost, Reflector } from '@nestjs/core';
import { ExecutionContextHost } from '@nestjs/core/helpers/execution-context-host.js';
import { VerificationCache } from '../cache/verification-cache.js';
import type { AuthRoutesExplorer } from '../core/auth-routes.explorer.js';
import { CredentialVerifier } from '../core/credential-verifier.js';
import { planRoute } from '../core/route-plan.js';
import { Auth } from '../decorators/auth.decorator.js';
import { authContextOf } from '../core/request-auth-context.js';
import { Public } from '../decorators/public.decorator.js';
import {
  AuthenticationError,
  AuthorizationError,
  AuthUnavailableError,
} from '../errors/auth.error.js';
import type { AuthModuleOptions } from '../interfaces/auth-options.interface.js';
import type { AuthPrincipal } from '../interfaces/auth-principal.interface.js';
import { resolveAuthOptions } from '../options/resolve-options.js';
import type { AuthStore } from '../stores/auth-store.interface.js';
import { MemoryAuthStore } from '../stores/memory-auth.store.js';
import { AuthGuard } from './auth.guard.js';
import { rejection } from '../../test/support/rejection.js';

class ReportsController {
  @Public()
  health(): void {}

  @Auth('apiKey')
  list(): void {}

  @Auth('apiKey', { roles: ['admin'] })
  purge(): void {}

  @Auth('apiKey', 'basic')
  either(): void {}
}

const KEYS: Readonly<Record<string, AuthPrincipal>> = {
  'key-alice': { id: 'alice', roles: ['user'] },
};

/** A store whose connection can be cut, like Redis's. */
class SwitchableStore extends MemoryAuthStore implements AuthStore {
  connected = true;
  available(): boolean {
    return this.connected;
  }
}

function setUp(options: Partial<AuthModuleOptions> = {}, platform?: 'express' | 'fastify') {
  const validated: string[] = [];
  const config = resolveAuthOptions({
    apiKey: {
      validate: (key: string) => {
        validated.push(key);
        return KEYS[key] ?? null;
      },
    },
    basic: { validate: () => null },
    ...options,
  });
  const reflector = new Reflector();
  const routes = {
    plan: (controller: Function, handler: Function) =>
      planRoute(reflector, config, controller, handler),
  } as AuthRoutesExplorer;
  const guard = new AuthGuard(
    routes,
    new CredentialVerifier(config, new VerificationCache(config.cache)),
    Object.assign(new HttpAdapterHost(), {
      httpAdapter: platform && { getType: () => platform },
    }),
    config,
  );
  return { guard, validated };
}

function contextOf(handler: keyof ReportsController, headers: Record<string, string> = {}) {
  const request = { headers };
  const context: ExecutionContext = new ExecutionContextHost(
    [request, {}, undefined],
    ReportsController,
    ReportsController.prototype[handler],
  );
  return { context, request };
}

describe('AuthGuard', () => {
  it('lets an open route through at once', () => {
    const { guard } = setUp();
    expect(guard.canActivate(contextOf('health').context)).toBe(true);
  });

  it('verifies a credential once, then answers it from the cache at once (true, not a promise)', async () => {
    const { guard, validated } = setUp();
    const first = contextOf('list', { 'x-api-key': 'key-alice' });
    const verdict = guard.canActivate(first.context);
    expect(verdict).toBeInstanceOf(Promise);
    await expect(verdict).resolves.toBe(true);

    const again = contextOf('list', { 'x-api-key': 'key-alice' });
    expect(guard.canActivate(again.context)).toBe(true);
    expect(authContextOf(again.request)).toMatchObject({
      principal: KEYS['key-alice'],
      scheme: 'apiKey',
      principals: { apiKey: KEYS['key-alice'] },
    });
    expect((again.request as { user?: unknown }).user).toBe(KEYS['key-alice']);
    expect(validated).toEqual(['key-alice']);
  });

  it.each(['express', 'fastify'] as const)(
    'on %s, keeps the context where @Principal() finds it, and sets passport’s request.user',
    async (platform) => {
      const { guard } = setUp({}, platform);
      const { context, request } = contextOf('list', { 'x-api-key': 'key-alice' });
      await expect(guard.canActivate(context)).resolves.toBe(true);
      expect(authContextOf(request)?.principal).toBe(KEYS['key-alice']);
      expect((request as { user?: unknown }).user).toBe(KEYS['key-alice']);
      // Express request objects get no property but `user` (each one costs a hidden class there).
      expect(Object.getOwnPropertySymbols(request)).toHaveLength(platform === 'express' ? 0 : 1);
    },
  );

  it('C-1: a remembered wrong credential is a 401 naming the route’s schemes, without verifying again', async () => {
    const { guard, validated } = setUp();
    for (let i = 0; i < 3; i++) {
      const error = await rejection(
        guard.canActivate(contextOf('either', { 'x-api-key': 'key-mallory' }).context),
      );
      expect(error).toBeInstanceOf(AuthenticationError);
      expect(error).toMatchObject({ code: 'credentials_invalid', schemes: ['apiKey', 'basic'] });
    }
    expect(validated).toEqual(['key-mallory']);
  });

  it('C-1: a remembered principal without the role is a 403', async () => {
    const { guard } = setUp();
    await guard.canActivate(contextOf('list', { 'x-api-key': 'key-alice' }).context);
    const error = await rejection(
      guard.canActivate(contextOf('purge', { 'x-api-key': 'key-alice' }).context),
    );
    expect(error).toBeInstanceOf(AuthorizationError);
    expect(error).toMatchObject({ roles: ['admin'], schemes: ['apiKey'] });
  });

  it('C-1: while the store is unreachable, a remembered credential is a 503 too', async () => {
    const store = new SwitchableStore();
    const { guard } = setUp({ store });
    await guard.canActivate(contextOf('list', { 'x-api-key': 'key-alice' }).context);
    store.connected = false;
    const logged = jest.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
    try {
      const error = await rejection(
        guard.canActivate(contextOf('list', { 'x-api-key': 'key-alice' }).context),
      );
      expect(error).toBeInstanceOf(AuthUnavailableError);
      // The outage is logged, naming why and never the credential.
      expect(logged.mock.calls.map(([line]) => String(line))).toEqual([
        'The auth store is unreachable (the store reports it is not connected): answering 503 until it is back.',
      ]);
    } finally {
      logged.mockRestore();
    }
    store.connected = true;
    expect(guard.canActivate(contextOf('list', { 'x-api-key': 'key-alice' }).context)).toBe(true);
  });

  it('C-1: with throttling, a remembered wrong credential still counts towards the 429', async () => {
    const { guard, validated } = setUp({ throttle: { maxFailures: 2 } });
    const attempt = (key: string) =>
      rejection(guard.canActivate(contextOf('list', { 'x-api-key': key }).context));
    await expect(attempt('key-mallory')).resolves.toMatchObject({ code: 'credentials_invalid' });
    // Remembered: not verified again, but counted.
    await expect(attempt('key-mallory')).resolves.toMatchObject({ code: 'credentials_invalid' });
    await expect(attempt('key-eve')).resolves.toMatchObject({ code: 'too_many_attempts' });
    expect(validated).toEqual(['key-mallory']);
  });

  it('cache: false verifies every request', async () => {
    const { guard, validated } = setUp({ cache: false });
    for (let i = 0; i < 2; i++) {
      await expect(
        guard.canActivate(contextOf('list', { 'x-api-key': 'key-alice' }).context),
      ).resolves.toBe(true);
    }
    expect(validated).toEqual(['key-alice', 'key-alice']);
  });
});
