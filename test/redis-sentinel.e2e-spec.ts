import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import type { INestApplication } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { AuthRevocation } from '../lib/index.js';
import { revokedTokenKey } from '../lib/stores/store-keys.js';
import type { Platform } from './fixtures/test-app.js';
import { nowInSeconds, signToken } from './fixtures/tokens.js';
import { expectAuthFailure } from './support/expectations.js';
import { expectFailClosedFailover, until } from './support/failover-load.js';
import { REVOKED, storeInstances } from './support/store-instances.js';
import {
  connectSentinel,
  type RedisSentinelProcess,
  startRedisSentinel,
} from './support/redis-sentinel.js';

jest.setTimeout(60_000);

const PREFIX = 'sentinel:';

describe.each<[Platform]>([['express'], ['fastify']])(
  'module instances on Redis Sentinel (1 master, 1 replica, 3 sentinels) (%s)',
  (platform) => {
    let sentinel: RedisSentinelProcess;
    const clients: Redis[] = [];
    let a: INestApplication;
    let b: INestApplication;
    /** Verifies on every request (no cache): each one reads the store. */
    let uncached: INestApplication;
    const {
      instance,
      get,
      revokedOnAIsRefusedByB: refusedByB,
    } = storeInstances(platform, PREFIX, async () => {
      const client = await connectSentinel(sentinel.sentinels);
      clients.push(client);
      return client;
    });
    const revokedOnAIsRefusedByB = (jti: string) => refusedByB(a, b, jti);

    beforeAll(async () => {
      sentinel = await startRedisSentinel();
      [a, b, uncached] = [await instance(), await instance(), await instance({ cache: false })];
    }, 60_000);
    afterAll(async () => {
      await Promise.all([a, b, uncached].map((app) => app?.close()));
      for (const client of clients) client.disconnect();
      await sentinel?.stop();
    });

    it('C-1: a token revoked through AuthRevocation on A is refused by B, which had cached it', () =>
      revokedOnAIsRefusedByB(`sentinel-${platform}-1`));

    it('C-1: the master killed under load → 503 with Retry-After or the right answer, never 200 for the revoked token; the sentinels promote the replica → recovery without a restart', async () => {
      const exp = nowInSeconds() + 300;
      const [revokedJti, validJti] = [`failover-${platform}-revoked`, `failover-${platform}-valid`];
      const revoked = await signToken({ sub: 'mallory', jti: revokedJti, exp });
      const valid = await signToken({ sub: 'carol', jti: validJti, exp });
      await uncached.get(AuthRevocation).revokeToken({ jti: revokedJti, exp, sub: 'mallory' });
      await until(
        () => sentinel.replicaHas(PREFIX + revokedTokenKey(revokedJti)),
        'the revocation reaches the replica',
      );
      const master = await sentinel.master();
      await expectFailClosedFailover(uncached, { revoked, valid }, async () => {
        await sentinel.kill(master);
        await sentinel.promotedFrom(master);
      });
      expect(await sentinel.master()).not.toBe(master);
      expect((await get(uncached, valid)).status).toBe(200);
      expectAuthFailure(await get(uncached, revoked), 'token_invalid', [REVOKED]);
    });

    it('C-1: after the failover, a revocation on A still reaches B', async () => {
      // The instances that were not loaded reconnect to the new master on their next command.
      for (const app of [a, b])
        await until(
          async () => (await get(app, await signToken({ sub: 'carol' }))).status === 200,
          'the instance is back',
        );
      await revokedOnAIsRefusedByB(`sentinel-${platform}-2`);
    });
  },
);
