import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import type { INestApplication } from '@nestjs/common';
import type { Cluster } from 'ioredis';
import request from 'supertest';
import { AuthRevocation, type AuthModuleOptions, RedisAuthStore } from '../lib/index.js';
import { revokedTokenKey } from '../lib/stores/store-keys.js';
import { createApp, type Platform } from './fixtures/test-app.js';
import { nowInSeconds, signToken } from './fixtures/tokens.js';
import { expectAuthFailure } from './support/expectations.js';
import { expectFailClosedFailover, until } from './support/failover-load.js';
import { bearer } from './support/http.js';
import {
  connectCluster,
  type RedisClusterProcess,
  startRedisCluster,
} from './support/redis-cluster.js';

jest.setTimeout(60_000);

const PREFIX = 'cluster:';
const REVOKED =
  'Bearer realm="api", error="invalid_token", error_description="The access token was revoked"';

let cluster: RedisClusterProcess;
const clients: Cluster[] = [];

async function client(): Promise<Cluster> {
  const created = await connectCluster(cluster.startupNodes);
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
    const seen: [string[], string[]] = [[], []];
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

describe.each<[Platform]>([['express'], ['fastify']])(
  'module instances on a Redis Cluster (%s)',
  (platform) => {
    let a: INestApplication;
    let b: INestApplication;
    /** Verifies on every request (no cache): each one reads the store. */
    let uncached: INestApplication;
    const instance = async (options: Partial<AuthModuleOptions> = {}) =>
      createApp(platform, {
        store: new RedisAuthStore(await client(), { prefix: PREFIX }),
        ...options,
      });
    const get = (app: INestApplication, token: string) =>
      request(app.getHttpServer()).get('/bearer').set('Authorization', bearer(token));

    /** B refuses a token that A revokes, though B had verified and cached it. */
    async function revokedOnAIsRefusedByB(jti: string): Promise<void> {
      const exp = nowInSeconds() + 300;
      const token = await signToken({ sub: 'carol', jti, exp });
      expect((await get(b, token)).status).toBe(200);
      await a.get(AuthRevocation).revokeToken({ jti, exp, sub: 'carol' });
      await until(async () => (await get(b, token)).status === 401, 'B refuses it', 2_000);
      expectAuthFailure(await get(b, token), 'token_invalid', [REVOKED]);
      expect(await b.get(AuthRevocation).isTokenRevoked(jti)).toBe(true);
    }

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
