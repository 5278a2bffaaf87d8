import { AuthConfigurationError } from '../errors/auth-configuration.error.js';
import type { AuthRequirement, AuthRouteOptions } from '../interfaces/auth-metadata.interface.js';

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
 * Turns `@Auth()` arguments (or the `default` option) into the one metadata object the guard and
 * the OpenAPI explorer read.
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
 * Checks that every scheme a requirement names is configured.
 * @param where where the requirement was declared, for the message
 */
export function checkSchemeNames(
  alternatives: readonly (readonly string[])[],
  schemes: ReadonlyMap<string, unknown>,
  where: string,
): void {
  for (const name of alternatives.flat()) {
    if (!schemes.has(name)) {
      throw new AuthConfigurationError(
        `${where} names the scheme "${name}", which is not configured (configured: ${[...schemes.keys()].join(', ')}).`,
      );
    }
  }
}
