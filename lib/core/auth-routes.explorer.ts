import { Inject, Injectable } from '@nestjs/common';
import { DiscoveryService, MetadataScanner, Reflector } from '@nestjs/core';
import { AUTH_CONFIG } from '../auth.constants.js';
import type { ResolvedAuthOptions } from '../options/resolve-options.js';
import { planRoute, routeName, type RoutePlan } from './route-plan.js';

/** The operation extension that ties an OpenAPI operation to the route it documents. */
export const ROUTE_EXTENSION = 'x-nest-http-auth-route';

/** Nest's route path metadata key (`@Get()` & co.), and @nestjs/swagger's extension metadata key. */
const PATH_METADATA = 'path';
const SWAGGER_EXTENSIONS = 'swagger/apiExtension';

const routeIds = new WeakMap<Function, string>();
let nextRouteId = 0;

/** A stable id per handler function, the same in every application that shares the controller. */
function routeId(controller: Function, handler: Function): string {
  let id = routeIds.get(handler);
  if (id === undefined)
    routeIds.set(handler, (id = `${routeName(controller, handler)}#${nextRouteId++}`));
  return id;
}

/** A controller route as the explorer found it at start-up, with the plan the guard enforces on it. */
export interface PlannedRoute {
  readonly controller: Function;
  readonly handler: Function;
  /** The class of the module that declares the controller (for a `RouterModule` path). */
  readonly module: Function | undefined;
  /** `null`: the route is open. */
  readonly plan: RoutePlan | null;
}

/**
 * Plans every route of the application once, while Nest instantiates providers (before
 * `createDocument()` can run):
 * - an `@Auth()` naming a scheme that is not configured stops start-up with a clear message;
 * - each handler is tagged with an OpenAPI operation extension, so that the document can be derived
 *   from exactly the plan the guard enforces.
 */
@Injectable()
export class AuthRoutesExplorer {
  /** Plans by OpenAPI route id. */
  private readonly plans = new Map<string, RoutePlan | null>();
  /** The same plans by controller and handler, for the guard. */
  private readonly byRoute = new WeakMap<Function, WeakMap<Function, RoutePlan | null>>();
  /** Every controller route, in discovery order. */
  private readonly planned: PlannedRoute[] = [];

  constructor(
    discovery: DiscoveryService,
    scanner: MetadataScanner,
    private readonly reflector: Reflector,
    @Inject(AUTH_CONFIG) private readonly config: ResolvedAuthOptions,
  ) {
    for (const wrapper of discovery.getControllers()) {
      const controller = wrapper.metatype as Function | null;
      if (!controller?.prototype) continue;
      const prototype = controller.prototype as Record<string, unknown>;
      for (const method of scanner.getAllMethodNames(prototype)) {
        const handler = prototype[method];
        if (typeof handler !== 'function' || !Reflect.hasMetadata(PATH_METADATA, handler)) continue;
        const id = routeId(controller, handler);
        const plan = this.plan(controller, handler);
        this.plans.set(id, plan);
        const module = (wrapper.host?.metatype ?? undefined) as Function | undefined;
        this.planned.push({ controller, handler, module, plan });
        const extensions = (Reflect.getMetadata(SWAGGER_EXTENSIONS, handler) ?? {}) as object;
        Reflect.defineMetadata(
          SWAGGER_EXTENSIONS,
          { ...extensions, [ROUTE_EXTENSION]: id },
          handler,
        );
      }
    }
  }

  /**
   * The plan the guard enforces on a route (`null`: open): planned at start-up for every
   * controller route, and on first use for any other handler the guard meets.
   */
  plan(controller: Function, handler: Function): RoutePlan | null {
    let byHandler = this.byRoute.get(controller);
    if (!byHandler) this.byRoute.set(controller, (byHandler = new WeakMap()));
    let plan = byHandler.get(handler);
    if (plan === undefined) {
      plan = planRoute(this.reflector, this.config, controller, handler);
      byHandler.set(handler, plan);
    }
    return plan;
  }

  /** The plan of the route an operation documents: `null` for an open route, `undefined` if unknown. */
  planOf(routeId: string): RoutePlan | null | undefined {
    return this.plans.get(routeId);
  }

  /** Every controller route with its plan, in discovery order (read-only: for `nest-http-auth/testing`). */
  routes(): readonly PlannedRoute[] {
    return this.planned;
  }
}
