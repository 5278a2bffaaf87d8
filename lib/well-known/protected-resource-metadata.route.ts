import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { AUTH_CONFIG } from '../auth.constants.js';
import { AuthRoutesExplorer } from '../core/auth-routes.explorer.js';
import type { ResolvedAuthOptions } from '../options/resolve-options.js';
import { protectedResourceMetadata } from './protected-resource-metadata.js';

/**
 * Serves the protected resource metadata document (RFC 9728 §3) when `resourceMetadata` is
 * configured: `GET /.well-known/oauth-protected-resource`, and its path-suffixed form when the
 * resource has a path, as `application/json`, to anyone (docs/contract.md C-2.11).
 *
 * The routes are registered on the HTTP adapter itself, on Express and Fastify alike, while the
 * application initialises (after the controllers' routes, before Express's not-found handler and
 * before Fastify is ready): they are no controller routes, so the global guard, the global prefix,
 * versioning and the OpenAPI document leave them alone. An application without an HTTP server
 * (a microservice, an application context) gets no route.
 */
@Injectable()
export class ProtectedResourceMetadataRoute implements OnModuleInit {
  constructor(
    @Inject(AUTH_CONFIG) private readonly config: ResolvedAuthOptions,
    @Inject(AuthRoutesExplorer) private readonly explorer: AuthRoutesExplorer,
    @Inject(HttpAdapterHost) private readonly adapterHost: HttpAdapterHost,
  ) {}

  onModuleInit(): void {
    const metadata = this.config.resourceMetadata;
    const adapter = this.adapterHost.httpAdapter as HttpAdapterHost['httpAdapter'] | undefined;
    if (!metadata || !adapter) return;
    // Built once: the plans, and so the derived scopes, are fixed at start-up.
    const document = Object.freeze(protectedResourceMetadata(metadata, this.explorer.routes()));
    const serve = (_request: unknown, response: unknown): void => {
      adapter.reply(response, document, 200);
    };
    for (const path of metadata.paths) adapter.get(path, serve);
  }
}
