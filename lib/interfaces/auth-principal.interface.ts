/**
 * Who made the request, as returned by a scheme's `validate` callback (or derived from JWT claims).
 *
 * Add your own typed fields by declaration merging:
 * ```ts
 * declare module 'nest-http-auth' {
 *   interface AuthPrincipal { username: string }
 * }
 * ```
 */
export interface AuthPrincipal {
  /** Stable identifier: a user id, the JWT `sub`, the owner of an API key. */
  readonly id: string;
  /** Roles held, checked against `@Auth(..., { roles })`. */
  readonly roles?: readonly string[];
  /** Scopes granted, checked against `@Auth(..., { scopes })`. */
  readonly scopes?: readonly string[];
  /** Anything else the application attaches. */
  readonly [field: string]: unknown;
}

/** What a `validate` callback may return: a principal, or a falsy value for "invalid credentials". */
export type ValidateResult = AuthPrincipal | null | undefined | false;

/** The outcome of authentication for one request, available through `@AuthContext()`. */
export interface AuthContext {
  /** The principal of the scheme that decided (first scheme of the matching group); absent for anonymous calls. */
  readonly principal: AuthPrincipal | undefined;
  /** The name of that scheme, e.g. `basic` or `bearer`; absent for anonymous calls. */
  readonly scheme: string | undefined;
  /** Every principal established, by scheme name (several for an all-of group). */
  readonly principals: Readonly<Record<string, AuthPrincipal>>;
}
