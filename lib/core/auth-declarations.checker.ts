import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import { DiscoveryService, MetadataScanner, Reflector } from '@nestjs/core';
import { AUTH_CONFIG } from '../auth.constants.js';
import type { ResolvedAuthOptions } from '../options/resolve-options.js';
import { planRoute } from './route-plan.js';

/**
 * At start-up, plans every route of every controller once, so that an `@Auth()` naming a scheme
 * that is not configured stops the application with a clear message instead of failing requests.
 */
@Injectable()
export class AuthDeclarationsChecker implements OnModuleInit {
  constructor(
    private readonly discovery: DiscoveryService,
    private readonly scanner: MetadataScanner,
    private readonly reflector: Reflector,
    @Inject(AUTH_CONFIG) private readonly config: ResolvedAuthOptions,
  ) {}

  onModuleInit(): void {
    for (const wrapper of this.discovery.getControllers()) {
      const controller = wrapper.metatype as Function | null;
      if (!controller?.prototype) continue;
      for (const method of this.scanner.getAllMethodNames(controller.prototype)) {
        const handler = (controller.prototype as Record<string, unknown>)[method];
        if (typeof handler === 'function') planRoute(this.reflector, this.config, controller, handler);
      }
    }
  }
}
