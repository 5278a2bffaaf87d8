import { Logger } from '@nestjs/common';
import type { AuthStore, InvalidationListener, WindowCount } from './auth-store.interface.js';

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
  /**
   * The main connection closed (ioredis emits `close`): a subscription lost at the same time is
   * Redis itself down, which the module logs, not the store.
   */
  on?(event: 'close', listener: () => void): unknown;
  /** Removes a listener added by {@link RedisClientLike.on} (ioredis `off`). */
  off?(event: 'close', listener: () => void): unknown;
}

/** A subscriber connection (ioredis `duplicate()`). */
export interface RedisSubscriberLike {
  readonly status: string;
  /** Subscribes to channels. */
  subscribe(...channels: string[]): Promise<unknown>;
  /** A published message. */
  on(event: 'message', listener: (channel: string, message: string) => void): unknown;
  /** The connection is (again) ready. */
  on(event: 'ready', listener: () => void): unknown;
  /** The connection closed (messages published from now on are lost until it is back). */
  on(event: 'close' | 'end', listener: () => void): unknown;
  /** A connection error. */
  on(event: 'error', listener: (error: Error) => void): unknown;
  /** Closes the connection. */
  quit(): Promise<unknown>;
  /** Closes the connection at once, without reconnecting (when `quit()` cannot be sent). */
  disconnect(): void;
}

/**
 * The internal subscriber of an ioredis `Cluster` (private there, so read only when present): it
 * replaces its connection by one to another node when its node fails, without any event.
 */
interface ClusterSubscriberInternals {
  readonly subscriber?: { getInstance?(): { readonly status?: string } | null } | null;
}

/** Options of {@link RedisAuthStore}. */
export interface RedisAuthStoreOptions {
  /**
   * Prefix of every key and of the invalidation channel. Default `nest-http-auth:`. On a Redis
   * Cluster, no `{…}` in it (see {@link RedisAuthStore}).
   */
  readonly prefix?: string;
  /**
   * Interval of the heartbeat that each store publishes on the invalidation channel, in
   * milliseconds. Default 1000. The subscription counts as receiving while a heartbeat (of any
   * instance) arrived within 3 intervals; otherwise the store is unavailable (503).
   */
  readonly heartbeatMs?: number;
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

const MOVED = "the Cluster's subscriber connection closed or moved to another node";

/**
 * The subscriber's and the main connection's closes within this many milliseconds of each other
 * (in either order) are one outage: Redis itself down.
 */
const SAME_OUTAGE_MS = 1000;

/** Heartbeat intervals without any heartbeat after which the subscription counts as lost. */
const HEARTBEAT_MISSES = 3;

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
 *
 * **Invalidations fail closed.** Redis does not store pub/sub messages: one published while this
 * instance's subscriber connection is down (a restart, a failover, a Cluster node that fails and
 * whose subscription ioredis moves to another node without telling) is lost, and a revoked
 * principal's cached credential would still be accepted. So once something listens
 * ({@link onInvalidation}), the store checks that its subscription surely receives, and is
 * unavailable (the module answers 503, cached credentials included) while it does not:
 * - every store publishes a heartbeat on a second channel every `heartbeatMs` (one PUBLISH a second
 *   by default); the subscription receives while a heartbeat of any instance arrived within 3
 *   intervals. This one check works for a single Redis, Sentinel and Cluster alike, and also catches
 *   a connection that hangs without closing;
 * - a subscriber connection that closes, or a Cluster subscriber replaced by another connection,
 *   counts as lost at once, without waiting for the missing heartbeats.
 *
 * The subscription is confirmed again by the first heartbeat that arrives after the gap (the store
 * publishes one as soon as it has resubscribed); the listeners are then told that invalidations may
 * have been lost (`undefined`: forget every cached verification). Before the first heartbeat after
 * the subscription starts, the store is unavailable too: normally a few milliseconds, and the module
 * waits for it while the application starts. An outage of the subscription alone (the main
 * connection stayed up) is logged once, when it first turns a request away or at the next
 * heartbeat (a closed subscriber connection: a second after it closed at the earliest), through
 * Nest's `Logger` (context `AuthModule`); Redis itself down (the main connection closed too) is the
 * module's own outage line.
 */
export class RedisAuthStore implements AuthStore {
  private readonly prefix: string;
  private readonly channel: string;
  private readonly heartbeatChannel: string;
  private readonly heartbeatMs: number;
  private readonly listeners = new Set<InvalidationListener>();
  private readonly logger = new Logger('AuthModule');
  private subscriber: RedisSubscriberLike | undefined;
  private heartbeat: ReturnType<typeof setInterval> | undefined;
  /** Whether every message published since the listeners last forgot everything has arrived. */
  private receiving = false;
  private lastHeartbeatAt = -Infinity;
  /** The Cluster subscriber's connection through which the last heartbeat arrived. */
  private connection: { readonly status?: string } | null | undefined;
  /**
   * Why the subscription is not receiving, from when it may be logged, and whether it needs no line
   * of the store's own (logged already, or Redis itself down).
   */
  private outage: { readonly why: string; readonly loggableAt: number; told: boolean } | undefined;
  /** When the main connection last closed. */
  private mainClosedAt = -Infinity;
  private readonly mainClosed = (): void => {
    this.mainClosedAt = Date.now();
    if (this.outage) this.outage.told = true;
  };

  constructor(
    private readonly client: RedisClientLike,
    options: RedisAuthStoreOptions = {},
  ) {
    this.prefix = options.prefix ?? 'nest-http-auth:';
    this.channel = `${this.prefix}invalidate`;
    this.heartbeatChannel = `${this.prefix}heartbeat`;
    this.heartbeatMs = options.heartbeatMs ?? 1000;
    if (!Number.isFinite(this.heartbeatMs) || this.heartbeatMs <= 0)
      throw new TypeError('RedisAuthStore: heartbeatMs must be a positive number of milliseconds.');
  }

  /**
   * Reachable while the client's connection is ready and, once something listens for
   * invalidations, while the subscription surely receives them (see {@link RedisAuthStore}).
   */
  available(): boolean {
    const up = this.client.status === 'ready';
    if (up && (this.subscriber === undefined || this.stillReceiving())) return true;
    this.report();
    return false;
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

  onInvalidation(listener: InvalidationListener): () => void {
    this.listeners.add(listener);
    if (!this.subscriber) this.subscribe();
    return () => this.listeners.delete(listener);
  }

  /** Stops the heartbeat and closes the subscriber connection this store opened (not your client). */
  async close(): Promise<void> {
    clearInterval(this.heartbeat);
    this.heartbeat = undefined;
    this.client.off?.('close', this.mainClosed);
    const subscriber = this.subscriber;
    this.subscriber = undefined;
    this.receiving = false;
    this.outage = undefined;
    // Quitting a connection that Redis dropped rejects, and ioredis would go on reconnecting it
    // (keeping the process alive after `app.close()`): close it at once instead.
    await subscriber?.quit().catch(() => subscriber.disconnect());
  }

  private subscribe(): void {
    // ioredis's own resubscription after a reconnect has no error handler (an unhandled rejection
    // if Redis drops again meanwhile): this store resubscribes itself on every 'ready'.
    const subscriber = (this.subscriber = this.client.isCluster
      ? this.client.duplicate()
      : this.client.duplicate({ autoResubscribe: false }));
    subscriber.on('message', (channel, message) => {
      if (channel === this.heartbeatChannel) this.heard();
      else if (channel === this.channel) for (const l of this.listeners) l(message);
    });
    // (Re)subscribe whenever the connection is ready: with `enableOfflineQueue: false` a
    // subscription sent before that fails, and Redis may restart. A heartbeat right after the
    // subscription confirms it without waiting for the next one.
    const subscribe = (): void =>
      void subscriber
        .subscribe(this.channel, this.heartbeatChannel)
        .then(() => this.ping())
        .catch(() => undefined);
    subscriber.on('ready', subscribe);
    for (const event of ['close', 'end'] as const)
      subscriber.on(event, () => this.lost('the subscriber connection closed', true));
    // The connection's errors end in 'close' (above); the subscriber reconnects by itself.
    subscriber.on('error', () => undefined);
    this.client.on?.('close', this.mainClosed);
    if (subscriber.status === 'ready') subscribe();
    this.heartbeat = setInterval(() => {
      this.stillReceiving();
      this.report();
      this.ping();
    }, this.heartbeatMs);
    this.heartbeat.unref();
  }

  private ping(): void {
    // A PUBLISH that fails (Redis down) is answered by the main connection's state (503).
    void this.client.call('PUBLISH', this.heartbeatChannel, '').catch(() => undefined);
  }

  /** A heartbeat arrived: the subscription receives, and may have missed messages before it. */
  private heard(): void {
    this.lastHeartbeatAt = Date.now();
    const connection = this.subscriberConnection();
    if (this.receiving && connection === this.connection) return;
    if (connection !== this.connection) this.lost(MOVED);
    this.connection = connection;
    this.receiving = true;
    this.outage = undefined;
    for (const listener of this.listeners) listener(undefined);
  }

  /** Whether the subscription still surely receives (checked without I/O). */
  private stillReceiving(): boolean {
    if (!this.receiving) return false;
    if (Date.now() - this.lastHeartbeatAt > HEARTBEAT_MISSES * this.heartbeatMs)
      this.lost(`no heartbeat for ${HEARTBEAT_MISSES * this.heartbeatMs} ms`);
    else {
      const connection = this.subscriberConnection();
      if (connection !== this.connection || (connection && connection.status !== 'ready'))
        this.lost(MOVED);
    }
    return this.receiving;
  }

  /** The connection that a Cluster subscribes through right now (`undefined` for a Redis client). */
  private subscriberConnection(): { readonly status?: string } | null | undefined {
    return (this.subscriber as ClusterSubscriberInternals | undefined)?.subscriber?.getInstance?.();
  }

  /** @param closed the subscriber connection closed: the main one may be about to close too */
  private lost(why: string, closed = false): void {
    if (!this.receiving) return;
    this.receiving = false;
    const now = Date.now();
    const redisDown = this.client.status !== 'ready' || now - this.mainClosedAt < SAME_OUTAGE_MS;
    this.outage = { why, loggableAt: closed ? now + SAME_OUTAGE_MS : now, told: redisDown };
  }

  /**
   * Logs the outage once, when it first turns a request away or at the next heartbeat, and only if
   * it is the subscription's alone (the main connection stayed up): Redis itself down is the
   * module's own outage line, and a restart closes both connections in either order.
   */
  private report(): void {
    const outage = this.outage;
    if (this.receiving || !outage || outage.told) return;
    if (this.client.status !== 'ready') {
      // Redis itself is down: that outage is the module's to log, not this subscription's.
      outage.told = true;
      return;
    }
    if (Date.now() < outage.loggableAt) return;
    outage.told = true;
    this.logger.error(
      `Cache invalidations may not reach this instance (${outage.why}): answering 503 until its subscription is confirmed again.`,
    );
  }
}
