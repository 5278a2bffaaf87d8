/**
 * The scheme names that `@Auth()` and the `default` option accept, as keys: the built-in schemes.
 * A passport scheme configured under `schemes` is added by augmenting this interface, so that a
 * misspelled name does not compile:
 * ```ts
 * declare module 'nest-http-auth' {
 *   interface AuthSchemeNames {
 *     signature: true;
 *   }
 * }
 * ```
 * A name that is typed but not configured still stops the start-up, naming the route.
 */
export interface AuthSchemeNames {
  basic: true;
  bearer: true;
  apiKey: true;
  dpop: true;
}

/** A scheme name: a key of {@link AuthSchemeNames}. */
export type SchemeName = Extract<keyof AuthSchemeNames, string>;

/**
 * An all-of group: every scheme listed must authenticate the request
 * (one OpenAPI Security Requirement Object with several keys).
 */
export interface AllOf {
  /** The schemes that must all authenticate the request. */
  readonly all: readonly SchemeName[];
}

/** A scheme name, or an all-of group of scheme names. */
export type SchemeRequirement = SchemeName | AllOf;

/** Per-route options of `@Auth()`. */
export interface AuthRouteOptions {
  /** Roles the principal must hold, all of them (403 otherwise). */
  readonly roles?: readonly string[];
  /** Scopes the principal must hold, all of them (403 otherwise). */
  readonly scopes?: readonly string[];
}

/**
 * The one metadata object that `@Auth()` / `@Public()` write and that both the guard and the
 * OpenAPI explorer read. Method metadata overrides class metadata.
 */
export type AuthMetadata =
  | { readonly public: true }
  | {
      readonly public: false;
      /**
       * Alternatives in declared order (OR); each is a group of schemes that must all pass (AND).
       * Empty means "the module's default schemes".
       */
      readonly alternatives: readonly (readonly string[])[];
      /** Anonymous callers allowed; valid credentials still yield a principal, invalid ones 401. */
      readonly optional: boolean;
      readonly roles: readonly string[];
      readonly scopes: readonly string[];
    };

/** The non-public variant of {@link AuthMetadata}. */
export type AuthRequirement = Extract<AuthMetadata, { public: false }>;
