import { describe, expect, it } from '@jest/globals';
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
      new RedisAuthStore(client).onInvalidation(() => undefined);
      expect(duplicated).toEqual([expected]);
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
