import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { Logger } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { RedisAuthStore } from '../lib/index.js';
import { until } from './support/failover-load.js';
import {
  connectRedis as connect,
  type RedisProcess,
  startRedis,
  whenReady,
} from './support/redis-server.js';

describe('RedisAuthStore on a real redis-server', () => {
  let redis: RedisProcess;
  let a: Redis;
  let b: Redis;
  let storeA: RedisAuthStore;
  let storeB: RedisAuthStore;

  beforeAll(async () => {
    redis = await startRedis();
    [a, b] = await Promise.all([connect(redis.url), connect(redis.url)]);
    storeA = new RedisAuthStore(a, { prefix: 'test:' });
    storeB = new RedisAuthStore(b, { prefix: 'test:' });
  });
  afterAll(async () => {
    await Promise.all([storeA.close(), storeB.close()]);
    a.disconnect();
    b.disconnect();
    await redis.kill();
  });

  it('counts in a fixed window shared by every instance, with its TTL', async () => {
    expect(await storeA.count('c1')).toEqual({ count: 0, resetInMs: 0 });
    expect(await storeA.increment('c1', 60_000)).toMatchObject({ count: 1 });
    const second = await storeB.increment('c1', 60_000);
    expect(second.count).toBe(2);
    expect(second.resetInMs).toBeGreaterThan(55_000);
    expect(second.resetInMs).toBeLessThanOrEqual(60_000);
    expect((await storeA.count('c1')).count).toBe(2);
    expect(await a.pttl('test:c1')).toBeGreaterThan(0);
    await storeB.delete('c1');
    expect((await storeA.count('c1')).count).toBe(0);
  });

  it('increments atomically under concurrency', async () => {
    await Promise.all(
      Array.from({ length: 50 }, (_, i) => (i % 2 ? storeA : storeB).increment('c2', 60_000)),
    );
    expect((await storeA.count('c2')).count).toBe(50);
  });

  it('stores values with a TTL, under the prefix', async () => {
    await storeA.set('v1', 'hello', 60_000);
    expect(await storeB.get('v1')).toBe('hello');
    expect(await b.get('test:v1')).toBe('hello');
    const ttl = await b.pttl('test:v1');
    expect(ttl).toBeGreaterThan(55_000);
    expect(await storeB.get('missing')).toBeUndefined();
  });

  it('take() hands a single-use value to exactly one of many concurrent callers', async () => {
    await storeA.set('once', 'refresh-family-1', 60_000);
    const taken = await Promise.all(
      Array.from({ length: 20 }, (_, i) => (i % 2 ? storeA : storeB).take('once')),
    );
    expect(taken.filter((v) => v !== undefined)).toEqual(['refresh-family-1']);
    expect(await storeA.get('once')).toBeUndefined();
  });

  it('publishes invalidations to every instance', async () => {
    const seenByA: (string | undefined)[] = [];
    const seenByB: (string | undefined)[] = [];
    const offA = storeA.onInvalidation((id) => seenByA.push(id));
    const offB = storeB.onInvalidation((id) => seenByB.push(id));
    // Subscriptions are asynchronous: each store is unavailable until its own is confirmed.
    expect([storeA.available(), storeB.available()]).toEqual([false, false]);
    while (!storeA.available() || !storeB.available())
      await new Promise((resolve) => setTimeout(resolve, 10));
    await storeA.publishInvalidation('alice');
    while (!seenByA.includes('alice') || !seenByB.includes('alice'))
      await new Promise((resolve) => setTimeout(resolve, 10));
    // First the confirmation of each subscription (forget everything: nothing was cached yet).
    expect(seenByA).toEqual([undefined, 'alice']);
    expect(seenByB).toEqual([undefined, 'alice']);
    offA();
    offB();
  });

  it('rejects while Redis is down, and works again once it is back (no restart); its subscriptions are unavailable until confirmed again, and their listeners forget everything once', async () => {
    const logged = jest.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
    const told: [(string | undefined)[], (string | undefined)[]] = [[], []];
    const off = [storeA, storeB].map((store, i) => store.onInvalidation((id) => told[i]!.push(id)));
    try {
      await redis.kill();
      await expect(storeA.increment('c3', 60_000)).rejects.toThrow();
      await expect(storeB.get('v1')).rejects.toThrow();
      // Unavailable once the clients have seen their connections close.
      await until(async () => !storeA.available() && !storeB.available(), 'the outage is seen');
      await redis.restart();
      await Promise.all([whenReady(a), whenReady(b)]);
      expect(await storeA.increment('c3', 60_000)).toMatchObject({ count: 1 });
      // The main connections are back; each subscription, once resubscribed and confirmed by a
      // heartbeat (an invalidation published meanwhile would have been lost).
      await until(async () => storeA.available() && storeB.available(), 'both confirmed again');
      expect(told).toEqual([[undefined], [undefined]]);
      // Redis itself was down: the module's outage line says so, not a second line of the store.
      expect(logged).not.toHaveBeenCalled();
    } finally {
      for (const unsubscribe of off) unsubscribe();
      logged.mockRestore();
    }
  }, 30_000);

  it('close() during an outage ends its subscriber connection (no reconnecting forever, so a graceful shutdown can exit)', async () => {
    const own = await startRedis();
    const client = await connect(own.url);
    const duplicate = jest.spyOn(client, 'duplicate');
    const store = new RedisAuthStore(client, { prefix: 'close:' });
    try {
      const off = store.onInvalidation(() => undefined);
      await until(async () => store.available(), 'the subscription is confirmed');
      const subscriber = duplicate.mock.results[0]!.value as Redis;
      await own.kill();
      let attempts = 0;
      subscriber.on('connecting', () => attempts++);
      const sleep = () => new Promise((resolve) => setTimeout(resolve, 500));
      await sleep();
      expect(attempts).toBeGreaterThan(0); // it retries every 100 ms meanwhile...
      off();
      await store.close();
      attempts = 0;
      await sleep();
      expect(attempts).toBe(0); // ...and no more once the store is closed
    } finally {
      client.disconnect();
      await own.kill();
    }
  });
});
