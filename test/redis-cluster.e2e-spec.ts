import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { type INestApplication, Logger } from '@nestjs/common';
import type { Cluster } from 'ioredis';
import request from 'supertest';
import { AuthRevocation, RedisAuthStore } from '../lib/index.js';
import { revokedTokenKey } from '../lib/stores/store-keys.js';
import { createApp, type Platform } from './fixtures/test-app.js';
import { nowInSeconds, signToken } from './fixtures/tokens.js';
import { expectAuthFailure } from './support/expectations.js';
import { expectFailClosedFailover, startLoad, until } from './support/failover-load.js';
import { bearer } from './support/http.js';
import { REVOKED, storeInstances } from './support/store-instances.js';
import {
  connectCluster,
  type RedisClusterProcess,
  startRedisCluster,
} from './support/redis-cluster.js';

jest.setTimeout(60_000);

const PREFIX = 'cluster:';

let cluster: RedisClusterProcess;
const clients: Cluster[] = [];

async function client(connectionName?: string): Promise<Cluster> {
  const created = await connectCluster(cluster.startupNodes, { connectionName });
  clients.push(created);
  return created;
}

beforeAll(async () => {
  cluster = await startRedisCluster();
}, 60_000);
afterAll(async () => {
  // quit(), not disconnect(): a Cluster's timers (retries towards the killed node) end with it.
  await Promise.all(clients.map((created) => created.quit().catch(() => undefined)));
  await cluster?.stop();
});

describe('RedisAuthStore on a Redis Cluster (3 masters, 1 replica each)', () => {
  const stores: RedisAuthStore[] = [];
  let a: RedisAuthStore;
  let b: RedisAuthStore;

  async function store(): Promise<RedisAuthStore> {
    const created = new RedisAuthStore(await client(), { prefix: PREFIX });
    stores.push(created);
    return created;
  }

  beforeAll(async () => {
    [a, b] = [await store(), await store()];
  });
  afterAll(() => Promise.all(stores.map((s) => s.close())));

  it('increment, count, set, get, take and delete round-trip, shared by two clients', async () => {
    expect(await a.count('c1')).toEqual({ count: 0, resetInMs: 0 });
    expect(await a.increment('c1', 60_000)).toMatchObject({ count: 1 });
    const second = await b.increment('c1', 60_000);
    expect(second.count).toBe(2);
    expect(second.resetInMs).toBeGreaterThan(55_000);
    expect((await a.count('c1')).count).toBe(2);
    await b.delete('c1');
    expect((await a.count('c1')).count).toBe(0);

    await a.set('v1', 'hello', 60_000);
    expect(await b.get('v1')).toBe('hello');
    expect(await b.get('missing')).toBeUndefined();
    const taken = await Promise.all(
      Array.from({ length: 10 }, (_, i) => (i % 2 ? a : b).take('v1')),
    );
    expect(taken.filter((v) => v !== undefined)).toEqual(['hello']);
    expect(await a.get('v1')).toBeUndefined();
  });

  it('spreads keys over the three masters (no hash tag puts them in one slot)', async () => {
    const keys = Array.from({ length: 30 }, (_, i) => `spread-${i}`);
    await Promise.all(keys.map((key) => a.set(key, 'x', 60_000)));
    const owners = new Set(await Promise.all(keys.map((key) => cluster.masterOf(PREFIX + key))));
    expect([...owners].sort()).toEqual((await cluster.masters()).sort());
    expect(owners.size).toBe(3);
    for (const key of keys) expect(await b.get(key)).toBe('x');
  });

  it('publishes invalidations to every client, whichever node each subscribed through', async () => {
    const seen: [(string | undefined)[], (string | undefined)[]] = [[], []];
    const off = [a, b].map((s, i) => s.onInvalidation((id) => seen[i]!.push(id)));
    await until(async () => {
      await a.publishInvalidation('probe');
      return seen.every((ids) => ids.includes('probe'));
    }, 'both subscriptions deliver');
    await b.publishInvalidation('alice');
    await until(async () => seen.every((ids) => ids.includes('alice')), 'both see alice');
    for (const unsubscribe of off) unsubscribe();
  });
});

// Once, on Express: it kills a replica, and the failover tests below need two masters that still
// have theirs. What it tests is the store's state (available() or not), the same on both adapters.
describe("the Cluster node that holds an instance's subscriber connection killed", () => {
  const apps: INestApplication[] = [];
  afterAll(() => Promise.all(apps.map((app) => app.close())));

  it('C-1: a revocation published right after it is never missed: the cached revoked token gets 503 with Retry-After until the subscription is confirmed again, then 401, never 200', async () => {
    // Long heartbeats, so that the gap (until a heartbeat arrives through A's new connection: A's
    // own, at most 10 s later, or B's) surely outlasts the revocation and the first requests after it.
    const instance = async (name: string, heartbeatMs: number) => {
      const store = new RedisAuthStore(await client(name), { prefix: PREFIX, heartbeatMs });
      const app = await createApp('express', { store });
      apps.push(app);
      await until(async () => store.available(), `${name} is confirmed`);
      return app;
    };
    // Instance A whose Cluster client subscribes through a replica (ioredis picks a node at random):
    // killing it moves the subscription and nothing else, and the main connection stays ready.
    let a: INestApplication | undefined;
    let node: number | undefined;
    for (let i = 0; !a && i < 30; i++) {
      const app = await instance(`instance-a-${i}`, 10_000);
      node = await cluster.subscriberOf(`instance-a-${i}`);
      if (node !== undefined && (await cluster.replicas()).includes(node)) a = app;
    }
    if (!a || node === undefined) throw new Error('no instance subscribed through a replica');
    const b = await instance('instance-b', 60_000);

    const jti = 'subscriber-node-killed';
    const exp = nowInSeconds() + 300;
    const token = await signToken({ sub: 'dave', jti, exp });
    const get = () => request(a.getHttpServer()).get('/bearer').set('Authorization', bearer(token));
    expect((await get()).status).toBe(200);

    const logged = jest.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
    let answers;
    let lines: string[];
    try {
      await cluster.kill(node);
      await b.get(AuthRevocation).revokeToken({ jti, exp, sub: 'dave' });
      const load = await startLoad(a, [
        { name: 'revoked', path: '/bearer', authorization: bearer(token) },
      ]);
      try {
        await until(
          async () => {
            const last = load.answers.slice(-20);
            return last.length === 20 && last.every((x) => x.status === 401);
          },
          'A refuses the revoked token',
          30_000,
        );
      } finally {
        answers = await load.stop();
      }
    } finally {
      // (mockRestore() forgets the calls)
      lines = logged.mock.calls.map(([line]) => String(line));
      logged.mockRestore();
    }
    const statuses = new Set(answers.map((x) => x.status));
    expect([...statuses].sort()).toEqual([401, 503]);
    for (const answer of answers.filter((x) => x.status === 503))
      expect(Number(answer.retryAfter)).toBeGreaterThan(0);
    // The first answers 503, the last ones 401: never back to 503 once refused.
    expect(answers[0]!.status).toBe(503);
    const refused = answers.findIndex((x) => x.status === 401);
    expect(answers.slice(refused).every((x) => x.status === 401)).toBe(true);
    expectAuthFailure(await get(), 'token_invalid', [REVOKED]);
    expect(lines).toContain(
      "Cache invalidations may not reach this instance (the Cluster's subscriber connection closed or moved to another node): answering 503 until its subscription is confirmed again.",
    );
    for (const line of lines)
      expect(line).toMatch(
        /^(Cache invalidations may not reach this instance \(.+\): answering 503 until its subscription is confirmed again|The auth store is unreachable \(.+\): answering 503 until it is back)\.$/,
      );
    await cluster.healthy();
  }, 60_000);
});

describe.each<[Platform]>([['express'], ['fastify']])(
  'module instances on a Redis Cluster (%s)',
  (platform) => {
    let a: INestApplication;
    let b: INestApplication;
    /** Verifies on every request (no cache): each one reads the store. */
    let uncached: INestApplication;
    const {
      instance,
      get,
      revokedOnAIsRefusedByB: refusedByB,
    } = storeInstances(platform, PREFIX, () => client());
    const revokedOnAIsRefusedByB = (jti: string) => refusedByB(a, b, jti);

    beforeAll(async () => {
      [a, b, uncached] = [await instance(), await instance(), await instance({ cache: false })];
    });
    afterAll(() => Promise.all([a, b, uncached].map((app) => app?.close())));

    it('C-1: a token revoked through AuthRevocation on A is refused by B, which had cached it', () =>
      revokedOnAIsRefusedByB(`cluster-${platform}-1`));

    it('C-1: the master of the keys killed under load → 503 with Retry-After or the right answer, never 200 for the revoked token; the promoted replica → recovery without a restart', async () => {
      // A master that still has a replica (the other platform's run may have used one up), and two
      // tokens whose revocation keys it serves.
      let target: number | undefined;
      for (const port of await cluster.masters())
        if (target === undefined && (await cluster.replicaOf(port).catch(() => undefined)))
          target = port;
      const jtiOn = async (name: string) => {
        for (let i = 0; ; i++) {
          const jti = `failover-${platform}-${name}-${i}`;
          if ((await cluster.masterOf(PREFIX + revokedTokenKey(jti))) === target) return jti;
        }
      };
      const exp = nowInSeconds() + 300;
      const [revokedJti, validJti] = [await jtiOn('revoked'), await jtiOn('valid')];
      const revoked = await signToken({ sub: 'mallory', jti: revokedJti, exp });
      const valid = await signToken({ sub: 'carol', jti: validJti, exp });
      await uncached.get(AuthRevocation).revokeToken({ jti: revokedJti, exp, sub: 'mallory' });
      await until(
        () => cluster.replicaHas(PREFIX + revokedTokenKey(revokedJti)),
        'the revocation reaches the replica',
      );

      await expectFailClosedFailover(uncached, { revoked, valid }, async () => {
        await cluster.kill(target!);
        await cluster.healthy();
      });
      expect((await get(uncached, valid)).status).toBe(200);
      expectAuthFailure(await get(uncached, revoked), 'token_invalid', [REVOKED]);
    });

    it('C-1: after the failover, a revocation on A still reaches B', () =>
      revokedOnAIsRefusedByB(`cluster-${platform}-2`));
  },
);
