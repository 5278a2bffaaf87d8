import { SetMetadata } from '@nestjs/common';
import { AUTH_METADATA } from '../auth.constants.js';
import type { AuthRouteOptions, SchemeRequirement } from '../interfaces/auth-metadata.interface.js';
import { toRequirement } from '../options/requirement.js';

/** Arguments of `@Auth()`: scheme names and all-of groups, optionally ending with route options. */
export type AuthArguments =
  readonly SchemeRequirement[] | readonly [...SchemeRequirement[], AuthRouteOptions];

/**
 * Declares which schemes a route (or every route of a controller) accepts. Method declarations
 * override class declarations.
 *
 * - `@Auth('bearer', 'basic')`: any of them; the first whose credentials are present decides, and
 *   invalid credentials never fall through to the next (CONTRACT C-5).
 * - `@Auth({ all: ['apiKey', 'bearer'] })`: all of them.
 * - `@Auth('bearer', { roles: ['admin'] })`: authenticated and holding every role, else 403.
 * - `@Auth()`: the module's `default` schemes (or every configured scheme when there is none).
 */
export function Auth(...args: AuthArguments): ClassDecorator & MethodDecorator {
  return SetMetadata(AUTH_METADATA, toRequirement(args, false));
}

/**
 * Like `@Auth()`, but anonymous callers are let through (`@Principal()` is then `undefined`).
 * Valid credentials still yield a principal; invalid ones are still a 401.
 */
Auth.optional = function optional(
  ...args: readonly SchemeRequirement[]
): ClassDecorator & MethodDecorator {
  return SetMetadata(AUTH_METADATA, toRequirement(args, true));
};
