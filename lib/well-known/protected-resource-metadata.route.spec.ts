import { describe, expect, it } from '@jest/globals';
import type { HttpAdapterHost } from '@nestjs/core';
import type { AuthRoutesExplorer, PlannedRoute } from '../core/auth-routes.explorer.js';
import { resolveAuthOptions } from '../options/resolve-options.js';
import { ProtectedResourceMetadataRoute } from './protected-resource-metadata.route.js';

/** docs/contract.md C-2.11: what the provider registers on the HTTP adapter, and when it does not. */

const validate = (): null => null;
const explorer = { routes: (): readonly PlannedRoute[] => [] } as unknown as AuthRoutesExplorer;

/** A stand-in HTTP adapter that records the routes registered and the replies sent. */
function fakeAdapter() {
  const routes: [string, (request: unknown, response: unknown) => void][] = [];
  const replies: [unknown, unknown, number | undefined][] = [];
  const adapter = {
    get: (path: string, handler: (request: unknown, response: unknown) => void) => {
      routes.push([path, handler]);
    },
    reply: (response: unknown, body: unknown, status?: number) => {
      replies.push([response, body, status]);
    },
  };
  return { host: { httpAdapter: adapter } as unknown as HttpAdapterHost, routes, replies };
}

function provider(resource: string | undefined, host: HttpAdapterHost) {
  const config = resolveAuthOptions({
    bearer: { validate },
    ...(resource ? { resourceMetadata: { resource } } : {}),
  });
  return new ProtectedResourceMetadataRoute(config, explorer, host);
}

describe('ProtectedResourceMetadataRoute', () => {
  it('C-2.11: registers GET on both well-known paths; each answers 200 with the same document', () => {
    const { host, routes, replies } = fakeAdapter();
    provider('https://api.example.com/v1', host).onModuleInit();
    expect(routes.map(([path]) => path)).toEqual([
      '/.well-known/oauth-protected-resource',
      '/.well-known/oauth-protected-resource/v1',
    ]);
    const response = {};
    routes[1]![1]({}, response);
    routes[0]![1]({}, response);
    const document = {
      resource: 'https://api.example.com/v1',
      bearer_methods_supported: ['header'],
    };
    expect(replies).toEqual([
      [response, document, 200],
      [response, document, 200],
    ]);
    expect(Object.isFrozen(replies[0]![1])).toBe(true);
  });

  it('C-2.11: registers nothing without the option', () => {
    const { host, routes } = fakeAdapter();
    provider(undefined, host).onModuleInit();
    expect(routes).toEqual([]);
  });

  it('registers nothing, and does not fail, without an HTTP server (a microservice, a context)', () => {
    const host = { httpAdapter: undefined } as unknown as HttpAdapterHost;
    expect(() => provider('https://api.example.com', host).onModuleInit()).not.toThrow();
  });
});
