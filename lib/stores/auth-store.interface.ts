/** A fixed-window counter after an increment. */
export interface WindowCount {
  /** Increments in the current window, this one included. */
  readonly count: number;
  /** Milliseconds until the window ends and the counter resets. */
  readonly resetInMs: number;
}

/**
 * Told of a cache invalidation: the principal whose cached verifications to forget, or `undefined`
 * when invalidations may have been lost (e.g. the store's subscription was interrupted): forget
 * every cached verification.
 */
export type InvalidationListener = (principalId: string | undefined) => void;

/**
 * Everything the module (and an application, e.g. for refresh tokens) must share between
 * instances behind a load balancer: failure counters, revocations, single-use values, and cache
 * invalidation events. `MemoryAuthStore` (default, one instance) and `RedisAuthStore` implement it.
 *
 * Every method may reject when the store is unreachable; the module then fails closed (503).
 */
export interface AuthStore {
  /** Increments `key` in a fixed window of `windowMs` that starts with the first increment. */
  increment(key: string, windowMs: number): Promise<WindowCount>;
  /** The counter of `key` in its current window, without incrementing (0 when none). */
  count(key: string): Promise<WindowCount>;
  /** Stores `value` under `key` for `ttlMs`. */
  set(key: string, value: string, ttlMs: number): Promise<void>;
  /** The value under `key`, if any. */
  get(key: string): Promise<string | undefined>;
  /** Atomically reads and deletes `key` (single-use values: exactly one caller gets it). */
  take(key: string): Promise<string | undefined>;
  /** Deletes `key` (counter or value). */
  delete(key: string): Promise<void>;
  /** Tells every instance (this one included) to forget the cached verifications of a principal. */
  publishInvalidation(principalId: string): Promise<void>;
  /**
   * Listens for invalidations published by any instance; returns the unsubscribe function. A store
   * that can miss some (pub/sub is not stored) calls the listener with `undefined` when it may have
   * (all cached verifications are then forgotten), and reports {@link available} `false` until it
   * is sure to receive them again.
   */
  onInvalidation(listener: InvalidationListener): () => void;
  /**
   * Whether the store is reachable right now, answered without I/O (e.g. the Redis connection's
   * state). While it is not, every guarded request gets 503, even one whose credential is cached:
   * revocations and invalidations could not reach this instance. Absent: always reachable.
   */
  available?(): boolean;
  /** Releases what the store opened itself (called when the application closes). */
  close?(): Promise<void>;
}
