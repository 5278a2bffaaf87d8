import { Inject, Injectable } from '@nestjs/common';
import { AUTH_CONFIG } from '../auth.constants.js';
import { type Verdict, VerificationCache } from '../cache/verification-cache.js';
import { AuthenticationError } from '../errors/auth.error.js';
import type { PlatformRequest } from '../interfaces/auth-options.interface.js';
import type { AuthPrincipal } from '../interfaces/auth-principal.interface.js';
import type { ResolvedAuthOptions } from '../options/resolve-options.js';
import type { AuthScheme } from '../schemes/auth-scheme.js';
import type { Attempt } from '../throttling/failure-throttle.js';
import type { Verifier } from './authenticate.js';

/** Failures that count towards throttling: a wrong credential, not an expired or malformed request. */
function countsAsFailure(error: unknown): boolean {
  return (
    error instanceof AuthenticationError &&
    (error.code === 'credentials_invalid' || error.code === 'token_invalid')
  );
}

/**
 * Verifies one scheme's credentials for the guard: through the verification cache, and with
 * failed-attempt throttling when configured. While the store reports it is unreachable every
 * verification fails closed (503), cached or not. The throttle is asked before a credential is
 * actually verified (a cache hit needs no verification), every failure is counted (remembered
 * rejections too) once per request (a GraphQL operation's root fields each run the guard with the
 * same request and credential), and a verified success resets the identity's counter.
 */
@Injectable()
export class CredentialVerifier implements Verifier {
  /** The answers of the failures counted per request, by scheme and identity (failure path only). */
  private readonly counted = new WeakMap<object, Map<string, Promise<never>>>();

  constructor(
    @Inject(AUTH_CONFIG) private readonly config: ResolvedAuthOptions,
    private readonly cache: VerificationCache,
  ) {}

  /**
   * The remembered verdict of a scheme's credential as sent (`AuthScheme.credential`), when it can
   * be answered at once: before the credential is even parsed. `undefined` sends the request through
   * {@link verify}: nothing remembered, caching off, the store unreachable (503), or a remembered
   * rejection that throttling must count.
   */
  recall(scheme: AuthScheme, material: string): Verdict | undefined {
    if (!this.cache.enabled || this.config.store.available?.() === false) return undefined;
    const verdict = this.cache.recall(this.cache.keyOf(scheme.name, material));
    return verdict?.error !== undefined && this.config.throttle ? undefined : verdict;
  }

  /**
   * Verifies a scheme's credentials, remembering the verdict under `material` (the credential as
   * sent, which `authenticate()` already read: not read again here).
   */
  verify(
    scheme: AuthScheme,
    credentials: unknown,
    request: PlatformRequest,
    material: string | undefined,
  ): Promise<AuthPrincipal> {
    const { throttle, store } = this.config;
    if (store.available?.() === false) {
      return Promise.reject(store.unavailable('the store reports it is not connected'));
    }
    const attempt = throttle?.attempt(request, scheme.identity?.(credentials) ?? scheme.name);
    const verify = async (): Promise<AuthPrincipal> => {
      if (!attempt) return scheme.verify(credentials, request);
      await throttle!.check(attempt);
      const principal = await scheme.verify(credentials, request);
      await throttle!.succeeded(attempt);
      return principal;
    };
    const result =
      material === undefined || !this.cache.enabled
        ? verify()
        : this.cache.settle(
            this.cache.keyOf(scheme.name, material),
            verify,
            scheme.expiresAt && ((principal) => scheme.expiresAt!(credentials, principal)),
          );
    return attempt
      ? result.catch((error: unknown) => this.countFailure(error, attempt, scheme, request))
      : result;
  }

  /**
   * Counts a failure towards throttling, once per request and identity: a GraphQL operation's root
   * fields each run the guard with the same request and credential, and all get the answer of the
   * first (its 401, or the 429 of an attempt made while locked out).
   */
  private countFailure(
    error: unknown,
    attempt: Attempt,
    scheme: AuthScheme,
    request: PlatformRequest,
  ): Promise<never> {
    if (!countsAsFailure(error)) return Promise.reject(error);
    let counted = this.counted.get(request);
    if (counted === undefined)
      this.counted.set(request, (counted = new Map<string, Promise<never>>()));
    const what = `${scheme.name}\0${attempt.identity}`;
    let answer = counted.get(what);
    if (answer === undefined) {
      answer = this.config
        .throttle!.failed(attempt)
        .then((locked) => Promise.reject(locked ?? error));
      counted.set(what, answer);
    }
    return answer;
  }
}
