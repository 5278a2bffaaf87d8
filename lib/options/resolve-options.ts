import { DEFAULT_REALM } from '../auth.constants.js';
import { AuthConfigurationError } from '../errors/auth-configuration.error.js';
import type { AuthRequirement } from '../interfaces/auth-metadata.interface.js';
import type {
  AuthModuleOptions,
  BearerMethod,
  BearerSchemeOptions,
  CacheOptions,
  ErrorFormat,
  JwtVerificationOptions,
  ResourceMetadataOptions,
  RpcOptions,
  ThrottleOptions,
} from '../interfaces/auth-options.interface.js';
import {
  PROTECTED_RESOURCE_METADATA_PATH,
  protectedResourceMetadataPath,
  protectedResourceMetadataUrl,
} from '../http/well-known.js';
import type { AuthStore } from '../stores/auth-store.interface.js';
import { FailClosedStore } from '../stores/fail-closed.store.js';
import { MemoryAuthStore } from '../stores/memory-auth.store.js';
import { FailureThrottle } from '../throttling/failure-throttle.js';
import { checkSchemeNames, toRequirement } from './requirement.js';
import { ApiKeyScheme } from '../schemes/api-key/api-key.scheme.js';
import type { AuthScheme } from '../schemes/auth-scheme.js';
import { BasicScheme } from '../schemes/basic/basic.scheme.js';
import { BearerScheme } from '../schemes/bearer/bearer.scheme.js';
import { checkBearerOAuth } from '../schemes/bearer/oauth-documentation.js';
import { DpopScheme } from '../schemes/dpop/dpop.scheme.js';
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
  /** Protected resource metadata (RFC 9728), when configured. */
  readonly resourceMetadata: ResolvedResourceMetadata | undefined;
}

/** The `resourceMetadata` option as validated, with what the module derives from it (RFC 9728). */
export interface ResolvedResourceMetadata {
  /** The option as configured. */
  readonly options: ResourceMetadataOptions;
  /** The metadata URL that every Bearer challenge names in `resource_metadata` (RFC 9728 §5.1). */
  readonly url: string;
  /**
   * The paths the document is served at: `/.well-known/oauth-protected-resource`, and the
   * path-suffixed form (RFC 9728 §3.1) when the resource identifier has a path.
   */
  readonly paths: readonly string[];
  /** `bearer_methods_supported`: as configured, else derived from the Bearer options. */
  readonly bearerMethods: readonly BearerMethod[];
}

const BUILT_IN = ['basic', 'bearer', 'apiKey', 'dpop'] as const;
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

const BEARER_METHODS: readonly BearerMethod[] = ['header', 'body', 'query'];
/** RFC 6749 §3.3 scope-token: printable ASCII without space, `"` and backslash. */
const SCOPE_TOKEN = /^[\x21\x23-\x5b\x5d-\x7e]+$/;
/** Resource paths the module can serve literally on Express and Fastify (no route syntax). */
const RESOURCE_PATH = /^(?:\/[A-Za-z0-9._~-]+)*\/?$/;

/**
 * An absolute http(s) URL without credentials or fragment (and without a query unless allowed),
 * or `undefined`.
 */
function httpUrl(value: unknown, query: boolean): URL | undefined {
  if (typeof value !== 'string' || !URL.canParse(value)) return undefined;
  const url = new URL(value);
  const ok =
    (url.protocol === 'https:' || url.protocol === 'http:') &&
    url.username === '' &&
    url.password === '' &&
    !value.includes('#') &&
    (query || !value.includes('?'));
  return ok ? url : undefined;
}

/** Throws unless `value` is an array of distinct strings that each pass `valid`. */
function checkList(
  value: unknown,
  valid: (item: string) => boolean,
  path: string,
  what: string,
): void {
  const ok =
    Array.isArray(value) &&
    value.every((item) => typeof item === 'string' && valid(item)) &&
    new Set(value).size === value.length;
  if (!ok) {
    throw new AuthConfigurationError(
      `${path} must be an array of distinct ${what}, got ${JSON.stringify(value)}.`,
    );
  }
}

/** The Bearer methods a configuration enables, in the order header, body, query. */
function enabledBearerMethods(bearer: BearerSchemeOptions): BearerMethod[] {
  return BEARER_METHODS.filter(
    (method) =>
      method === 'header' ||
      (method === 'body' && bearer.allowBody === true) ||
      (method === 'query' && bearer.allowQuery === true),
  );
}

/** Validates `resourceMetadata` (RFC 9728 §2) and derives the metadata URL, paths and Bearer methods. */
function resolveResourceMetadata(
  metadata: ResourceMetadataOptions,
  bearer: BearerSchemeOptions | undefined,
): ResolvedResourceMetadata {
  const path = 'resourceMetadata';
  if (metadata === null || typeof metadata !== 'object')
    throw new AuthConfigurationError(`${path} must be an object: { resource, … }.`);
  if (!bearer) {
    throw new AuthConfigurationError(
      `${path} needs the bearer scheme: it tells clients where to get Bearer tokens for this resource (RFC 9728).`,
    );
  }
  const resource = httpUrl(metadata.resource, false);
  if (!resource) {
    throw new AuthConfigurationError(
      `${path}.resource must be an absolute https or http URL without query, fragment or credentials, got ${JSON.stringify(metadata.resource)}.`,
    );
  }
  if (!RESOURCE_PATH.test(resource.pathname)) {
    throw new AuthConfigurationError(
      `${path}.resource: its path may only contain letters, digits and - . _ ~ between slashes, got ${JSON.stringify(resource.pathname)}.`,
    );
  }
  const { authorizationServers, scopesSupported, bearerMethodsSupported } = metadata;
  if (authorizationServers !== undefined) {
    checkList(
      authorizationServers,
      (item) => httpUrl(item, false) !== undefined,
      `${path}.authorizationServers`,
      'issuer URLs (absolute https or http, without query or fragment)',
    );
  }
  if (scopesSupported !== undefined) {
    checkList(
      scopesSupported,
      (item) => SCOPE_TOKEN.test(item),
      `${path}.scopesSupported`,
      'scope tokens (RFC 6749 §3.3: printable ASCII without space, " or \\)',
    );
  }
  const enabled = enabledBearerMethods(bearer);
  if (bearerMethodsSupported !== undefined) {
    checkList(
      bearerMethodsSupported,
      (item) => (BEARER_METHODS as readonly string[]).includes(item),
      `${path}.bearerMethodsSupported`,
      "methods 'header', 'body' or 'query'",
    );
    if (bearerMethodsSupported.length === 0)
      throw new AuthConfigurationError(`${path}.bearerMethodsSupported must not be empty.`);
    const off = bearerMethodsSupported.find((method) => !enabled.includes(method));
    if (off !== undefined) {
      throw new AuthConfigurationError(
        `${path}.bearerMethodsSupported lists '${off}', which needs bearer.${off === 'body' ? 'allowBody' : 'allowQuery'}.`,
      );
    }
  }
  if (
    metadata.resourceName !== undefined &&
    (typeof metadata.resourceName !== 'string' || metadata.resourceName.trim() === '')
  ) {
    throw new AuthConfigurationError(`${path}.resourceName must be a non-empty string.`);
  }
  for (const key of ['resourceDocumentation', 'resourcePolicyUri', 'resourceTosUri'] as const) {
    const value = metadata[key];
    if (value !== undefined && !httpUrl(value, true)) {
      throw new AuthConfigurationError(
        `${path}.${key} must be an absolute https or http URL, got ${JSON.stringify(value)}.`,
      );
    }
  }
  const suffixed = protectedResourceMetadataPath(resource);
  return {
    options: metadata,
    url: protectedResourceMetadataUrl(resource),
    paths:
      suffixed === PROTECTED_RESOURCE_METADATA_PATH
        ? [suffixed]
        : [PROTECTED_RESOURCE_METADATA_PATH, suffixed],
    bearerMethods: bearerMethodsSupported ?? enabled,
  };
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
    const given = (['jwt', 'introspection', 'validate'] as const).filter(
      (name) => bearer[name] !== undefined,
    );
    if (given.length !== 1) {
      throw new AuthConfigurationError(
        given.length === 0
          ? 'bearer needs `jwt` (with a secret, publicKey, jwksUrl or discovery), `introspection` or a `validate` function for opaque tokens.'
          : `bearer needs exactly one of jwt, introspection or validate (got ${given.join(', ')}).`,
      );
    }
    if (bearer.validate !== undefined) requireFunction(bearer, 'validate', 'bearer.validate');
    const entries: readonly JwtVerificationOptions[] = Array.isArray(jwt) ? jwt : jwt ? [jwt] : [];
    entries.forEach((entry, i) => {
      if (entry?.validate === undefined) return;
      requireFunction(
        entry,
        'validate',
        Array.isArray(jwt) ? `bearer.jwt[${i}].validate` : 'bearer.jwt.validate',
      );
    });
    if (bearer.oauth !== undefined) checkBearerOAuth(bearer.oauth);
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
  if (options.dpop !== undefined) {
    const problem = DpopScheme.problem(options.dpop);
    if (problem !== undefined) throw new AuthConfigurationError(problem);
    if (options.dpop.jwt.validate !== undefined)
      requireFunction(options.dpop.jwt, 'validate', 'dpop.jwt.validate');
  }
  for (const [name, scheme] of Object.entries(options.schemes ?? {})) {
    if ((BUILT_IN as readonly string[]).includes(name) || !HEADER_NAME.test(name)) {
      throw new AuthConfigurationError(
        `schemes.${name}: choose a name other than basic, bearer, apiKey or dpop, made of letters, digits, - _ .`,
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
  resourceMetadata: ResolvedResourceMetadata | undefined,
): Map<string, AuthScheme> {
  const schemes = new Map<string, AuthScheme>();
  if (options.basic) schemes.set('basic', new BasicScheme(realm, options.basic));
  if (options.bearer) {
    schemes.set('bearer', new BearerScheme(realm, options.bearer, store, resourceMetadata?.url));
  }
  if (options.apiKey) schemes.set('apiKey', new ApiKeyScheme(realm, options.apiKey));
  if (options.dpop) schemes.set('dpop', new DpopScheme(options.dpop, store));
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
  const resourceMetadata =
    options.resourceMetadata === undefined
      ? undefined
      : resolveResourceMetadata(options.resourceMetadata, options.bearer);
  const store = new FailClosedStore(options.store ?? new MemoryAuthStore());
  const schemes = buildSchemes(options, realm, store, resourceMetadata);
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
    resourceMetadata,
  };
}
