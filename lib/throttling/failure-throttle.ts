import { createHash } from 'node:crypto';
import { TooManyAttemptsError, withoutStack } from '../errors/auth.error.js';
import type { PlatformRequest, ThrottleOptions } from '../interfaces/auth-options.interface.js';
import type { AuthStore } from '../stores/auth-store.interface.js';

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
    const blocked = [
      byIdentity.count >= this.maxFailures ? byIdentity.resetInMs : 0,
      byClient.count >= this.maxPerClient ? byClient.resetInMs : 0,
    ];
    const waitMs = Math.max(...blocked);
    if (waitMs > 0) {
      throw withoutStack(
        () => new TooManyAttemptsError({ retryAfter: Math.max(1, Math.ceil(waitMs / 1000)) }),
      );
    }
  }

  /** Counts a failed authentication. */
  async failed(attempt: Attempt): Promise<void> {
    await Promise.all([
      this.store.increment(this.identityKey(attempt), this.windowMs),
      this.store.increment(this.clientKey(attempt), this.windowMs),
    ]);
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
