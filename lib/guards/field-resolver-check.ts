import { Injectable, type OnModuleInit } from '@nestjs/common';
import { DiscoveryService, MetadataScanner, ModuleRef } from '@nestjs/core';
import { AuthRoutesExplorer } from '../core/auth-routes.explorer.js';
import { routeName } from '../core/route-plan.js';
import { AuthConfigurationError } from '../errors/auth-configuration.error.js';

/** @nestjs/graphql's metadata key of `@ResolveField()` methods and its options token, by value. */
const FIELD_RESOLVER_METADATA = 'graphql:resolve_property';
const GRAPHQL_MODULE_OPTIONS = 'GqlModuleOptions';

/**
 * Refuses to start an application whose GraphQL field resolvers (`@ResolveField()`) are covered by
 * `@Auth()` or the `default` option while Nest runs no guard on them: @nestjs/graphql binds field
 * resolvers without guards and filters unless `fieldResolverEnhancers` names them, which would
 * leave those fields open (docs/contract.md C-7.1). Failing at start-up is the only closed choice.
 */
@Injectable()
export class FieldResolverCheck implements OnModuleInit {
  constructor(
    private readonly discovery: DiscoveryService,
    private readonly scanner: MetadataScanner,
    private readonly routes: AuthRoutesExplorer,
    private readonly moduleRef: ModuleRef,
  ) {}

  onModuleInit(): void {
    const covered = this.coveredFieldResolvers();
    if (covered.length === 0) return;
    const enhancers = this.graphqlOptions()?.fieldResolverEnhancers ?? [];
    const missing = (['guards', 'filters'] as const).filter((name) => !enhancers.includes(name));
    if (missing.length === 0) return;
    throw new AuthConfigurationError(
      `${covered.join(', ')} ${covered.length > 1 ? 'are field resolvers' : 'is a field resolver'} ` +
        'covered by @Auth() or the `default` option, but @nestjs/graphql runs no ' +
        `${missing.join(' and ')} on field resolvers unless told to: pass ` +
        "`fieldResolverEnhancers: ['guards', 'filters']` to GraphQLModule.forRoot() " +
        '(or mark the field resolvers @Public()).',
    );
  }

  /** Names of the field resolvers that have a plan (`Class.method`). */
  private coveredFieldResolvers(): string[] {
    const names: string[] = [];
    for (const wrapper of this.discovery.getProviders()) {
      const type = wrapper.metatype as Function | null | undefined;
      if (typeof type !== 'function' || !type.prototype) continue;
      const prototype = type.prototype as Record<string, unknown>;
      for (const method of this.scanner.getAllMethodNames(prototype)) {
        const handler = prototype[method];
        if (typeof handler !== 'function') continue;
        if (Reflect.getMetadata(FIELD_RESOLVER_METADATA, handler) !== true) continue;
        if (this.routes.plan(type, handler) !== null) names.push(routeName(type, handler));
      }
    }
    return names;
  }

  /** The GraphQL module's options, when the application has one. */
  private graphqlOptions(): { fieldResolverEnhancers?: readonly string[] } | undefined {
    try {
      return this.moduleRef.get<{ fieldResolverEnhancers?: readonly string[] }>(
        GRAPHQL_MODULE_OPTIONS,
        { strict: false },
      );
    } catch {
      return undefined;
    }
  }
}
