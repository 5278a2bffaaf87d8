import { afterEach, beforeEach, describe, expect, it, jest } from '@jest/globals';
import { Logger } from '@nestjs/common';
import {
  RedisAuthStore,
  type RedisClientLike,
  type RedisSubscriberLike,
} from './redis-auth.store.js';

/** A client that records its commands and what `duplicate()` was given. */
function fakeClient(isCluster: boolean) {
  const calls: (string | number)[][] = [];
  const duplicated: unknown[][] = [];
  const subscriber: RedisSubscriberLike = {
    status: 'ready',
    subscribe: () => Promise.resolve(1),
    on: () => subscriber,
    quit: () => Promise.resolve('OK'),
    disconnect: () => undefined,
  };
  const client: RedisClientLike = {
    status: 'ready',
    isCluster,
    call: (...args) => {
      calls.push(args);
      return Promise.resolve(null);
    },
    duplicate: (...args: unknown[]) => {
      duplicated.push(args);
      return subscriber;
    },
  };
  return { client, calls, duplicated };
}

describe('RedisAuthStore', () => {
  it('subscribes through duplicate({ autoResubscribe: false }) on a Redis client, duplicate() on a Cluster (whose argument is startup nodes)', () => {
    for (const [isCluster, expected] of [
      [false, [{ autoResubscribe: false }]],
      [true, []],
    ] as const) {
      const { client, duplicated } = fakeClient(isCluster);
      const store = new RedisAuthStore(client);
      store.onInvalidation(() => undefined);
      expect(duplicated).toEqual([expected]);
      void store.close();
    }
  });

  it('sends every operation as one command on one prefixed key (a Cluster routes it to one slot, never CROSSSLOT)', async () => {
    const { client, calls } = fakeClient(true);
    const store = new RedisAuthStore(client, { prefix: 'p:' });
    await store.increment('a', 1000).catch(() => undefined);
    await store.count('b').catch(() => undefined);
    await store.set('c', 'v', 1000);
    await store.get('d');
    await store.take('e');
    await store.delete('f');
    const keys = calls.map(([command, ...args]) =>
      command === 'EVAL' ? { numkeys: args[1], key: args[2] } : { numkeys: 1, key: args[0] },
    );
    expect(keys).toEqual(
      ['a', 'b', 'c', 'd', 'e', 'f'].map((k) => ({ numkeys: 1, key: `p:${k}` })),
    );
    expect(calls.map(([command]) => command)).toEqual([
      'EVAL',
      'EVAL',
      'SET',
      'GET',
      'GETDEL',
      'DEL',
    ]);
  });
});

/**
 * A Redis that delivers what the main client publishes to the subscriber while the subscriber is
 * connected and subscribed, and whose subscriber connection a test can close, reopen or make deaf
 * (connected, but messages lost: a Cluster subscriber on a node that is gone).
 */
function fakeRedis(isCluster = false) {
  const handlers = new Map<string, ((...args: string[]) => void)[]>();
  const emit = (event: string, ...args: string[]) => {
    for (const handler of handlers.get(event) ?? []) handler(...args);
  };
  const state = {
    connected: true,
    deaf: false,
    channels: new Set<string>(),
    quit: false,
    disconnected: false,
  };
  const published: [string, string][] = [];
  const connection = { status: 'ready' };
  const internals = { getInstance: () => connection };
  const subscriber = {
    get status() {
      return state.connected ? 'ready' : 'reconnecting';
    },
    subscribe: (...channels: string[]) => {
      if (!state.connected) return Promise.reject(new Error('Connection is closed.'));
      for (const channel of channels) state.channels.add(channel);
      return Promise.resolve(channels.length);
    },
    on: (event: string, handler: (...args: string[]) => void) => {
      handlers.set(event, [...(handlers.get(event) ?? []), handler]);
      return subscriber;
    },
    quit: () => {
      // ioredis (offline queue off) cannot send QUIT while reconnecting.
      if (!state.connected) return Promise.reject(new Error("Stream isn't writeable"));
      state.quit = true;
      return Promise.resolve('OK');
    },
    disconnect: () => {
      state.disconnected = true;
    },
    ...(isCluster ? { subscriber: internals } : {}),
  } as RedisSubscriberLike;
  const mainClose = new Set<() => void>();
  const client: RedisClientLike = {
    status: 'ready',
    isCluster,
    on: (_event, listener) => mainClose.add(listener),
    off: (_event, listener) => mainClose.delete(listener),
    call: (command, ...args) => {
      if (command === 'PUBLISH') {
        const [channel, message] = args.map(String) as [string, string];
        published.push([channel, message]);
        if (state.connected && !state.deaf && state.channels.has(channel))
          queueMicrotask(() => emit('message', channel, message));
      }
      return Promise.resolve(1);
    },
    duplicate: () => subscriber,
  };
  return {
    client,
    state,
    published,
    internals,
    /** The subscriber connection drops (Redis restarts): subscriptions are gone. */
    drop() {
      state.connected = false;
      state.channels.clear();
      emit('close');
    },
    /** The main connection's listeners for `close`. */
    mainClose,
    /** The subscriber connection is back (the store then resubscribes itself). */
    reconnect() {
      state.connected = true;
      emit('ready');
    },
  };
}

describe('RedisAuthStore: invalidations fail closed (heartbeat on the channel)', () => {
  let logged: jest.SpiedFunction<Logger['error']>;
  beforeEach(() => {
    jest.useFakeTimers();
    logged = jest.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
  });
  afterEach(() => {
    jest.useRealTimers();
    logged.mockRestore();
  });

  /** Lets the subscription's promises and the delivered messages run. */
  const settle = () => jest.advanceTimersByTimeAsync(0);

  async function listening(redis: ReturnType<typeof fakeRedis>, heartbeatMs = 1000) {
    const store = new RedisAuthStore(redis.client, { prefix: 'p:', heartbeatMs });
    const told: (string | undefined)[] = [];
    store.onInvalidation((id) => told.push(id));
    return { store, told };
  }

  it('is unavailable until its subscription is confirmed by a heartbeat, then available', async () => {
    const redis = fakeRedis();
    const store = new RedisAuthStore(redis.client, { prefix: 'p:' });
    // Nothing listens: only the main connection counts.
    expect(store.available()).toBe(true);
    const told: (string | undefined)[] = [];
    store.onInvalidation((id) => told.push(id));
    expect(store.available()).toBe(false);
    await settle();
    expect(redis.state.channels).toEqual(new Set(['p:invalidate', 'p:heartbeat']));
    // The heartbeat published right after the subscription confirmed it: no wait for the timer.
    expect(redis.published).toEqual([['p:heartbeat', '']]);
    expect(store.available()).toBe(true);
    expect(told).toEqual([undefined]);
    await store.publishInvalidation('alice');
    await settle();
    expect(told).toEqual([undefined, 'alice']);
    expect(logged).not.toHaveBeenCalled();
    await store.close();
  });

  it('publishes a heartbeat every heartbeatMs and stays available while they arrive', async () => {
    const redis = fakeRedis();
    const { store, told } = await listening(redis, 500);
    await settle();
    await jest.advanceTimersByTimeAsync(5000);
    expect(redis.published).toHaveLength(1 + 10);
    expect(store.available()).toBe(true);
    expect(told).toEqual([undefined]);
    await store.close();
  });

  it('no heartbeat for 3 × heartbeatMs → unavailable (logged once); heartbeats back → available, and the listeners forget everything once', async () => {
    const redis = fakeRedis(true);
    const { store, told } = await listening(redis);
    await settle();
    told.length = 0;
    redis.state.deaf = true;
    await jest.advanceTimersByTimeAsync(3000);
    expect(store.available()).toBe(true);
    await jest.advanceTimersByTimeAsync(1000);
    expect(store.available()).toBe(false);
    await jest.advanceTimersByTimeAsync(10_000);
    expect(store.available()).toBe(false);
    expect(logged.mock.calls).toEqual([
      [
        'Cache invalidations may not reach this instance (no heartbeat for 3000 ms): answering 503 until its subscription is confirmed again.',
      ],
    ]);
    // An invalidation sent meanwhile is lost: the listeners are told to forget everything instead.
    await store.publishInvalidation('mallory');
    redis.state.deaf = false;
    await jest.advanceTimersByTimeAsync(1000);
    expect(store.available()).toBe(true);
    expect(told).toEqual([undefined]);
    await jest.advanceTimersByTimeAsync(5000);
    expect(told).toEqual([undefined]);
    expect(logged).toHaveBeenCalledTimes(1);
    await store.close();
  });

  it('a subscriber connection that closes → unavailable at once; back → resubscribed, available, the listeners forget everything', async () => {
    const redis = fakeRedis();
    const { store, told } = await listening(redis);
    await settle();
    told.length = 0;
    redis.drop();
    expect(store.available()).toBe(false);
    await store.publishInvalidation('mallory');
    await jest.advanceTimersByTimeAsync(3000);
    expect(store.available()).toBe(false);
    redis.reconnect();
    await settle();
    expect(redis.state.channels).toEqual(new Set(['p:invalidate', 'p:heartbeat']));
    expect(store.available()).toBe(true);
    expect(told).toEqual([undefined]);
    expect(logged.mock.calls).toEqual([
      [
        'Cache invalidations may not reach this instance (the subscriber connection closed): answering 503 until its subscription is confirmed again.',
      ],
    ]);
    await store.close();
  });

  it('a Cluster whose subscriber moved to another connection → unavailable at once, until a heartbeat arrives through the new one', async () => {
    const redis = fakeRedis(true);
    const { store, told } = await listening(redis);
    await settle();
    told.length = 0;
    const moved = { status: 'connecting' };
    redis.internals.getInstance = () => moved;
    expect(store.available()).toBe(false);
    moved.status = 'ready';
    expect(store.available()).toBe(false);
    await jest.advanceTimersByTimeAsync(1000);
    expect(store.available()).toBe(true);
    expect(told).toEqual([undefined]);
    expect(logged.mock.calls).toEqual([
      [
        "Cache invalidations may not reach this instance (the Cluster's subscriber connection closed or moved to another node): answering 503 until its subscription is confirmed again.",
      ],
    ]);
    await store.close();
  });

  it('logs nothing when the main connection is down too (the module logs that outage), nor for a gap that no request and no heartbeat saw', async () => {
    const redis = fakeRedis();
    const { store, told } = await listening(redis);
    await settle();
    const main = redis.client as { status: string };
    main.status = 'reconnecting';
    redis.drop();
    expect(store.available()).toBe(false);
    await jest.advanceTimersByTimeAsync(3000);
    main.status = 'ready';
    expect(store.available()).toBe(false);
    await jest.advanceTimersByTimeAsync(3000);
    redis.reconnect();
    await settle();
    expect(store.available()).toBe(true);
    redis.drop();
    await jest.advanceTimersByTimeAsync(500);
    redis.reconnect();
    // (resubscribed and confirmed before the next heartbeat)
    await settle();
    expect(store.available()).toBe(true);
    await jest.advanceTimersByTimeAsync(3000);
    expect(told).toEqual([undefined, undefined, undefined]);
    expect(logged).not.toHaveBeenCalled();
    await store.close();
  });

  it('a Redis restart closes both connections in either order: the subscriber first, then the main one → nothing logged by the store', async () => {
    const redis = fakeRedis();
    const { store, told } = await listening(redis);
    await settle();
    const main = redis.client as { status: string };
    redis.drop();
    // A request in between sees the subscription lost while the main connection still looks up.
    expect(store.available()).toBe(false);
    main.status = 'reconnecting';
    for (const listener of redis.mainClose) listener();
    await jest.advanceTimersByTimeAsync(2000);
    // The main connection is back first; the subscriber is still reconnecting at this heartbeat.
    main.status = 'ready';
    await jest.advanceTimersByTimeAsync(2000);
    expect(store.available()).toBe(false);
    redis.reconnect();
    await settle();
    expect(store.available()).toBe(true);
    expect(told).toEqual([undefined, undefined]);
    expect(logged).not.toHaveBeenCalled();
    await store.close();
    expect(redis.mainClose.size).toBe(0);
  });

  it('a subscriber connection closed for less than a second (Redis restarted fast) is not logged, though requests saw it', async () => {
    const redis = fakeRedis();
    const { store } = await listening(redis);
    await settle();
    await jest.advanceTimersByTimeAsync(900);
    redis.drop();
    expect(store.available()).toBe(false);
    await jest.advanceTimersByTimeAsync(200);
    expect(store.available()).toBe(false);
    redis.reconnect();
    await settle();
    expect(store.available()).toBe(true);
    await jest.advanceTimersByTimeAsync(3000);
    expect(logged).not.toHaveBeenCalled();
    await store.close();
  });

  it('close() while Redis is down disconnects the subscriber (QUIT cannot be sent, and ioredis would reconnect it forever)', async () => {
    const redis = fakeRedis();
    const { store } = await listening(redis);
    await settle();
    redis.drop();
    await store.close();
    expect(redis.state).toMatchObject({ quit: false, disconnected: true });
  });

  it('close() stops the heartbeat and quits the subscriber; its timer never keeps the process alive', async () => {
    const setIntervalSpy = jest.spyOn(globalThis, 'setInterval');
    const redis = fakeRedis();
    const { store } = await listening(redis);
    const timer = setIntervalSpy.mock.results[0]?.value as { hasRef(): boolean };
    setIntervalSpy.mockRestore();
    expect(timer.hasRef()).toBe(false);
    await settle();
    expect(jest.getTimerCount()).toBe(1);
    await store.close();
    expect(jest.getTimerCount()).toBe(0);
    expect(redis.state.quit).toBe(true);
    const sent = redis.published.length;
    await jest.advanceTimersByTimeAsync(10_000);
    expect(redis.published).toHaveLength(sent);
  });

  it('refuses a heartbeatMs that is not a positive number', () => {
    for (const heartbeatMs of [0, -1, Number.NaN, Infinity])
      expect(() => new RedisAuthStore(fakeRedis().client, { heartbeatMs })).toThrow(
        'RedisAuthStore: heartbeatMs must be a positive number of milliseconds.',
      );
  });
});
