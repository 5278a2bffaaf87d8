import { DEFAULT_REALM } from '../auth.constants.js';
import { AuthConfigurationError } from '../errors/auth-configuration.error.js';
import type { AuthRequirement } from '../interfaces/auth-metadata.interface.js';
import type {
  AuthModuleOptions,
  CacheOptions,
  ErrorFormat,
  RpcOptions,
  ThrottleOptions,
} from '../interfaces/auth-options.interface.js';
import type { AuthStore } from '../stores/auth-store.interface.js';
import { FailClosedStore } from '../stores/fail-closed.store.js';
import { MemoryAuthStore } from '../stores/memory-auth.store.js';
import { FailureThrottle } from '../throttling/failure-throttle.js';
import { checkSchemeNames, toRequirement } from './requirement.js';
import { ApiKeyScheme } from '../schemes/api-key/api-key.scheme.js';
import type { AuthScheme } from '../schemes/auth-scheme.js';
import { BasicScheme } from '../schemes/basic/basic.scheme.js';
import { BearerScheme } from '../schemes/bearer/bearer.scheme.js';
import { PassportScheme } from '../schemes/passport/passport.scheme.js';

/** The module's configuration after validation, with defaults applied and schemes built. */
export interface ResolvedAuthOptions {
  readonly realm: string;
  /** Configured schemes by name, in configuration order (basic, bearer, apiKey, then extras). */
  readonly schemes: ReadonlyMap<string, AuthScheme>;
  /** What `@Auth()` without arguments means: the `default` option, else every scheme (any-of). */
  readonly defaultAlternatives: readonly (readonly string[])[];
  /** The requirement of routes without `@Auth()`, when a global default is configured. */
  readonly globalRequirement: AuthRequirement | undefined;
  readonly errorFormat: ErrorFormat;
  readonly documentationUrl: string | undefined;
  /** The verification cache's options, or `false` when it is off. */
  readonly cache: CacheOptions | false;
  /** Shared state (failure counters, revocations, invalidation events), failing closed. */
  readonly store: FailClosedStore;
  /** Failed-attempt throttling, when configured. */
  readonly throttle: FailureThrottle | undefined;
  /** How microservice messages carry credentials. */
  readonly rpc: RpcOptions | undefined;
}

const BUILT_IN = ['basic', 'bearer', 'apiKey'] as const;
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

/** Throws unless `owner[key]` is a function (read with `typeof`: the method is never detached). */
function requireFunction<T extends object>(owner: T, key: keyof T, path: string): void {
  if (typeof owner[key] !== 'function')
    throw new AuthConfigurationError(`${path} must be a function.`);
}

function checkCacheOptions({ max, ttl, failureTtl }: CacheOptions): void {
  if (max !== undefined && (!Number.isInteger(max) || max < 1)) {
    throw new AuthConfigurationError(
      `cache.max must be a positive integer, got ${JSON.stringify(max)}.`,
    );
  }
  if (ttl !== undefined && (typeof ttl !== 'number' || !(ttl > 0))) {
    throw new AuthConfigurationError(
      `cache.ttl must be a positive number of seconds, got ${JSON.stringify(ttl)}.`,
    );
  }
  if (failureTtl !== undefined && (typeof failureTtl !== 'number' || !(failureTtl >= 0))) {
    throw new AuthConfigurationError(
      `cache.failureTtl must be a number of seconds (0 or more), got ${JSON.stringify(failureTtl)}.`,
    );
  }
}

function checkThrottleOptions(throttle: ThrottleOptions): void {
  const { maxFailures, maxFailuresPerClient, window } = throttle;
  for (const [name, value] of Object.entries({ maxFailures, maxFailuresPerClient })) {
    if (value !== undefined && (!Number.isInteger(value) || value < 1)) {
      throw new AuthConfigurationError(
        `throttle.${name} must be a positive integer, got ${JSON.stringify(value)}.`,
      );
    }
  }
  if (window !== undefined && (typeof window !== 'number' || !(window > 0))) {
    throw new AuthConfigurationError(
      `throttle.window must be a positive number of seconds, got ${JSON.stringify(window)}.`,
    );
  }
  if (throttle.clientKey !== undefined)
    requireFunction(throttle, 'clientKey', 'throttle.clientKey');
}

const STORE_METHODS = [
  'increment',
  'count',
  'set',
  'get',
  'take',
  'delete',
  'publishInvalidation',
  'onInvalidation',
] as const;

function checkOptions(options: AuthModuleOptions): void {
  if (options === null || typeof options !== 'object') {
    throw new AuthConfigurationError('AuthModule.forRoot() needs an options object.');
  }
  if (
    options.realm !== undefined &&
    (typeof options.realm !== 'string' || !/^[\x20-\x7e]+$/.test(options.realm))
  ) {
    throw new AuthConfigurationError(
      'realm must be a non-empty string of printable ASCII characters.',
    );
  }
  if (options.basic) requireFunction(options.basic, 'validate', 'basic.validate');
  if (options.bearer) {
    const { bearer } = options;
    const { jwt } = bearer;
    if (!jwt && bearer.validate === undefined) {
      throw new AuthConfigurationError(
        'bearer needs `jwt` (with a secret, publicKey or jwksUrl) or a `validate` function for opaque tokens.',
      );
    }
    if (bearer.validate !== undefined) requireFunction(bearer, 'validate', 'bearer.validate');
    if (jwt?.validate !== undefined) requireFunction(jwt, 'validate', 'bearer.jwt.validate');
  }
  if (options.apiKey) {
    requireFunction(options.apiKey, 'validate', 'apiKey.validate');
    for (const location of ['header', 'query', 'cookie'] as const) {
      const name = options.apiKey[location];
      if (name !== undefined && (typeof name !== 'string' || !HEADER_NAME.test(name))) {
        throw new AuthConfigurationError(
          `apiKey.${location} must be a parameter name (letters, digits, - _ . …), got ${JSON.stringify(name)}.`,
        );
      }
    }
  }
  for (const [name, scheme] of Object.entries(options.schemes ?? {})) {
    if ((BUILT_IN as readonly string[]).includes(name) || !HEADER_NAME.test(name)) {
      throw new AuthConfigurationError(
        `schemes.${name}: choose a name other than basic, bearer or apiKey, made of letters, digits, - _ .`,
      );
    }
    if (!scheme?.strategy)
      throw new AuthConfigurationError(`schemes.${name}.strategy is required.`);
    if (typeof scheme.challenge !== 'string' || !/^[\x20-\x7e]+$/.test(scheme.challenge)) {
      throw new AuthConfigurationError(
        `schemes.${name}.challenge must be a printable ASCII challenge, e.g. 'Custom realm="api"'.`,
      );
    }
    if (typeof scheme.securityScheme?.type !== 'string') {
      throw new AuthConfigurationError(
        `schemes.${name}.securityScheme must be an OpenAPI security scheme object.`,
      );
    }
  }
  if (
    options.errorFormat !== undefined &&
    options.errorFormat !== 'json' &&
    options.errorFormat !== 'problem+json'
  ) {
    throw new AuthConfigurationError(
      `errorFormat must be 'json' or 'problem+json', got ${JSON.stringify(options.errorFormat)}.`,
    );
  }
  if (options.cache !== undefined && options.cache !== false) checkCacheOptions(options.cache);
  if (options.throttle !== undefined) checkThrottleOptions(options.throttle);
  if (options.store !== undefined) {
    const missing = STORE_METHODS.filter(
      (m) => typeof (options.store as unknown as Record<string, unknown>)?.[m] !== 'function',
    );
    if (missing.length > 0) {
      throw new AuthConfigurationError(
        `store must implement AuthStore (missing: ${missing.join(', ')}).`,
      );
    }
  }
  if (options.rpc !== undefined) {
    if (options.rpc === null || typeof options.rpc !== 'object')
      throw new AuthConfigurationError('rpc must be an object: { credentials(data, context) }.');
    if (options.rpc.credentials !== undefined)
      requireFunction(options.rpc, 'credentials', 'rpc.credentials');
  }
  if (options.documentationUrl !== undefined && !URL.canParse(options.documentationUrl)) {
    throw new AuthConfigurationError(
      `documentationUrl is not a URL: ${JSON.stringify(options.documentationUrl)}.`,
    );
  }
}

function buildSchemes(
  options: AuthModuleOptions,
  realm: string,
  store: AuthStore,
): Map<string, AuthScheme> {
  const schemes = new Map<string, AuthScheme>();
  if (options.basic) schemes.set('basic', new BasicScheme(realm, options.basic));
  if (options.bearer) schemes.set('bearer', new BearerScheme(realm, options.bearer, store));
  if (options.apiKey) schemes.set('apiKey', new ApiKeyScheme(realm, options.apiKey));
  for (const [name, scheme] of Object.entries(options.schemes ?? {}))
    schemes.set(name, new PassportScheme(name, scheme));
  if (schemes.size === 0) {
    throw new AuthConfigurationError(
      'configure at least one scheme: basic, bearer, apiKey or schemes.',
    );
  }
  return schemes;
}

/** Validates `forRoot()` options, applies defaults and builds the schemes: every mistake is a start-up error. */
export function resolveAuthOptions(options: AuthModuleOptions): ResolvedAuthOptions {
  checkOptions(options);
  const realm = options.realm ?? DEFAULT_REALM;
  const store = new FailClosedStore(options.store ?? new MemoryAuthStore());
  const schemes = buildSchemes(options, realm, store);
  const globalRequirement =
    options.default && options.default.length > 0
      ? toRequirement(options.default, false)
      : undefined;
  if (globalRequirement)
    checkSchemeNames(globalRequirement.alternatives, schemes, 'the `default` option');
  return {
    realm,
    schemes,
    defaultAlternatives:
      globalRequirement?.alternatives ?? [...schemes.keys()].map((name) => [name]),
    globalRequirement,
    errorFormat: options.errorFormat ?? 'json',
    documentationUrl: options.documentationUrl,
    cache: options.cache ?? {},
    store,
    throttle: options.throttle ? new FailureThrottle(store, options.throttle) : undefined,
    rpc: options.rpc,
  };
}
