import { AuthConfigurationError } from '../../errors/auth-configuration.error.js';
import {
  AuthenticationError,
  AuthUnavailableError,
  withoutStack,
} from '../../errors/auth.error.js';
import type { TokenIntrospectionOptions } from '../../interfaces/auth-options.interface.js';
import type { AuthPrincipal } from '../../interfaces/auth-principal.interface.js';
import { RateLimitedLogger } from '../../logging/rate-limited-logger.js';
import { fetchFailureReason } from './issuer-metadata.js';

/** Seconds to wait for the introspection endpoint when `timeout` is not given. */
const DEFAULT_TIMEOUT_SECONDS = 5;
const AUTH_METHODS = ['client_secret_basic', 'client_secret_post'] as const;

/**
 * Why the introspection endpoint's answer cannot be used (unreachable, slow, an error status, not
 * a JSON object, no boolean `active`): the token is then answered 503, never 200 or 401.
 * @internal
 */
export class IntrospectionUnavailableError extends Error {
  override readonly name = 'IntrospectionUnavailableError';
}

/**
 * One value in the `application/x-www-form-urlencoded` encoding, as RFC 6749 §2.3.1 (and
 * Appendix B) wants the client id and secret encoded before they are joined for HTTP Basic.
 * @internal
 */
export function formUrlEncode(value: string): string {
  return new URLSearchParams({ v: value }).toString().slice(2);
}

/**
 * The `Authorization` header of `client_secret_basic` (RFC 6749 §2.3.1): both parts
 * form-urlencoded, then joined by a colon and base64-encoded.
 * @internal
 */
export function basicClientAuthorization(clientId: string, clientSecret: string): string {
  const pair = `${formUrlEncode(clientId)}:${formUrlEncode(clientSecret)}`;
  return `Basic ${Buffer.from(pair, 'utf8').toString('base64')}`;
}

/** A `bearer.introspection` configuration once checked. */
interface ResolvedIntrospection {
  readonly url: URL;
  /** The endpoint without credentials or query, for the log. */
  readonly logUrl: string;
  readonly clientId: string;
  readonly clientSecret: string;
  readonly authMethod: (typeof AUTH_METHODS)[number];
  readonly timeoutMs: number;
  readonly acceptedIssuers: readonly string[] | undefined;
  readonly audience: readonly string[] | undefined;
}

function nonEmptyString(value: unknown, name: string): string {
  if (typeof value !== 'string' || value === '') {
    throw new AuthConfigurationError(
      `bearer.introspection.${name} must be a non-empty string, got ${value === undefined ? 'undefined (an environment variable read before it was set?)' : typeof value}.`,
    );
  }
  return value;
}

function stringListOption(value: unknown, name: string): readonly string[] | undefined {
  if (value === undefined) return undefined;
  const list: unknown[] = typeof value === 'string' ? [value] : Array.isArray(value) ? value : [];
  if (list.length === 0 || !list.every((v) => typeof v === 'string' && v !== '')) {
    throw new AuthConfigurationError(
      `bearer.introspection.${name} must be a non-empty string or a non-empty list of them.`,
    );
  }
  return list as string[];
}

/**
 * Checks a `bearer.introspection` configuration at start-up: every mistake is a one-line
 * {@link AuthConfigurationError}.
 * @internal
 */
export function resolveIntrospectionOptions(
  options: TokenIntrospectionOptions,
): ResolvedIntrospection {
  if (typeof options !== 'object' || options === null) {
    throw new AuthConfigurationError('bearer.introspection must be an options object.');
  }
  let url: URL;
  try {
    url = new URL(String(options.url));
  } catch {
    throw new AuthConfigurationError(
      `bearer.introspection.url is not a URL: "${String(options.url)}".`,
    );
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new AuthConfigurationError(
      `bearer.introspection.url must be an https: (or http:) URL, not ${url.protocol}.`,
    );
  }
  if (url.username !== '' || url.password !== '') {
    // Not echoed: it holds a secret.
    throw new AuthConfigurationError(
      'bearer.introspection.url must not contain a user name or password (use clientId and clientSecret).',
    );
  }
  const clientId = nonEmptyString(options.clientId, 'clientId');
  const clientSecret = nonEmptyString(options.clientSecret, 'clientSecret');
  const authMethod: unknown = options.authMethod ?? 'client_secret_basic';
  if (!AUTH_METHODS.includes(authMethod as (typeof AUTH_METHODS)[number])) {
    throw new AuthConfigurationError(
      `bearer.introspection.authMethod must be 'client_secret_basic' or 'client_secret_post', got ${JSON.stringify(authMethod) ?? typeof authMethod}.`,
    );
  }
  const timeout: unknown = options.timeout ?? DEFAULT_TIMEOUT_SECONDS;
  if (typeof timeout !== 'number' || !Number.isFinite(timeout) || timeout <= 0) {
    throw new AuthConfigurationError(
      `bearer.introspection.timeout must be a positive finite number of seconds, got ${JSON.stringify(timeout) ?? typeof timeout}.`,
    );
  }
  return {
    url,
    logUrl: `${url.origin}${url.pathname}`,
    clientId,
    clientSecret,
    authMethod: authMethod as (typeof AUTH_METHODS)[number],
    timeoutMs: Math.max(1, Math.round(timeout * 1000)),
    acceptedIssuers: stringListOption(options.acceptedIssuers, 'acceptedIssuers'),
    audience: stringListOption(options.audience, 'audience'),
  };
}

function rejected(
  code: 'token_invalid' | 'token_expired',
  description: string,
  expiresAt?: Date,
): AuthenticationError {
  return withoutStack(
    () => new AuthenticationError(code, { scheme: 'bearer', description, expiresAt }),
  );
}

function isTime(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value);
}

/**
 * When a principal established by introspection stops being valid (its `exp`, in ms since the
 * epoch), for the verification cache; `undefined` when the response had none.
 * @internal
 */
export function introspectedExpiry(principal: AuthPrincipal | undefined): number | undefined {
  const claims = principal?.['claims'] as { exp?: unknown } | undefined;
  return isTime(claims?.exp) ? claims.exp * 1000 : undefined;
}

/**
 * Opaque access tokens checked by OAuth 2.0 Token Introspection (RFC 7662): each token not in the
 * verification cache is POSTed to the authorization server's endpoint with the resource server's
 * client authentication, and the answer's `active`, `exp`, `nbf`, `aud` and `iss` are checked.
 * The principal is `sub` (else `client_id`), its scopes `scope`, its `claims` the whole answer.
 * An endpoint that is down, slow, answers an error status or anything but a JSON object with a
 * boolean `active` makes the token a 503 (`AuthUnavailableError`): fail closed, and logged at most
 * every 10 s, naming the endpoint, never the token.
 * @internal
 */
export class TokenIntrospector {
  private readonly options: ResolvedIntrospection;
  private readonly log = new RateLimitedLogger();

  /** @throws AuthConfigurationError when the options are wrong (at start-up). */
  constructor(options: TokenIntrospectionOptions) {
    this.options = resolveIntrospectionOptions(options);
  }

  /** The principal of an active token; throws an `AuthenticationError` or an `AuthUnavailableError`. */
  async introspect(token: string): Promise<AuthPrincipal> {
    let answer: Record<string, unknown>;
    try {
      answer = await this.ask(token);
    } catch (err) {
      this.log.error(
        () =>
          `The introspection endpoint ${this.options.logUrl} cannot be used (${err instanceof IntrospectionUnavailableError ? err.message : fetchFailureReason(err)}): answering 503 until it can.`,
      );
      throw withoutStack(() => new AuthUnavailableError({ scheme: 'bearer', cause: err }));
    }
    return this.principal(answer);
  }

  /** The endpoint's JSON object, or an error when it cannot be had. */
  private async ask(token: string): Promise<Record<string, unknown>> {
    const { url, clientId, clientSecret, authMethod, timeoutMs } = this.options;
    const body = new URLSearchParams({ token, token_type_hint: 'access_token' });
    const headers: Record<string, string> = {
      accept: 'application/json',
      'content-type': 'application/x-www-form-urlencoded',
    };
    if (authMethod === 'client_secret_basic') {
      headers['authorization'] = basicClientAuthorization(clientId, clientSecret);
    } else {
      body.set('client_id', clientId);
      body.set('client_secret', clientSecret);
    }
    const response = await fetch(url, {
      method: 'POST',
      headers,
      body: body.toString(),
      // A redirect would resend the token elsewhere: refused (a 503).
      redirect: 'error',
      signal: AbortSignal.timeout(timeoutMs),
    });
    const text = await response.text();
    if (response.status !== 200) {
      throw new IntrospectionUnavailableError(`it answered ${response.status}`);
    }
    let answer: unknown;
    try {
      answer = JSON.parse(text);
    } catch {
      throw new IntrospectionUnavailableError('its answer is not JSON');
    }
    if (typeof answer !== 'object' || answer === null || Array.isArray(answer)) {
      throw new IntrospectionUnavailableError('its answer is not a JSON object');
    }
    if (typeof (answer as { active?: unknown }).active !== 'boolean') {
      throw new IntrospectionUnavailableError('its answer has no boolean "active" (RFC 7662 §2.2)');
    }
    return answer as Record<string, unknown>;
  }

  private principal(answer: Record<string, unknown>): AuthPrincipal {
    if (answer['active'] !== true)
      throw rejected('token_invalid', 'The access token is not active');
    const { exp, nbf, aud, iss, scope, sub, client_id: clientId } = answer;
    const now = Date.now();
    if (exp !== undefined) {
      if (!isTime(exp))
        throw rejected('token_invalid', 'The access token exp claim is not accepted');
      if (exp * 1000 <= now) {
        const expiresAt = new Date(exp * 1000);
        throw rejected(
          'token_expired',
          'The access token expired',
          Number.isFinite(expiresAt.getTime()) ? expiresAt : undefined,
        );
      }
    }
    if (nbf !== undefined && (!isTime(nbf) || nbf * 1000 > now)) {
      throw rejected('token_invalid', 'The access token is not valid yet');
    }
    const { audience, acceptedIssuers } = this.options;
    if (audience) {
      const audiences = typeof aud === 'string' ? [aud] : Array.isArray(aud) ? aud : [];
      if (!audience.some((a) => audiences.includes(a))) {
        throw rejected('token_invalid', 'The access token aud claim is not accepted');
      }
    }
    if (acceptedIssuers && (typeof iss !== 'string' || !acceptedIssuers.includes(iss))) {
      throw rejected('token_invalid', 'The access token iss claim is not accepted');
    }
    const id =
      typeof sub === 'string' && sub !== ''
        ? sub
        : typeof clientId === 'string' && clientId !== ''
          ? clientId
          : undefined;
    if (id === undefined) {
      throw rejected('token_invalid', 'The access token names neither a sub nor a client_id');
    }
    return {
      id,
      roles: [],
      scopes: typeof scope === 'string' ? scope.split(' ').filter(Boolean) : [],
      claims: answer,
    };
  }
}
