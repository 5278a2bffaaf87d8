import { createHash } from 'node:crypto';
import { TooManyAttemptsError, withoutStack } from '../errors/auth.error.js';
import type { PlatformRequest, ThrottleOptions } from '../interfaces/auth-options.interface.js';
import type { AuthStore, WindowCount } from '../stores/auth-store.interface.js';

/** Defaults of failed-attempt throttling. */
export const DEFAULT_MAX_FAILURES = 10;
export const DEFAULT_FAILURE_WINDOW_SECONDS = 900;

/** Who is trying: the client, and the identity it claims for one scheme. */
export interface Attempt {
  readonly client: string;
  /** E.g. the Basic user-id; the scheme name when the scheme has no identity. */
  readonly identity: string;
}

/** The client address as the platform sees it (Express `req.ip`, Fastify `request.ip`). */
export function clientAddress(request: PlatformRequest): string {
  const { ip, socket } = request as { ip?: string; socket?: { remoteAddress?: string } };
  return ip ?? socket?.remoteAddress ?? 'unknown';
}

/**
 * Failed-attempt throttling (CONTRACT C-1): after `maxFailures` failed authentications in `window`
 * for the same client and identity, or `maxFailuresPerClient` for the client alone, requests get
 * 429 with `Retry-After` before anything is verified. A success resets the identity's counter.
 * Counters live in the {@link AuthStore} (bounded in memory, or shared in Redis; an unreachable
 * store fails closed, see `FailClosedStore`); keys hold a
 * SHA-256 of client and identity, never a user-id in clear.
 */
export class FailureThrottle {
  private readonly maxFailures: number;
  private readonly maxPerClient: number;
  private readonly windowMs: number;

  constructor(
    private readonly store: AuthStore,
    private readonly options: ThrottleOptions,
  ) {
    this.maxFailures = options.maxFailures ?? DEFAULT_MAX_FAILURES;
    this.maxPerClient = options.maxFailuresPerClient ?? this.maxFailures * 10;
    this.windowMs = (options.window ?? DEFAULT_FAILURE_WINDOW_SECONDS) * 1000;
  }

  /** The attempt a request makes for a scheme. */
  attempt(request: PlatformRequest, identity: string): Attempt {
    return { client: this.options.clientKey?.(request) ?? clientAddress(request), identity };
  }

  /** Throws 429 when the client, or the client with this identity, has failed too often. */
  async check(attempt: Attempt): Promise<void> {
    const [byIdentity, byClient] = await Promise.all([
      this.store.count(this.identityKey(attempt)),
      this.store.count(this.clientKey(attempt)),
    ]);
    const locked = this.lockout(byIdentity, byClient, 0);
    if (locked) throw locked;
  }

  /**
   * Counts a failed authentication. Returns the 429 when the attempt was made while already locked
   * out: a rejection the verification cache remembers is answered without `check()`, and must not
   * stay a 401 however often it is repeated.
   */
  async failed(attempt: Attempt): Promise<TooManyAttemptsError | undefined> {
    const [byIdentity, byClient] = await Promise.all([
      this.store.increment(this.identityKey(attempt), this.windowMs),
      this.store.increment(this.clientKey(attempt), this.windowMs),
    ]);
    return this.lockout(byIdentity, byClient, 1);
  }

  /** The 429 when the counters, less the `counted` failures this call just added, are at a limit. */
  private lockout(
    byIdentity: WindowCount,
    byClient: WindowCount,
    counted: number,
  ): TooManyAttemptsError | undefined {
    const waitMs = Math.max(
      byIdentity.count - counted >= this.maxFailures ? byIdentity.resetInMs : 0,
      byClient.count - counted >= this.maxPerClient ? byClient.resetInMs : 0,
    );
    if (waitMs <= 0) return undefined;
    return withoutStack(
      () => new TooManyAttemptsError({ retryAfter: Math.max(1, Math.ceil(waitMs / 1000)) }),
    );
  }

  /** Resets the identity's counter after a success (the client's own counter keeps running). */
  async succeeded(attempt: Attempt): Promise<void> {
    await this.store.delete(this.identityKey(attempt));
  }

  private identityKey({ client, identity }: Attempt): string {
    return `fail:id:${createHash('sha256').update(client).update('\0').update(identity).digest('base64url')}`;
  }

  private clientKey({ client }: Attempt): string {
    return `fail:client:${createHash('sha256').update(client).digest('base64url')}`;
  }
}
