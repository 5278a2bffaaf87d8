import { SetMetadata } from '@nestjs/common';
import { AUTH_METADATA } from '../auth.constants.js';
import { AuthConfigurationError } from '../errors/auth-configuration.error.js';
import type {
  AuthRequirement,
  AuthRouteOptions,
  SchemeRequirement,
} from '../interfaces/auth-metadata.interface.js';

/** Arguments of `@Auth()`: scheme names and all-of groups, optionally ending with route options. */
export type AuthArguments =
  readonly SchemeRequirement[] | readonly [...SchemeRequirement[], AuthRouteOptions];

function isGroup(value: unknown): value is { all: readonly string[] } {
  return typeof value === 'object' && value !== null && 'all' in value;
}

function stringList(value: unknown, what: string): readonly string[] {
  if (value === undefined) return [];
  if (!Array.isArray(value) || !value.every((v) => typeof v === 'string' && v !== '')) {
    throw new AuthConfigurationError(`@Auth(): ${what} must be an array of non-empty strings.`);
  }
  return value as readonly string[];
}

/**
 * Turns `@Auth()` arguments into the one metadata object the guard and the OpenAPI explorer read.
 * @internal
 */
export function toRequirement(args: readonly unknown[], optional: boolean): AuthRequirement {
  const last = args[args.length - 1];
  const hasOptions =
    typeof last === 'object' && last !== null && !Array.isArray(last) && !isGroup(last);
  const options = (hasOptions ? last : {}) as AuthRouteOptions;
  const alternatives = (hasOptions ? args.slice(0, -1) : args).map((entry) => {
    if (typeof entry === 'string' && entry !== '') return [entry];
    if (isGroup(entry)) {
      const all = stringList(entry.all, '`all`');
      if (all.length === 0)
        throw new AuthConfigurationError('@Auth(): an `all` group must name at least one scheme.');
      return all;
    }
    throw new AuthConfigurationError(
      `@Auth(): expected scheme names, { all: [...] } groups and an optional options object, got ${JSON.stringify(entry)}.`,
    );
  });
  const roles = stringList(options.roles, '`roles`');
  const scopes = stringList(options.scopes, '`scopes`');
  if (optional && (roles.length > 0 || scopes.length > 0)) {
    throw new AuthConfigurationError(
      '@Auth.optional(): an optional route cannot require roles or scopes.',
    );
  }
  return { public: false, alternatives, optional, roles, scopes };
}

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
