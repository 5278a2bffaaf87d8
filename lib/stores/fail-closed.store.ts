import { AuthUnavailableError, withoutStack } from '../errors/auth.error.js';
import { RateLimitedLogger } from '../logging/rate-limited-logger.js';
import type { AuthStore, InvalidationListener, WindowCount } from './auth-store.interface.js';
import { MemoryAuthStore } from './memory-auth.store.js';

/**
 * Wraps the configured store so that the module fails closed: when an operation rejects (the
 * store is unreachable) the request gets a 503 with `Retry-After` — never a 200, never a 401 — and
 * the outage is logged, at most every 10 s, naming the error and never a credential.
 */
export class FailClosedStore implements AuthStore {
  private readonly log = new RateLimitedLogger();

  /**
   * Whether the store can be unreachable (anything but the in-memory store), so that every guarded
   * operation can answer 503: the OpenAPI document says so.
   */
  readonly canFail: boolean;

  constructor(private readonly store: AuthStore) {
    this.canFail = !(store instanceof MemoryAuthStore);
  }

  /** The 503 of an unreachable store, logged. */
  unavailable(reason: unknown): AuthUnavailableError {
    this.log.error(() => {
      const why = reason instanceof Error ? reason.message : String(reason);
      return `The auth store is unreachable (${why}): answering 503 until it is back.`;
    });
    return withoutStack(() => new AuthUnavailableError({ cause: reason }));
  }

  available(): boolean {
    return this.store.available?.() ?? true;
  }

  increment(key: string, windowMs: number): Promise<WindowCount> {
    return this.run(() => this.store.increment(key, windowMs));
  }

  count(key: string): Promise<WindowCount> {
    return this.run(() => this.store.count(key));
  }

  set(key: string, value: string, ttlMs: number): Promise<void> {
    return this.run(() => this.store.set(key, value, ttlMs));
  }

  get(key: string): Promise<string | undefined> {
    return this.run(() => this.store.get(key));
  }

  take(key: string): Promise<string | undefined> {
    return this.run(() => this.store.take(key));
  }

  delete(key: string): Promise<void> {
    return this.run(() => this.store.delete(key));
  }

  publishInvalidation(principalId: string): Promise<void> {
    return this.run(() => this.store.publishInvalidation(principalId));
  }

  onInvalidation(listener: InvalidationListener): () => void {
    return this.store.onInvalidation(listener);
  }

  close(): Promise<void> {
    return this.store.close?.() ?? Promise.resolve();
  }

  private async run<T>(operation: () => Promise<T>): Promise<T> {
    try {
      return await operation();
    } catch (error) {
      throw this.unavailable(error);
    }
  }
}
