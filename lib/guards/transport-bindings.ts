import { Injectable, type OnModuleDestroy } from '@nestjs/common';
import { DiscoveryService, MetadataScanner } from '@nestjs/core';
import { AuthExceptionFilter } from '../filters/auth-exception.filter.js';
import { AuthGuard } from './auth.guard.js';

/** Nest's metadata keys (@nestjs/common, @nestjs/microservices, @nestjs/websockets), by value. */
const GUARDS_METADATA = '__guards__';
const EXCEPTION_FILTERS_METADATA = '__exceptionFilters__';
const MESSAGE_PATTERN_METADATA = 'microservices:pattern';
const GATEWAY_MESSAGE_METADATA = 'message';
const GATEWAY_METADATA = 'websockets:is_gateway';

/**
 * Binds the module's guard and filter to every microservice message handler and every gateway
 * message handler (docs/contract.md C-7), because Nest applies no global guard or filter there in
 * some set-ups: a hybrid application's microservice connected without `inheritAppConfig: true`
 * gets neither, and gateways get no global filter. A handler that a global guard also reaches is
 * checked twice, with the same outcome. GraphQL resolvers and HTTP routes always get the global
 * guard and filter.
 *
 * The bindings are made while the application's providers are created (before gateways and
 * microservices read their handlers' metadata) and removed when the module is destroyed.
 */
@Injectable()
export class TransportBindings implements OnModuleDestroy {
  private readonly bound: Function[] = [];

  constructor(
    discovery: DiscoveryService,
    scanner: MetadataScanner,
    private readonly guard: AuthGuard,
    private readonly filter: AuthExceptionFilter,
  ) {
    const classes = [
      ...discovery.getControllers().map((wrapper) => wrapper.metatype),
      ...discovery
        .getProviders()
        .map((wrapper) => wrapper.metatype)
        .filter(
          (type) => typeof type === 'function' && Reflect.getMetadata(GATEWAY_METADATA, type),
        ),
    ];
    const seen = new Set<Function>();
    for (const type of classes) {
      if (typeof type !== 'function' || seen.has(type) || !type.prototype) continue;
      seen.add(type);
      const prototype = type.prototype as Record<string, unknown>;
      for (const method of scanner.getAllMethodNames(prototype)) {
        const handler = prototype[method];
        if (typeof handler === 'function' && isMessageHandler(handler)) this.bind(handler);
      }
    }
  }

  onModuleDestroy(): void {
    for (const handler of this.bound) {
      unbind(handler, GUARDS_METADATA, this.guard);
      unbind(handler, EXCEPTION_FILTERS_METADATA, this.filter);
    }
    this.bound.length = 0;
  }

  /** Puts the guard first (authentication before the handler's own guards) and the filter last. */
  private bind(handler: Function): void {
    const guards = (Reflect.getMetadata(GUARDS_METADATA, handler) ?? []) as unknown[];
    Reflect.defineMetadata(GUARDS_METADATA, [this.guard, ...guards], handler);
    const filters = (Reflect.getMetadata(EXCEPTION_FILTERS_METADATA, handler) ?? []) as unknown[];
    Reflect.defineMetadata(EXCEPTION_FILTERS_METADATA, [...filters, this.filter], handler);
    this.bound.push(handler);
  }
}

function isMessageHandler(handler: Function): boolean {
  return (
    Reflect.hasMetadata(MESSAGE_PATTERN_METADATA, handler) ||
    Reflect.hasMetadata(GATEWAY_MESSAGE_METADATA, handler)
  );
}

function unbind(handler: Function, key: string, instance: object): void {
  const list = (Reflect.getMetadata(key, handler) ?? []) as unknown[];
  Reflect.defineMetadata(
    key,
    list.filter((item) => item !== instance),
    handler,
  );
}
