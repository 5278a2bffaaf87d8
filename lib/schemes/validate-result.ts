import { Logger } from '@nestjs/common';
import { AuthConfigurationError } from '../errors/auth-configuration.error.js';
import { AuthUnavailableError, withoutStack } from '../errors/auth.error.js';
import type { AuthPrincipal } from '../interfaces/auth-principal.interface.js';

/** `true`, `null`, `undefined` or the type (`a string`): never the value, which may be a secret. */
function kind(value: unknown): string {
  return value === null || value === undefined || typeof value === 'boolean'
    ? String(value)
    : `${typeof value === 'object' ? 'an' : 'a'} ${typeof value}`;
}

/** What a result that is not a principal is, for the log: its type or its `id`'s, never a value. */
function whatIsWrong(result: unknown): string {
  if (typeof result !== 'object' || result === null) return `${kind(result)}, not a principal`;
  const id: unknown = (result as { id?: unknown }).id;
  return `a principal without a string \`id\` (its id is ${id === '' ? 'an empty string' : kind(id)})`;
}

/**
 * Checks what an application callback handed a scheme as the principal (`basic.validate`,
 * `bearer.validate`, `bearer.jwt.validate`, `apiKey.validate`, a passport strategy's
 * `success(user)`) before anything trusts it: the types require an object with a non-empty string
 * `id`, and the verification cache, `AuthRevocation` and `@Principal()` rely on it at runtime.
 *
 * A result that breaks this is a bug of the application, not of the client: the request is refused
 * with `503 service_unavailable` (an {@link AuthUnavailableError} whose `cause` is an
 * {@link AuthConfigurationError} naming the callback), and the bug is logged once, at error level,
 * under `AuthModule`. A truthy result means the application accepted the credentials, so, as for
 * an unreachable store (docs/contract.md C-1.6), the module fails closed with a 503 that never
 * reaches the handler, never tells a client with good credentials to re-enter them (a 401) and never
 * counts against it in throttling or is remembered by the verification cache.
 *
 * One instance per callback and scheme instance (it remembers whether it has logged).
 * @internal
 */
export class PrincipalCheck {
  private logged = false;
  private readonly logger = new Logger('AuthModule');

  /**
   * @param callback the option that produced the result, as the developer wrote it (`basic.validate`)
   * @param scheme the scheme's name, for the error
   * @param verb how the callback handed the result over, for the log (`returned`, `called success() with`)
   */
  constructor(
    readonly callback: string,
    private readonly scheme: string,
    private readonly verb = 'returned',
  ) {}

  /**
   * A `validate` callback's result: the principal, or `undefined` for a falsy result (invalid
   * credentials: the scheme answers its 401).
   * @throws AuthUnavailableError (503) when the result is truthy but not a principal
   */
  validated(result: unknown): AuthPrincipal | undefined {
    if (!result) return undefined;
    return this.principal(result);
  }

  /**
   * A result that must be a principal (a passport strategy's `success(user)`, where a falsy user
   * is a bug too: a strategy rejects with `fail()`).
   * @throws AuthUnavailableError (503) when it is not a principal
   */
  principal(result: unknown): AuthPrincipal {
    if (
      typeof result === 'object' &&
      result !== null &&
      typeof (result as { id?: unknown }).id === 'string' &&
      (result as { id: string }).id !== ''
    ) {
      return result as AuthPrincipal;
    }
    throw this.misconfigured(result);
  }

  /** The 503 of a result that is not a principal, logged the first time. */
  private misconfigured(result: unknown): AuthUnavailableError {
    const cause = withoutStack(
      () => new AuthConfigurationError(`${this.callback} ${this.verb} ${whatIsWrong(result)}.`),
    );
    if (!this.logged) {
      this.logged = true;
      this.logger.error(
        `${cause.message} Every request it accepts is refused with 503 service_unavailable until it ` +
          'is fixed: a principal is an object with a non-empty string `id`. Logged once.',
      );
    }
    return withoutStack(() => new AuthUnavailableError({ scheme: this.scheme, cause }));
  }
}
