import type { Reflector } from '@nestjs/core';
import { AUTH_METADATA } from '../auth.constants.js';
import type { AuthMetadata, AuthRequirement } from '../interfaces/auth-metadata.interface.js';
import type { ResolvedAuthOptions } from '../options/resolve-options.js';
import { checkSchemeNames } from '../options/requirement.js';
import type { AuthScheme } from '../schemes/auth-scheme.js';

/** What the guard enforces on one route, computed once per handler. */
export interface RoutePlan {
  /** The effective requirement: `@Auth()` of the method, else of the class, else the global default. */
  readonly requirement: AuthRequirement;
  /** The alternatives resolved to scheme instances (OR of AND-groups), in declared order. */
  readonly groups: readonly (readonly AuthScheme[])[];
  /** Every scheme the route accepts, once each, in declared order: one challenge each. */
  readonly schemeNames: readonly string[];
}

/** Where a route was declared, for messages: `MeController.me`. */
export function routeName(controller: Function, handler: Function): string {
  return `${controller.name}.${handler.name}`;
}

/**
 * Reads the one `@Auth()`/`@Public()` metadata object of a route (method over class), applies the
 * global default, and resolves scheme names. `null` means the route is open. Both the guard and the
 * OpenAPI explorer use this, so documentation and enforcement cannot disagree.
 */
export function planRoute(
  reflector: Reflector,
  config: ResolvedAuthOptions,
  controller: Function,
  handler: Function,
): RoutePlan | null {
  const metadata =
    reflector.getAllAndOverride<AuthMetadata | undefined>(AUTH_METADATA, [handler, controller]) ??
    config.globalRequirement;
  if (metadata === undefined || metadata.public) return null;
  const alternatives =
    metadata.alternatives.length > 0 ? metadata.alternatives : config.defaultAlternatives;
  checkSchemeNames(alternatives, config.schemes, `@Auth() on ${routeName(controller, handler)}`);
  return {
    requirement: { ...metadata, alternatives },
    groups: alternatives.map((group) =>
      group.map((name) => config.schemes.get(name) as AuthScheme),
    ),
    schemeNames: [...new Set(alternatives.flat())],
  };
}
