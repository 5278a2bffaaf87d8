import { describe, expect, it, jest } from '@jest/globals';
import { Logger } from '@nestjs/common';
import { HttpAdapterHost, Reflector } from '@nestjs/core';
import { ExecutionContextHost } from '@nestjs/core/helpers/execution-context-host.js';
import { VerificationCache } from '../cache/verification-cache.js';
import type { AuthRoutesExplorer } from '../core/auth-routes.explorer.js';
import { CredentialVerifier } from '../core/credential-verifier.js';
import { planRoute } from '../core/route-plan.js';
import { Auth } from '../decorators/auth.decorator.js';
import { Public } from '../decorators/public.decorator.js';
import { CurrentAuth, Principal } from '../decorators/principal.decorator.js';
import { AuthenticationError, AuthorizationError } from '../errors/auth.error.js';
import type { AuthModuleOptions } from '../interfaces/auth-options.interface.js';
import type { AuthPrincipal } from '../interfaces/auth-principal.interface.js';
import { resolveAuthOptions } from '../options/resolve-options.js';
import { AuthGuard } from './auth.guard.js';

/*
 * docs/contract.md C-7: the guard enforces a handler's plan whatever the context type, and denies a
 * context type it cannot read credentials from. The e2e suites prove the same with the real servers.
 */

class Handlers {
  @Auth('apiKey')
  keyed(): void {}

  @Auth('apiKey', { roles: ['admin'] })
  admin(): void {}

  @Auth.optional('apiKey')
  maybe(): void {}

  @Public()
  open(): void {}

  implicit(): void {}
}

const KEYS: Readonly<Record<string, AuthPrincipal>> = {
  'key-alice': { id: 'alice', roles: ['user'] },
};

function setUp(options: Partial<AuthModuleOptions> = {}) {
  const config = resolveAuthOptions({
    apiKey: { validate: (key) => KEYS[key] ?? null },
    ...options,
  });
  const reflector = new Reflector();
  const routes = {
    plan: (controller: Function, handler: Function) =>
      planRoute(reflector, config, controller, handler),
  } as AuthRoutesExplorer;
  return new AuthGuard(
    routes,
    new CredentialVerifier(config, new VerificationCache(config.cache)),
    new HttpAdapterHost(),
    config,
  );
}

type Handler = keyof Handlers;

function call(type: string, handler: Handler, args: unknown[]): ExecutionContextHost {
  const context = new ExecutionContextHost(args, Handlers, Handlers.prototype[handler]);
  context.setType(type);
  return context;
}

/** A GraphQL resolver call over HTTP: (root, args, context with the request, info). */
function graphqlCall(handler: Handler, headers: Record<string, string>) {
  return call('graphql', handler, [{}, {}, { req: { headers } }, { path: { key: handler } }]);
}

/** A socket.io gateway message: (client with its handshake, data). */
function gatewayCall(handler: Handler, auth: Record<string, string>) {
  return call('ws', handler, [{ handshake: { headers: {}, auth, query: {} } }, { n: 1 }]);
}

/** A microservice message: (data, transport context). */
function rpcCall(handler: Handler, data: unknown) {
  return call('rpc', handler, [data, { args: [] }]);
}

async function refusal(result: unknown): Promise<unknown> {
  expect(result).toBeInstanceOf(Promise);
  return (result as Promise<unknown>).then(
    () => {
      throw new Error('expected the call to be refused');
    },
    (error: unknown) => error,
  );
}

/** What a parameter decorator made with `createParamDecorator` computes for a context. */
function param(
  decorator: ParameterDecorator,
  data: unknown,
  context: ExecutionContextHost,
): unknown {
  class Probe {
    probe(_: unknown): void {}
  }
  decorator(Probe.prototype, 'probe', 0);
  const metadata = Reflect.getMetadata('__routeArguments__', Probe, 'probe') as Record<
    string,
    { factory: (data: unknown, context: ExecutionContextHost) => unknown }
  >;
  return Object.values(metadata)[0]!.factory(data, context);
}

describe('AuthGuard on other transports (C-7)', () => {
  it.each(['graphql', 'ws', 'rpc'])('C-7: lets a @Public() handler through on %s', (type) => {
    expect(setUp().canActivate(call(type, 'open', [{}, {}, {}, {}]))).toBe(true);
  });

  it('C-7: a GraphQL call without credentials is a credentials_missing refusal naming the schemes', async () => {
    const error = await refusal(setUp().canActivate(graphqlCall('keyed', {})));
    expect(error).toBeInstanceOf(AuthenticationError);
    expect(error).toMatchObject({ code: 'credentials_missing', schemes: ['apiKey'] });
  });

  it('C-7: a GraphQL call reads the HTTP request of its context; @Principal() finds the principal', async () => {
    const context = graphqlCall('keyed', { 'x-api-key': 'key-alice' });
    await expect(setUp().canActivate(context)).resolves.toBe(true);
    expect(param(Principal(), 'id', context)).toBe('alice');
    expect(param(CurrentAuth(), undefined, context)).toMatchObject({ scheme: 'apiKey' });
    // Another field of the same operation has a context of its own.
    expect(param(Principal(), 'id', graphqlCall('keyed', { 'x-api-key': 'key-alice' }))).toBe(
      undefined,
    );
  });

  it('C-7: a wrong credential on a gateway is credentials_invalid; a valid one in the socket.io auth payload passes', async () => {
    const guard = setUp();
    expect(
      await refusal(guard.canActivate(gatewayCall('keyed', { 'X-API-Key': 'nope' }))),
    ).toMatchObject({
      code: 'credentials_invalid',
    });
    await expect(
      guard.canActivate(gatewayCall('keyed', { 'X-API-Key': 'key-alice' })),
    ).resolves.toBe(true);
  });

  it('C-7: roles are checked on every transport (403 insufficient_scope)', async () => {
    const error = await refusal(
      setUp().canActivate(gatewayCall('admin', { 'x-api-key': 'key-alice' })),
    );
    expect(error).toBeInstanceOf(AuthorizationError);
  });

  it('C-7: without rpc.credentials a message carries no credentials, even one with a key in it', async () => {
    const error = await refusal(
      setUp().canActivate(rpcCall('keyed', { 'x-api-key': 'key-alice' })),
    );
    expect(error).toMatchObject({ code: 'credentials_missing' });
  });

  it('C-7: with rpc.credentials the message is verified by the same schemes', async () => {
    const guard = setUp({
      rpc: { credentials: (data) => ({ 'x-api-key': (data as { key?: unknown }).key }) },
    });
    const context = rpcCall('keyed', { key: 'key-alice' });
    await expect(guard.canActivate(context)).resolves.toBe(true);
    expect(param(Principal(), 'id', context)).toBe('alice');
    expect(await refusal(guard.canActivate(rpcCall('keyed', { key: 42 })))).toMatchObject({
      code: 'credentials_missing',
    });
  });

  it('C-7: the global default covers handlers without @Auth() on every transport', async () => {
    const guard = setUp({ default: ['apiKey'] });
    for (const context of [
      graphqlCall('implicit', {}),
      gatewayCall('implicit', {}),
      rpcCall('implicit', {}),
    ]) {
      expect(await refusal(guard.canActivate(context))).toMatchObject({
        code: 'credentials_missing',
      });
    }
  });

  it('C-7: an optional handler lets an anonymous call through, and still refuses a wrong credential', async () => {
    const guard = setUp();
    const anonymous = gatewayCall('maybe', {});
    await expect(Promise.resolve(guard.canActivate(anonymous))).resolves.toBe(true);
    expect(param(Principal(), undefined, anonymous)).toBeUndefined();
    expect(
      await refusal(guard.canActivate(gatewayCall('maybe', { 'x-api-key': 'bad' }))),
    ).toMatchObject({
      code: 'credentials_invalid',
    });
  });

  it('C-7: a context type the module cannot read is denied, never allowed, and an open handler stays open', async () => {
    const guard = setUp();
    const logged = jest.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
    const error = await refusal(guard.canActivate(call('kafka-streams', 'keyed', [{}])));
    await refusal(guard.canActivate(call('kafka-streams', 'keyed', [{}])));
    // Logged once per handler, naming it.
    expect(logged).toHaveBeenCalledTimes(1);
    expect(String(logged.mock.calls[0]?.[0])).toContain('Handlers.keyed');
    logged.mockRestore();
    expect(error).toBeInstanceOf(AuthenticationError);
    expect((error as Error).message).toContain('Handlers.keyed');
    expect((error as Error).message).toContain('"kafka-streams"');
    expect(guard.canActivate(call('kafka-streams', 'open', [{}]))).toBe(true);
  });

  it('C-7: a GraphQL context without any request is treated as a call without credentials', async () => {
    const error = await refusal(
      setUp().canActivate(call('graphql', 'keyed', [{}, {}, undefined, {}])),
    );
    expect(error).toMatchObject({ code: 'credentials_missing' });
  });
});
