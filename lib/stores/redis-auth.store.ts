import type { AuthStore, WindowCount } from './auth-store.interface.js';

/**
 * The part of an ioredis client that {@link RedisAuthStore} uses (structural, so that this package
 * does not depend on ioredis): pass your own `new Redis(url, options)`, `new Redis({ sentinels,
 * name })` or `new Cluster(nodes, options)`.
 */
export interface RedisClientLike {
  /** The connection state; `ready` when commands can run. */
  readonly status: string;
  /** `true` on an ioredis `Cluster`. */
  readonly isCluster?: boolean;
  /** Runs a command (`EVAL`, `SET`, …), as ioredis `call()` does (a Cluster routes it by its key). */
  call(command: string, ...args: (string | number)[]): Promise<unknown>;
  /**
   * A second connection with the same options, for subscribing: ioredis `duplicate()`. The store
   * passes `{ autoResubscribe: false }` to a `Redis` client and nothing to a `Cluster` (whose
   * `duplicate()` takes startup nodes instead, and whose subscriber moves to another node by
   * itself when its node fails).
   */
  duplicate(override?: { autoResubscribe?: boolean } | readonly unknown[]): RedisSubscriberLike;
}

/** A subscriber connection (ioredis `duplicate()`). */
export interface RedisSubscriberLike {
  readonly status: string;
  /** Subscribes to a channel. */
  subscribe(channel: string): Promise<unknown>;
  /** A published message. */
  on(event: 'message', listener: (channel: string, message: string) => void): unknown;
  /** The connection is (again) ready. */
  on(event: 'ready', listener: () => void): unknown;
  /** A connection error. */
  on(event: 'error', listener: (error: Error) => void): unknown;
  /** Closes the connection. */
  quit(): Promise<unknown>;
}

/** Options of {@link RedisAuthStore}. */
export interface RedisAuthStoreOptions {
  /**
   * Prefix of every key and of the invalidation channel. Default `nest-http-auth:`. On a Redis
   * Cluster, no `{…}` in it (see {@link RedisAuthStore}).
   */
  readonly prefix?: string;
}

/** INCR with the window set on the first increment (and repaired if a key lost its TTL). */
const INCREMENT = `
local count = redis.call('INCR', KEYS[1])
local ttl = redis.call('PTTL', KEYS[1])
if ttl < 0 then
  redis.call('PEXPIRE', KEYS[1], ARGV[1])
  ttl = tonumber(ARGV[1])
end
return {count, ttl}`;

const COUNT = `
local count = redis.call('GET', KEYS[1])
local ttl = redis.call('PTTL', KEYS[1])
return {count or '0', ttl}`;

function windowCount(reply: unknown): WindowCount {
  const [count, ttl] = reply as [number | string, number];
  return { count: Number(count), resetInMs: Math.max(0, Number(ttl)) };
}

/**
 * An {@link AuthStore} on Redis, shared by every instance of the application: atomic counters
 * (one Lua script: INCR + PEXPIRE), values with TTLs, GETDEL for single-use values, and pub/sub for
 * cache invalidations. Redis unreachable: commands reject and the module answers 503.
 *
 * Give the client options that fail fast instead of queueing while Redis is down, e.g.
 * `new Redis(url, { enableOfflineQueue: false, maxRetriesPerRequest: 1, commandTimeout: 1000 })`;
 * ioredis reconnects by itself and the store works again without a restart. The same options work
 * through Sentinel (`new Redis({ sentinels, name, ...options })`, which then finds the promoted
 * master), and a `new Cluster(nodes, { enableOfflineQueue: false, retryDelayOnFailover: 100,
 * redisOptions: options })` works too.
 *
 * **Redis Cluster.** Every operation is one command on one key (the scripts declare their one key),
 * so no command can span two slots (no `CROSSSLOT`) and the keys carry no hash tag: they spread
 * over every master, and a failed master only affects the keys of its slots. Keep `{` and `}` out
 * of the prefix, which would put every key in one slot, so all the load on one master. Pub/sub
 * invalidations reach every node of a cluster.
 */
export class RedisAuthStore implements AuthStore {
  private readonly prefix: string;
  private readonly channel: string;
  private readonly listeners = new Set<(principalId: string) => void>();
  private subscriber: RedisSubscriberLike | undefined;

  constructor(
    private readonly client: RedisClientLike,
    options: RedisAuthStoreOptions = {},
  ) {
    this.prefix = options.prefix ?? 'nest-http-auth:';
    this.channel = `${this.prefix}invalidate`;
  }

  /** Reachable while the client's connection is ready. */
  available(): boolean {
    return this.client.status === 'ready';
  }

  async increment(key: string, windowMs: number): Promise<WindowCount> {
    return windowCount(
      await this.client.call('EVAL', INCREMENT, 1, this.prefix + key, Math.ceil(windowMs)),
    );
  }

  async count(key: string): Promise<WindowCount> {
    return windowCount(await this.client.call('EVAL', COUNT, 1, this.prefix + key));
  }

  async set(key: string, value: string, ttlMs: number): Promise<void> {
    await this.client.call('SET', this.prefix + key, value, 'PX', Math.max(1, Math.ceil(ttlMs)));
  }

  async get(key: string): Promise<string | undefined> {
    return ((await this.client.call('GET', this.prefix + key)) as string | null) ?? undefined;
  }

  async take(key: string): Promise<string | undefined> {
    return ((await this.client.call('GETDEL', this.prefix + key)) as string | null) ?? undefined;
  }

  async delete(key: string): Promise<void> {
    await this.client.call('DEL', this.prefix + key);
  }

  async publishInvalidation(principalId: string): Promise<void> {
    await this.client.call('PUBLISH', this.channel, principalId);
  }

  onInvalidation(listener: (principalId: string) => void): () => void {
    this.listeners.add(listener);
    if (!this.subscriber) {
      // ioredis's own resubscription after a reconnect has no error handler (an unhandled rejection
      // if Redis drops again meanwhile): this store resubscribes itself on every 'ready'.
      const subscriber = (this.subscriber = this.client.isCluster
        ? this.client.duplicate()
        : this.client.duplicate({ autoResubscribe: false }));
      subscriber.on('message', (channel, message) => {
        if (channel === this.channel) for (const l of this.listeners) l(message);
      });
      // (Re)subscribe whenever the connection is ready: with `enableOfflineQueue: false` a
      // subscription sent before that fails, and Redis may restart.
      const subscribe = (): void => void subscriber.subscribe(this.channel).catch(() => undefined);
      subscriber.on('ready', subscribe);
      // Outages are answered by the main connection (503); the subscriber just reconnects.
      subscriber.on('error', () => undefined);
      if (subscriber.status === 'ready') subscribe();
    }
    return () => this.listeners.delete(listener);
  }

  /** Closes the subscriber connection this store opened (not your client). */
  async close(): Promise<void> {
    const subscriber = this.subscriber;
    this.subscriber = undefined;
    // Quitting a connection that Redis already dropped rejects: it is closed either way.
    await subscriber?.quit().catch(() => undefined);
  }
}
